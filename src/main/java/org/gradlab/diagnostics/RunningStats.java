package org.gradlab.diagnostics;

/**
 * Exponential moving mean and variance of a signal with a warmup, for z-scores:
 * {@code z = (x - mean) / (std + 1e-12)}. Outliers flagged by the caller are left out of the
 * statistics so one spike does not raise the baseline it is judged against.
 */
public final class RunningStats {
    private final double alpha;
    private final int warmup;
    private long seen;
    private double mean;
    private double var;

    RunningStats(double alpha, int warmup) {
        this.alpha = alpha;
        this.warmup = warmup;
    }

    /** Signals seen, mean and variance: everything that changes. */
    public record State(long seen, double mean, double var) {
        public State {
            if (seen < 0 || !Double.isFinite(mean) || !(var >= 0) || Double.isInfinite(var)) {
                throw new IllegalArgumentException("running statistics: need seen >= 0, a finite mean and a finite var >= 0, got "
                        + seen + ", " + mean + ", " + var);
            }
        }
    }

    State state() {
        return new State(seen, mean, var);
    }

    void restore(State s) {
        seen = s.seen();
        mean = s.mean();
        var = s.var();
    }

    boolean ready() {
        return seen >= warmup;
    }

    double mean() {
        return mean;
    }

    double z(double x) {
        return (x - mean) / (Math.sqrt(var) + 1e-12);
    }

    /** Adds {@code x}: a running average during warmup, then the EMA. */
    void add(double x) {
        if (!Double.isFinite(x)) {
            return;
        }
        seen++;
        double a = seen <= warmup ? 1.0 - 1.0 / seen : alpha;
        double d = x - mean;
        mean += (1 - a) * d;
        var = a * (var + (1 - a) * d * d);
    }
}
