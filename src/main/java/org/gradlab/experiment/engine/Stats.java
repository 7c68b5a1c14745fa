package org.gradlab.experiment.engine;

import java.util.Arrays;

/** The few statistics a study needs, over plain arrays. */
public final class Stats {
    private Stats() {
    }

    /** The median of {@code sorted} (ascending; NaN if empty). */
    public static double median(double[] sorted) {
        int n = sorted.length;
        if (n == 0) {
            return Double.NaN;
        }
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** The median of {@code values} in any order, NaN counted as +infinity. */
    public static double medianOf(double[] values) {
        return median(Arrays.stream(values).map(v -> Double.isNaN(v) ? Double.POSITIVE_INFINITY : v).sorted().toArray());
    }

    public static double mean(double[] v) {
        return Arrays.stream(v).sum() / v.length;
    }

    /** The sample standard deviation (n - 1); NaN below two values. */
    public static double std(double[] v) {
        if (v.length < 2) {
            return Double.NaN;
        }
        double m = mean(v);
        return Math.sqrt(Arrays.stream(v).map(x -> (x - m) * (x - m)).sum() / (v.length - 1));
    }

    /** The larger of two values, a NaN taken as larger than anything. */
    public static double nanMax(double a, double b) {
        return Double.isNaN(a) || Double.isNaN(b) ? Double.NaN : Math.max(a, b);
    }
}
