package org.gradlab.diagnostics;

import java.util.Arrays;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.Table;

/**
 * Recommends a global-norm clipping threshold from the gradient norms a run has seen: by
 * default their 90th percentile, so that about one step in ten is clipped (the regime
 * Seetharaman et al. 2020 and Zhang et al. 2020 found to stabilise training without slowing it),
 * and says which fraction of the steps each candidate would have clipped.
 *
 * <pre>{@code
 * ClipAdvisor.Advice a = ClipAdvisor.advise(monitor.gradNorms());
 * Clip.globalNorm(a.threshold());
 * }</pre>
 */
public final class ClipAdvisor {
    private ClipAdvisor() {
    }

    /**
     * A recommended threshold, the fraction of observed steps it would clip, how many finite
     * norms it rests on, and a table of candidates (percentile, threshold, fraction_clipped).
     */
    public record Advice(double threshold, double fractionClipped, int steps, Table candidates) {
        @Override
        public String toString() {
            return String.format(java.util.Locale.ROOT, "clip the global norm at %.4g: it would have clipped %.1f%% of %d steps",
                    threshold, 100 * fractionClipped, steps);
        }
    }

    /** Advice at the 90th percentile. */
    public static Advice advise(double[] norms) {
        return advise(norms, 90);
    }

    /** Advice at the {@code percentile}-th percentile of the finite norms. */
    public static Advice advise(double[] norms, double percentile) {
        if (!(percentile > 0 && percentile <= 100)) {
            throw new IllegalArgumentException("clipAdvisor: percentile must be in (0, 100], got " + percentile);
        }
        double[] finite = Arrays.stream(norms).filter(Double::isFinite).sorted().toArray();
        if (finite.length == 0) {
            throw new IllegalArgumentException("clipAdvisor: no finite gradient norms among " + norms.length + " steps");
        }
        double[] ps = {50, 75, 90, 95, 99, 100};
        double[] thresholds = Arrays.stream(ps).map(p -> percentile(finite, p)).toArray();
        double[] fractions = Arrays.stream(thresholds).map(t -> fractionAbove(norms, t)).toArray();
        Table table = Table.create("clip thresholds", DoubleColumn.create("percentile", ps),
                DoubleColumn.create("threshold", thresholds), DoubleColumn.create("fraction_clipped", fractions));
        double t = percentile(finite, percentile);
        return new Advice(t, fractionAbove(norms, t), finite.length, table);
    }

    /** numpy's linear percentile of sorted values. */
    static double percentile(double[] sorted, double p) {
        double rank = p / 100 * (sorted.length - 1);
        int lo = (int) Math.floor(rank);
        int hi = Math.min(sorted.length - 1, lo + 1);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
    }

    /** Fraction of all steps (non-finite ones count as clipped) with a norm above {@code t}. */
    private static double fractionAbove(double[] norms, double t) {
        return (double) Arrays.stream(norms).filter(n -> !(n <= t)).count() / norms.length;
    }
}
