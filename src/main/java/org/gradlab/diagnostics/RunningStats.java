package org.gradlab.diagnostics;

/**
 * Exponential moving mean and variance of a signal with a warmup, for z-scores:
 * {@code z = (x - mean) / (std + 1e-12)}. Outliers flagged by the caller are left out of the
 * statistics so one spike does not raise the baseline it is judged against.
 */
final class RunningStats {
    private final double alpha;
    private final int warmup;
    private long seen;
    private double mean;
    private double var;

    RunningStats(double alpha, int warmup) {
        this.alpha = alpha;
        this.warmup = warmup;
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
