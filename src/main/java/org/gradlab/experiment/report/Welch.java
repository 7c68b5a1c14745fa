package org.gradlab.experiment.report;

import org.apache.commons.math3.distribution.TDistribution;
import org.apache.commons.math3.stat.StatUtils;

/**
 * Welch's unequal-variances t-test of two samples' means, one-sided both ways: whether {@code a}'s
 * mean is greater than {@code b}'s ({@link #pGreater}) or less ({@link #pLess}), with Welch and
 * Satterthwaite's degrees of freedom (the statistic of {@code TTest.t} in Apache Commons Math).
 * Equal means give t = 0 (p 0.5 both ways); two samples without spread and different means are
 * decided by their means (p 0 or 1).
 *
 * @param diff     mean of a minus mean of b
 * @param pGreater one-sided p-value of "a's mean is greater"
 * @param pLess    one-sided p-value of "a's mean is less"
 */
public record Welch(double diff, double pGreater, double pLess) {
    /** The significance level of the study's comparisons. */
    public static final double ALPHA = 0.05;

    /** The test on {@code a} against {@code b}; both need at least two values. */
    public static Welch of(double[] a, double[] b) {
        if (a.length < 2 || b.length < 2) {
            throw new IllegalArgumentException("welch: each sample needs at least two values, got " + a.length + " and " + b.length);
        }
        double diff = StatUtils.mean(a) - StatUtils.mean(b);
        double va = StatUtils.variance(a) / a.length;
        double vb = StatUtils.variance(b) / b.length;
        double se2 = va + vb;
        if (diff == 0) {
            return new Welch(0, 0.5, 0.5);
        }
        if (se2 == 0) {
            return diff > 0 ? new Welch(diff, 0, 1) : new Welch(diff, 1, 0);
        }
        double t = diff / Math.sqrt(se2);
        double df = se2 * se2 / (va * va / (a.length - 1) + vb * vb / (b.length - 1));
        TDistribution dist = new TDistribution(null, df);
        return new Welch(diff, 1 - dist.cumulativeProbability(t), dist.cumulativeProbability(t));
    }

    /** Whether a's mean is greater at {@link #ALPHA}. */
    public boolean greater() {
        return pGreater < ALPHA;
    }

    /** Whether a's mean is less at {@link #ALPHA}. */
    public boolean less() {
        return pLess < ALPHA;
    }
}
