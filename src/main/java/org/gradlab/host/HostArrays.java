package org.gradlab.host;

import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Copies between small ND4J arrays and Java arrays. For tensors the size of a batch of logits,
 * a Java loop is cheaper than a single ND4J op, and lets gradlab write numerically careful code
 * where ND4J's ops are not (its log-softmax returns -inf for logits 1e4 apart).
 */
public final class HostArrays {
    /** The {@link Blas#staging} slot the float32 copies here pass through (no other code uses it). */
    private static final int STAGING_SLOT = 7;

    private HostArrays() {
    }

    /**
     * A live view of a float32 array's memory when it is a whole, row-major buffer of its own (as
     * parameters, gradients and layer outputs are), else null. Reading it costs no copy.
     */
    public static FloatBuffer floatView(INDArray a) {
        return isWhole(a, DataType.FLOAT) ? a.data().asNio().order(ByteOrder.nativeOrder()).asFloatBuffer() : null;
    }

    /** Like {@link #floatView}, for float64 arrays. */
    public static java.nio.DoubleBuffer doubleView(INDArray a) {
        return isWhole(a, DataType.DOUBLE) ? a.data().asNio().order(ByteOrder.nativeOrder()).asDoubleBuffer() : null;
    }

    /**
     * Whether {@code a} is of {@code type} and its buffer holds exactly its elements in row-major
     * order (a fresh array, or a reshape of a whole one: what {@link #floatView} and
     * {@link #doubleView} view), checked without making a view.
     */
    public static boolean isWhole(INDArray a, DataType type) {
        return a.dataType() == type && a.data().length() == a.length() && Blas.isDense(a);
    }

    /**
     * Rows {@code rows} of a {@code [n, d]} matrix, in that order, as a new {@code [rows.length, d]}
     * array of its type: one bulk copy per row ({@link #rowsInto}) for a whole float32 or float64
     * matrix (ND4J's {@code getRows} makes a view per row, half a second for a split of the 10,000
     * digits), {@code getRows} otherwise. The rows must be in {@code [0, n)}.
     */
    public static INDArray rows(INDArray m, int[] rows) {
        if (rows.length == 0 || !isWhole(m, m.dataType())) {
            return m.getRows(rows);
        }
        INDArray out = Nd4j.createUninitialized(m.dataType(), rows.length, m.columns());
        return rowsInto(m, rows, out) ? out : m.getRows(rows);
    }

    /**
     * Copies rows {@code rows} of the {@code [n, d]} matrix {@code m}, in that order, into
     * {@code into} ({@code [rows.length, d]}), one bulk copy per row, when both are whole float32
     * or both whole float64 arrays; returns whether it did (it copies nothing otherwise). The rows
     * must be in {@code [0, n)}.
     */
    public static boolean rowsInto(INDArray m, int[] rows, INDArray into) {
        int d = Math.toIntExact(m.columns());
        FloatBuffer fs = floatView(m);
        FloatBuffer fd = fs == null ? null : floatView(into);
        java.nio.DoubleBuffer ds = fs != null ? null : doubleView(m);
        java.nio.DoubleBuffer dd = ds == null ? null : doubleView(into);
        if (fd == null && dd == null) {
            return false;
        }
        for (int i = 0; i < rows.length; i++) {
            int from = Math.toIntExact((long) rows[i] * d);
            if (fd != null) {
                fd.put(i * d, fs, from, d);
            } else {
                dd.put(i * d, ds, from, d);
            }
        }
        return true;
    }

    /** The values of {@code a} in row-major order, as doubles. */
    public static double[] toDoubles(INDArray a) {
        return readDoubles(a, new double[Math.toIntExact(a.length())]);
    }

    /**
     * The column of the largest value in each row of a {@code [rows, cols]} matrix (the first on
     * ties, as ND4J's argMax; NaN counts as largest), read in one pass without an ND4J op.
     */
    public static int[] argMaxRows(INDArray m) {
        int rows = m.rows();
        int cols = m.columns();
        double[] v = toDoubles(m);
        int[] out = new int[rows];
        for (int i = 0; i < rows; i++) {
            int best = 0;
            for (int j = 1; j < cols; j++) {
                double a = v[i * cols + j];
                double b = v[i * cols + best];
                if (a > b || (Double.isNaN(a) && !Double.isNaN(b))) {
                    best = j;
                }
            }
            out[i] = best;
        }
        return out;
    }

    /** A new array of {@code type} and {@code shape} holding {@code values} (row-major). */
    public static INDArray fromDoubles(double[] values, long[] shape, DataType type) {
        if (type == DataType.FLOAT) {
            float[] f = new float[values.length];
            for (int i = 0; i < f.length; i++) {
                f[i] = (float) values[i];
            }
            return Nd4j.create(f, shape, 'c');
        }
        return Nd4j.create(values, shape, DataType.DOUBLE).castTo(type);
    }

    /**
     * Copies the values of {@code a} (float32 or float64, any layout) in row-major order into
     * {@code into}, which must hold at least {@code a.length()} values; returns {@code into}.
     */
    public static double[] readDoubles(INDArray a, double[] into) {
        int n = Math.toIntExact(a.length());
        if (into.length < n) {
            throw new IllegalArgumentException("readDoubles: " + n + " values do not fit in " + into.length);
        }
        if (isWhole(a, DataType.FLOAT)) {
            float[] f = Blas.staging(STAGING_SLOT, n);
            Address.floats(a).get(f, 0, n);
            for (int i = 0; i < n; i++) {
                into[i] = f[i];
            }
        } else if (isWhole(a, DataType.DOUBLE)) {
            Address.doubles(a).get(into, 0, n);
        } else {
            System.arraycopy(a.castTo(DataType.DOUBLE).dup('c').data().asDouble(), 0, into, 0, n);
        }
        return into;
    }

    /**
     * Writes {@code from[0..count)} into a whole row-major float32 or float64 array of at least
     * {@code count} elements (rounding to float for float32).
     */
    public static void writeDoubles(double[] from, int count, INDArray a) {
        boolean single = isWhole(a, DataType.FLOAT);
        if ((!single && !isWhole(a, DataType.DOUBLE)) || a.length() < count) {
            throw new IllegalArgumentException("writeDoubles: expected a whole row-major FLOAT or DOUBLE array of at least "
                    + count + " elements, got " + a.dataType() + " " + java.util.Arrays.toString(a.shape()));
        }
        if (!single) {
            Address.doubles(a).put(from, 0, count);
            return;
        }
        float[] f = Blas.staging(STAGING_SLOT, count);
        for (int i = 0; i < count; i++) {
            f[i] = (float) from[i];
        }
        Address.floats(a).put(f, 0, count);
    }

    /** The row-major index of the first element of {@code a} that {@code bad} accepts, or -1; reads the memory in place when it can. */
    public static int firstWhere(INDArray a, java.util.function.DoublePredicate bad) {
        java.nio.FloatBuffer f = floatView(a);
        java.nio.DoubleBuffer d = f == null ? doubleView(a) : null;
        double[] v = f == null && d == null ? toDoubles(a) : null;
        int n = Math.toIntExact(a.length());
        for (int k = 0; k < n; k++) {
            if (bad.test(f != null ? f.get(k) : d != null ? d.get(k) : v[k])) {
                return k;
            }
        }
        return -1;
    }
}
