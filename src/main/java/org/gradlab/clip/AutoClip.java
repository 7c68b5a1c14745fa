package org.gradlab.clip;

import java.util.Map;
import org.gradlab.diagnostics.GradStats;
import org.gradlab.nn.Param;

/** The body of {@link Clip#autoClip}: the sorted history of global norms, clipped at a percentile of it. */
final class AutoClip implements GradientTransform {
    private final double percentile;
    private double[] history = new double[64];
    private int count;

    /**
     * What AutoClip has seen: the first {@code count} entries of {@code sorted} are the finite
     * norms so far, in ascending order.
     */
    record State(double[] sorted, int count) {
        State {
            if (count < 0 || count > sorted.length) {
                throw new IllegalArgumentException("autoClip: count must be in [0, " + sorted.length + "], got " + count);
            }
            for (int i = 0; i < count; i++) {
                if (!Double.isFinite(sorted[i]) || i > 0 && sorted[i] < sorted[i - 1]) {
                    throw new IllegalArgumentException("autoClip: norm history must be finite and ascending, entry "
                            + i + " is " + sorted[i]);
                }
            }
        }
    }

    AutoClip(double percentile) {
        this.percentile = percentile;
    }

    @Override
    public ClipReport apply(Map<String, Param> params, GradStats stats) {
        double norm = stats.globalNorm();
        if (!Double.isFinite(norm)) {
            return ClipReport.unchanged(norm, stats.firstNonFinite());
        }
        history = SortedHistory.insert(history, count++, norm);
        return Clip.scaleToNorm(params, stats, SortedHistory.percentile(history, count, percentile));
    }

    @Override
    public Record state() {
        return new State(java.util.Arrays.copyOf(history, count), count);
    }

    @Override
    public void restore(Record saved) {
        if (!(saved instanceof State s)) {
            throw new IllegalArgumentException("autoClip: expected its own state, got " + saved);
        }
        history = java.util.Arrays.copyOf(s.sorted(), Math.max(64, s.count()));
        count = s.count();
    }
}
