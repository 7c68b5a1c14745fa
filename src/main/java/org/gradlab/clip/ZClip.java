package org.gradlab.clip;

import java.util.Arrays;
import java.util.Map;
import org.gradlab.diagnostics.GradStats;
import org.gradlab.nn.Param;

/** The body of {@link Clip#zClip}: EMA mean and variance of the global norm after a warmup. */
final class ZClip implements GradientTransform {
    private final double alpha;
    private final double zThreshold;
    private final double[] warm;
    private double mean;
    private double var;
    private long seen;

    /** Mean and variance of the norms used, steps seen, and the warmup norms collected. */
    record State(double mean, double var, long seen, double[] warm) {
        State {
            if (seen < 0 || !(var >= 0) || Double.isNaN(mean)) {
                throw new IllegalArgumentException("zClip: need seen >= 0, var >= 0 and a mean that is not NaN, got seen "
                        + seen + ", var " + var + ", mean " + mean);
            }
        }
    }

    ZClip(double alpha, double zThreshold, int warmup) {
        this.alpha = alpha;
        this.zThreshold = zThreshold;
        this.warm = new double[warmup];
    }

    @Override
    public ClipReport apply(Map<String, Param> params, GradStats stats) {
        double g = stats.globalNorm();
        if (!Double.isFinite(g)) {
            return ClipReport.unchanged(g, stats.firstNonFinite());
        }
        if (seen < warm.length) {
            warm[(int) seen++] = g;
            if (seen == warm.length) {
                mean = Arrays.stream(warm).average().orElseThrow();
                var = Arrays.stream(warm).map(x -> (x - mean) * (x - mean)).sum() / warm.length;
            }
            return ClipReport.unchanged(g, null);
        }
        double std = Math.sqrt(var);
        double z = (g - mean) / (std + 1e-6);
        double used = z > zThreshold ? mean + zThreshold * zThreshold * std / z : g;
        ClipReport r = used < g ? Clip.scaleToNorm(params, stats, used) : ClipReport.unchanged(g, null);
        mean = alpha * mean + (1 - alpha) * used;
        var = alpha * var + (1 - alpha) * (used - mean) * (used - mean);
        return r;
    }

    @Override
    public Record state() {
        return new State(mean, var, seen, warm.clone());
    }

    @Override
    public void restore(Record saved) {
        if (!(saved instanceof State s) || s.warm().length != warm.length) {
            throw new IllegalArgumentException("zClip: expected its own state with " + warm.length + " warmup norms, got "
                    + (saved instanceof State s ? s.warm().length + " norms" : saved));
        }
        mean = s.mean();
        var = s.var();
        seen = s.seen();
        System.arraycopy(s.warm(), 0, warm, 0, warm.length);
    }
}
