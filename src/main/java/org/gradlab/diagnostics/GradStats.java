package org.gradlab.diagnostics;

import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.Map;
import org.gradlab.nn.Param;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Per-parameter gradient measurements of one step, taken in one fused pass over each gradient:
 * sum of squares, sum of absolute values and max |g|; the counts of NaN and infinite entries
 * take a second pass only when the sum of squares says there are any (or it overflowed).
 * Norms, clipping decisions, alarms and the clip advisor all read these numbers, so nothing reads
 * the gradients twice. Parameters are in forward order (as {@code Module.namedParams()}).
 *
 * <p>The pass runs in Java over the arrays' memory: at the article's sizes one ND4J reduction
 * costs more than reading the whole tensor, and ND4J has no single op for all five numbers.
 */
public record GradStats(String[] names, double[] sumSq, double[] sumAbs, double[] maxAbs, long[] nan, long[] inf) {

    /** Measures the gradients of {@code params}. */
    public static GradStats of(Map<String, Param> params) {
        int n = params.size();
        GradStats s = new GradStats(new String[n], new double[n], new double[n], new double[n], new long[n], new long[n]);
        int i = 0;
        for (Map.Entry<String, Param> e : params.entrySet()) {
            s.names[i] = e.getKey();
            s.measure(i++, e.getValue().grad());
        }
        return s;
    }

    private void measure(int i, INDArray g) {
        double sq = 0;
        double abs = 0;
        double max = 0;
        int len = Math.toIntExact(g.length());
        boolean direct = !g.isView() && g.ordering() == 'c' && g.data().length() == g.length();
        FloatBuffer f = direct && g.dataType() == DataType.FLOAT
                ? g.data().asNio().order(ByteOrder.nativeOrder()).asFloatBuffer() : null;
        DoubleBuffer d = f != null ? null : direct && g.dataType() == DataType.DOUBLE
                ? g.data().asNio().order(ByteOrder.nativeOrder()).asDoubleBuffer()
                : DoubleBuffer.wrap(g.castTo(DataType.DOUBLE).dup('c').data().asDouble());
        for (int k = 0; k < len; k++) {
            double a = Math.abs(f != null ? f.get(k) : d.get(k));
            sq += a * a;
            abs += a;
            max = Math.max(max, a);
        }
        long nanCount = 0;
        long infCount = 0;
        if (!Double.isFinite(sq)) {          // rare: count what made it so in a second pass
            for (int k = 0; k < len; k++) {
                double v = f != null ? f.get(k) : d.get(k);
                nanCount += Double.isNaN(v) ? 1 : 0;
                infCount += Double.isInfinite(v) ? 1 : 0;
            }
        }
        sumSq[i] = sq;
        sumAbs[i] = abs;
        maxAbs[i] = nanCount > 0 ? Double.NaN : max;
        nan[i] = nanCount;
        inf[i] = infCount;
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
