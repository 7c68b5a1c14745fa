package org.gradlab.diagnostics;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.Map;
import org.gradlab.nn.HostArrays;
import org.gradlab.nn.Param;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Per-parameter gradient measurements of one step, taken in one fused pass over each gradient:
 * sum of squares, sum of absolute values and max |g|; the counts of NaN and infinite entries
 * take a second pass only when the sum of squares says there are any (or it overflowed).
 * Norms, clipping decisions, alarms and the clip advisor all read these numbers, so nothing reads
 * the gradients twice. Parameters are in forward order (as {@code Layer.namedParams()}).
 *
 * <p>The pass runs in Java over the arrays' memory: at the article's sizes one ND4J reduction
 * costs more than reading the whole tensor, and ND4J has no single op for all five numbers.
 * Models with more than 65,536 parameters are read in two halves on two cores.
 */
public record GradStats(String[] names, double[] sumSq, double[] sumAbs, double[] maxAbs, long[] nan, long[] inf) {

    /** Below this many entries in all, a second thread costs more than it saves. */
    private static final long PARALLEL_THRESHOLD = 1 << 16;

    /**
     * Measures the gradients of {@code params}. Large models are measured in two halves, one on a
     * helper thread (the training step uses one core; the machine has more).
     */
    public static GradStats of(Map<String, Param> params) {
        int n = params.size();
        String[] names = new String[n];
        INDArray[] grads = new INDArray[n];
        long total = 0;
        int i = 0;
        for (Map.Entry<String, Param> e : params.entrySet()) {
            names[i] = e.getKey();
            grads[i] = e.getValue().grad();
            total += grads[i++].length();
        }
        double[][] a = new double[3][n];
        if (total < PARALLEL_THRESHOLD) {
            sweep(grads, 0, total, a);
        } else {
            double[][] b = new double[3][n];
            long half = total / 2;
            java.util.concurrent.Future<?> first = SecondCore.EXECUTOR.submit(() -> sweep(grads, 0, half, b));
            sweep(grads, half, total, a);
            SecondCore.await(first, "gradient statistics");
            for (int k = 0; k < n; k++) {
                a[0][k] += b[0][k];
                a[1][k] += b[1][k];
                a[2][k] = Math.max(a[2][k], b[2][k]);
            }
        }
        GradStats s = new GradStats(names, a[0], a[1], a[2], new long[n], new long[n]);
        for (int k = 0; k < n; k++) {
            if (!Double.isFinite(a[0][k])) {     // rare: count what made it so
                s.countNonFinite(k, grads[k]);
            }
        }
        return s;
    }

    /**
     * Sums of squares and of |g| and max |g| over entries {@code [from, to)} of the gradients laid
     * end to end, into {@code out[0..2][param]}.
     */
    private static void sweep(INDArray[] grads, long from, long to, double[][] out) {
        long offset = 0;
        for (int p = 0; p < grads.length; p++) {
            long len = grads[p].length();
            long lo = Math.max(from, offset);
            long hi = Math.min(to, offset + len);
            if (lo < hi) {
                measure(grads[p], (int) (lo - offset), (int) (hi - offset), p, out);
            }
            offset += len;
        }
    }

    private static void measure(INDArray g, int from, int to, int p, double[][] out) {
        double sq = 0;
        double abs = 0;
        double max = 0;
        FloatBuffer f = HostArrays.floatView(g);
        DoubleBuffer view = f != null ? null : HostArrays.doubleView(g);
        DoubleBuffer d = f != null ? null : view != null ? view : DoubleBuffer.wrap(HostArrays.toDoubles(g));
        for (int k = from; k < to; k++) {
            double a = Math.abs(f != null ? f.get(k) : d.get(k));
            sq += a * a;
            abs += a;
            max = Math.max(max, a);
        }
        out[0][p] = sq;
        out[1][p] = abs;
        out[2][p] = max;
    }

    private void countNonFinite(int i, INDArray g) {
        double[] v = HostArrays.toDoubles(g);
        for (double x : v) {
            nan[i] += Double.isNaN(x) ? 1 : 0;
            inf[i] += Double.isInfinite(x) ? 1 : 0;
        }
        if (nan[i] > 0) {
            maxAbs[i] = Double.NaN;
        }
    }

    public int size() {
        return names.length;
    }

    /** L2 norm of parameter {@code i}'s gradient (NaN or infinite when it holds such values). */
    public double norm(int i) {
        return Math.sqrt(sumSq[i]);
    }

    /** L2 norm of all gradients together. */
    public double globalNorm() {
        double s = 0;
        for (double v : sumSq) {
            s += v;
        }
        return Math.sqrt(s);
    }

    public boolean finite(int i) {
        return nan[i] == 0 && inf[i] == 0;
    }

    public boolean allFinite() {
        for (int i = 0; i < names.length; i++) {
            if (!finite(i)) {
                return false;
            }
        }
        return true;
    }

    /** The first parameter in backward order (last in forward order) whose gradient is not finite, or null. */
    public String firstNonFiniteInBackwardOrder() {
        for (int i = names.length - 1; i >= 0; i--) {
            if (!finite(i)) {
                return names[i];
            }
        }
        return null;
    }

    /** The first parameter in forward order whose gradient is not finite, or null. */
    public String firstNonFinite() {
        for (int i = 0; i < names.length; i++) {
            if (!finite(i)) {
                return names[i];
            }
        }
        return null;
    }
}
