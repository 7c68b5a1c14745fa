package org.gradlab.clip;

import java.util.Arrays;
import java.util.Map;
import org.gradlab.nn.Param;

/** {@link Clip#zClip}: EMA mean and variance of the global norm after a warmup that only collects norms. */
public final class ZClip implements GradientTransform<ZClip.State> {
    private final double alpha;
    private final double zThreshold;
    private final int warmup;

    /**
     * Mean and variance of the norms used, steps seen, and the warmup norms collected.
     *
     * @param mean the EMA of the norms used (0 during the warmup)
     * @param var  the EMA of their squared deviation
     * @param seen finite norms seen so far
     * @param warm the warmup's norms, {@code warmup} entries (those past {@code seen} are 0)
     */
    public record State(double mean, double var, long seen, double[] warm) {
        public State {
            if (seen < 0 || !(var >= 0) || Double.isNaN(mean)) {
                throw new IllegalArgumentException("zClip: need seen >= 0, var >= 0 and a mean that is not NaN, got seen "
                        + seen + ", var " + var + ", mean " + mean);
            }
        }
    }

    ZClip(double alpha, double zThreshold, int warmup) {
        if (!(alpha > 0 && alpha < 1)) {
            throw new IllegalArgumentException("zClip: alpha must be in (0, 1), got " + alpha);
        }
        Clip.requirePositive("zClip", "zThreshold", zThreshold);
        if (warmup < 1) {
            throw new IllegalArgumentException("zClip: warmup must be >= 1, got " + warmup);
        }
        this.alpha = alpha;
        this.zThreshold = zThreshold;
        this.warmup = warmup;
    }

    @Override
    public String name() {
        return "zClip(" + alpha + ", " + zThreshold + ", " + warmup + ")";
    }

    @Override
    public State init(Map<String, Param> params) {
        return new State(0, 0, 0, new double[warmup]);
    }

    @Override
    public Update<State> update(Map<String, Param> params, GradStats stats, State s) {
        if (s.warm().length != warmup) {
            throw new IllegalArgumentException("zClip: the state holds " + s.warm().length + " warmup norms, expected " + warmup);
        }
        double g = stats.globalNorm();
        if (!Double.isFinite(g)) {
            return new Update<>(ClipReport.unchanged(g, stats.firstNonFinite()), s);
        }
        if (s.seen() < warmup) {
            double[] warm = s.warm().clone();
            warm[(int) s.seen()] = g;
            long seen = s.seen() + 1;
            double mean = 0;
            double var = 0;
            if (seen == warmup) {
                mean = Arrays.stream(warm).average().orElseThrow();
                double m = mean;
                var = Arrays.stream(warm).map(x -> (x - m) * (x - m)).sum() / warm.length;
            }
            return new Update<>(ClipReport.unchanged(g, null), new State(mean, var, seen, warm));
        }
        double std = Math.sqrt(s.var());
        double z = (g - s.mean()) / (std + 1e-6);
        double used = z > zThreshold ? s.mean() + zThreshold * zThreshold * std / z : g;
        ClipReport r = used < g ? Clip.scaleToNorm(params, stats, used) : ClipReport.unchanged(g, null);
        double mean = alpha * s.mean() + (1 - alpha) * used;
        double var = alpha * s.var() + (1 - alpha) * (used - mean) * (used - mean);
        return new Update<>(r, new State(mean, var, s.seen() + 1, s.warm()));
    }

    @Override
    public String toString() {
        return name();
    }
}
