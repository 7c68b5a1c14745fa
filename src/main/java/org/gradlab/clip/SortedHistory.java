package org.gradlab.clip;

/** A growing sorted array of observed norms, for percentile thresholds. */
final class SortedHistory {
    private SortedHistory() {
    }

    /** Inserts {@code v} into the first {@code n} sorted entries of {@code a} (grown as needed); returns the array. */
    static double[] insert(double[] a, int n, double v) {
        double[] out = n == a.length ? java.util.Arrays.copyOf(a, 2 * a.length) : a;
        int at = java.util.Arrays.binarySearch(out, 0, n, v);
        at = at < 0 ? -at - 1 : at;
        System.arraycopy(out, at, out, at + 1, n - at);
        out[at] = v;
        return out;
    }

    /** numpy's default (linear) percentile of the first {@code n} sorted entries. */
    static double percentile(double[] sorted, int n, double p) {
        double rank = p / 100 * (n - 1);
        int lo = (int) Math.floor(rank);
        int hi = Math.min(n - 1, lo + 1);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
    }
}
