package org.gradlab.clip;

import java.util.Arrays;
import java.util.Map;
import org.gradlab.nn.Param;

/**
 * {@link Clip#autoClip}: every step inserts the global L2 norm into the run's sorted history and
 * clips at its {@code percentile}-th percentile (numpy's linear interpolation). Non-finite norms
 * are not recorded and not clipped.
 */
public final class AutoClip implements GradientTransform<AutoClip.State> {
    private final double percentile;

    /**
     * What AutoClip has seen: the finite global norms so far, in ascending order.
     *
     * @param sorted the norms, ascending
     */
    public record State(double[] sorted) {
        public State {
            for (int i = 0; i < sorted.length; i++) {
                if (!Double.isFinite(sorted[i]) || i > 0 && sorted[i] < sorted[i - 1]) {
                    throw new IllegalArgumentException("autoClip: norm history must be finite and ascending, entry "
                            + i + " is " + sorted[i]);
                }
            }
        }
    }

    AutoClip(double percentile) {
        if (!(percentile > 0 && percentile <= 100)) {
            throw new IllegalArgumentException("autoClip: percentile must be in (0, 100], got " + percentile);
        }
        this.percentile = percentile;
    }

    @Override
    public String name() {
        return "autoClip(" + percentile + ")";
    }

    @Override
    public State init(Map<String, Param> params) {
        return new State(new double[0]);
    }

    @Override
    public Update<State> update(Map<String, Param> params, GradStats stats, State state) {
        double norm = stats.globalNorm();
        if (!Double.isFinite(norm)) {
            return new Update<>(ClipReport.unchanged(norm, stats.firstNonFinite()), state);
        }
        double[] old = state.sorted();
        int at = Arrays.binarySearch(old, norm);
        at = at < 0 ? -at - 1 : at;
        double[] next = new double[old.length + 1];
        System.arraycopy(old, 0, next, 0, at);
        next[at] = norm;
        System.arraycopy(old, at, next, at + 1, old.length - at);
        return new Update<>(Clip.scaleToNorm(params, stats, percentile(next, percentile)), new State(next));
    }

    /** numpy's default (linear) percentile of {@code sorted}. */
    static double percentile(double[] sorted, double p) {
        int n = sorted.length;
        double rank = p / 100 * (n - 1);
        int lo = (int) Math.floor(rank);
        int hi = Math.min(n - 1, lo + 1);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
    }

    @Override
    public String toString() {
        return name();
    }
}
