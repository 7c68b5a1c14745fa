package org.gradlab.clip;

import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.FutureTask;
import org.gradlab.host.Vec;
import org.gradlab.host.HostArrays;
import org.gradlab.nn.Param;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Per-parameter gradient measurements of one step: sum of squares (accumulated in double, since
 * clipping reads it) over the gradient's memory, one OpenBLAS call per parameter; the counts of
 * NaN and infinite entries take a further pass only when the sum of squares says there are any
 * (or it overflowed). Norms, clipping decisions, alarms and the clip advisor all read these
 * numbers, so nothing reads the gradients twice. Parameters are in forward order (as
 * {@code Layer.namedParams()}).
 *
 * <p>max |g| (one {@code i?amax} call per parameter; value and infinity-norm clips and the
 * monitor's per-layer rows read it) and the sums of |g| (the L1 norm, which only an L1-norm clip
 * reads) are taken on first use: read them before the gradients change, as clips do. Models with
 * more than 65,536 parameters are measured by two threads when the caller lends a helper thread
 * ({@link #of(Map, Executor)}), with the same result to the last bit.
 */
public final class GradStats {
    private final String[] names;
    private final INDArray[] grads;
    private final double[] sumSq;
    private double[] maxAbs;
    private final long[] nan;
    private final long[] inf;
    private double[] sumAbs;

    private GradStats(String[] names, INDArray[] grads, double[] sumSq) {
        this.names = names;
        this.grads = grads;
        this.sumSq = sumSq;
        this.nan = new long[names.length];
        this.inf = new long[names.length];
    }

    /** Entries per partial sum: each parameter is summed in these chunks, in order, however many threads share them. */
    private static final int CHUNK = 1 << 15;

    /** Below this many gradient entries in all, handing half the work to a helper thread costs more than it saves. */
    private static final long SPLIT_THRESHOLD = 1 << 16;

    /** Measures the gradients of {@code params} on the calling thread. */
    public static GradStats of(Map<String, Param> params) {
        return of(params, null);
    }

    /**
     * Measures the gradients of {@code params}; with a {@code helper} (a thread the caller lends,
     * or null) large models are measured by two threads. Each parameter's sum of squares is the
     * in-order total of fixed chunks, so the result is the same to the last bit whether one thread
     * sums them or two threads share the chunks.
     */
    public static GradStats of(Map<String, Param> params, Executor helper) {
        int n = params.size();
        String[] names = new String[n];
        INDArray[] grads = new INDArray[n];
        long total = 0;
        int chunks = 0;
        int i = 0;
        for (Map.Entry<String, Param> e : params.entrySet()) {
            names[i] = e.getKey();
            grads[i] = e.getValue().grad();
            total += grads[i].length();
            chunks += (int) ((grads[i++].length() + CHUNK - 1) / CHUNK);
        }
        int[] param = new int[chunks];
        long[] start = new long[chunks];
        int c = 0;
        for (int p = 0; p < n; p++) {
            for (long at = 0; at < grads[p].length(); at += CHUNK) {
                param[c] = p;
                start[c++] = at;
            }
        }
        double[] partial = new double[chunks];
        if (helper == null || total < SPLIT_THRESHOLD || chunks < 2) {
            sweep(grads, param, start, 0, chunks, partial);
        } else {
            int half = chunks / 2;
            FutureTask<Void> first = new FutureTask<>(() -> sweep(grads, param, start, 0, half, partial), null);
            helper.execute(first);
            sweep(grads, param, start, half, chunks, partial);
            await(first);
        }
        double[] a = new double[n];
        for (int k = 0; k < chunks; k++) {
            a[param[k]] += partial[k];
        }
        GradStats s = new GradStats(names, grads, a);
        for (int k = 0; k < n; k++) {
            if (!Double.isFinite(a[k])) {     // rare: count what made it so
                s.countNonFinite(k, grads[k]);
            }
        }
        return s;
    }

    private static void await(FutureTask<Void> task) {
        try {
            task.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("gradient statistics: interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("gradient statistics: the helper thread failed", e.getCause());
        }
    }

    /** Sums of squares of chunks {@code [from, to)} (parameter {@code param[k]} from entry {@code start[k]}) into {@code out[k]}. */
    private static void sweep(INDArray[] grads, int[] param, long[] start, int from, int to, double[] out) {
        for (int k = from; k < to; k++) {
            INDArray g = grads[param[k]];
            int len = (int) Math.min(CHUNK, g.length() - start[k]);
            out[k] = Vec.of(g).at(start[k]).sumSq(len);
        }
    }

    /**
     * Sum of |g| of each parameter ({@code ||g||_1}), in double; measured from the gradients on
     * the first call.
     */
    public synchronized double[] sumAbs() {
        if (sumAbs == null) {
            sumAbs = perParameter(i -> Vec.of(grads[i]).sumAbs(Math.toIntExact(grads[i].length())));
        }
        return sumAbs;
    }

    /** {@code measure(i)} for every parameter {@code i}. */
    private double[] perParameter(java.util.function.IntToDoubleFunction measure) {
        double[] out = new double[names.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = measure.applyAsDouble(i);
        }
        return out;
    }

    /** Parameter names, in forward order. */
    public String[] names() {
        return names;
    }

    /** Sum of squares of each parameter's gradient. */
    public double[] sumSq() {
        return sumSq;
    }

    /**
     * Max |g| of each parameter's gradient (NaN when it holds NaN), measured from the gradients
     * on the first call.
     */
    public synchronized double[] maxAbs() {
        if (maxAbs == null) {
            maxAbs = perParameter(i -> nan[i] > 0 ? Double.NaN
                    : grads[i].length() == 0 ? 0 : Vec.of(grads[i]).maxAbs(Math.toIntExact(grads[i].length())));
        }
        return maxAbs;
    }

    /** NaN entries of each parameter's gradient. */
    public long[] nan() {
        return nan;
    }

    /** Infinite entries of each parameter's gradient. */
    public long[] inf() {
        return inf;
    }

    private void countNonFinite(int i, INDArray g) {
        double[] v = HostArrays.toDoubles(g);
        for (double x : v) {
            nan[i] += Double.isNaN(x) ? 1 : 0;
            inf[i] += Double.isInfinite(x) ? 1 : 0;
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
