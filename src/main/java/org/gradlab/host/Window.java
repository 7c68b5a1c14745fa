package org.gradlab.host;

import org.nd4j.linalg.api.buffer.DataType;

/**
 * A Java array in a {@link Block}'s precision ({@code float[]} for float32, {@code double[]} for
 * float64) holding one slice of a step, and the element-wise kernels the recurrent cells are
 * written in: {@code h.mulAdd(z, d, n)} and the like, each one loop over the window's
 * {@link #size} entries.
 *
 * <p><b>Why it is fast.</b> Each kernel is a plain loop over arrays of one primitive type, which
 * the JIT vectorises (16 floats or 8 doubles a vector on AVX-512), and it computes in the
 * window's own precision: float32 in float. Computing float32 in double and rounding back costs
 * several times more here, because the JIT (JDK 17) does not vectorise the float-double
 * conversions, so every entry would pass through two scalar conversions. The windows are
 * filled from and written to native memory by bulk copies ({@link #load}, {@link #loadRows},
 * {@link #store}, {@link #storeRows}), one memcpy per row. float64 computes in double: the path
 * the golden traces and gradient checks verify.
 *
 * <p>tanh is exact for float64 ({@link Math#tanh}) and, for float32, Eigen's [13/6] rational
 * approximation on x clamped to +-7.905 (within a few float ulps; the same float operations as
 * {@link #tanh(float[], float[], int)}, which float32 Tanh layers use too); the sigmoid is
 * {@code 1 / (1 + e^-x)} and {@code (1 + tanh(x / 2)) / 2} respectively.
 */
public abstract sealed class Window permits Window.F32, Window.F64 {
    private static final float TANH_CLAMP = 7.90531110763549805f;
    /** Source rows {@link F32#transpose} moves at once. */
    private static final int STRIP = 8;

    /** Entries the kernels run over. */
    int size;

    /** A window of {@code type}'s precision and {@code size} entries: {@code old} when it is of the type and large enough, else a new one. */
    public static Window reuse(Window old, DataType type, int size) {
        Window w = old != null && old.type() == type && old.capacity() >= size ? old
                : type == DataType.DOUBLE ? new F64(new double[size]) : new F32(new float[size]);
        w.size = size;
        return w;
    }

    public abstract DataType type();

    abstract int capacity();

    public int size() {
        return size;
    }

    /** Copies {@code size} entries of {@code src} from {@code from} into this window. */
    public Window load(Block src, int from) {
        copyIn(src, from, 0, size);
        return this;
    }

    /**
     * Copies a {@code [rows, cols]} block of a row-major matrix with leading dimension {@code ld},
     * starting at {@code from}, into this window from entry {@code at}, row after row.
     */
    public Window loadRows(Block src, int from, int ld, int rows, int cols, int at) {
        for (int r = 0; r < rows; r++) {
            copyIn(src, from + r * ld, at + r * cols, cols);
        }
        return this;
    }

    /** Copies this window's entries to {@code dst} from {@code to}. */
    public void store(Block dst, int to) {
        copyOut(0, dst, to, size);
    }

    /** Writes {@code rows} rows of {@code cols} entries from entry {@code at} into a matrix with leading dimension {@code ld}, from {@code to}. */
    public void storeRows(int at, int rows, int cols, Block dst, int to, int ld) {
        for (int r = 0; r < rows; r++) {
            copyOut(at + r * cols, dst, to + r * ld, cols);
        }
    }

    /** Entries {@code [from, from + n)} of a block of this window's type into entries {@code [at, at + n)}: one bulk copy. */
    abstract void copyIn(Block src, int from, int at, int n);

    /** Entries {@code [at, at + n)} into entries {@code [to, to + n)} of a block of this window's type. */
    abstract void copyOut(int at, Block dst, int to, int n);

    /** {@code this = src^T} for {@code src} read as {@code [rows, size / rows]}: entry {@code (r, c)} goes to {@code (c, r)}. */
    public abstract void transpose(Window src, int rows);

    /** Sets every entry to zero. */
    public abstract void zero();

    /** {@code this = a}. */
    public abstract Window set(Window a);

    /** {@code this = a + b}. */
    public abstract Window add(Window a, Window b);

    /** {@code this = a - b}. */
    public abstract Window sub(Window a, Window b);

    /** {@code this = a * b}. */
    public abstract Window mul(Window a, Window b);

    /** {@code this = a * b + c}. */
    public abstract Window mulAdd(Window a, Window b, Window c);

    /** {@code this += bias[r]} on every entry of row {@code r}, this read as {@code [rows, size / rows]} and {@code bias} from entry {@code from}. */
    public abstract Window addRowBias(Window bias, int from, int rows);

    /** {@code this = tanh(a)}. */
    public abstract Window tanh(Window a);

    /** {@code this = sigmoid(a)}. */
    public abstract Window sigmoid(Window a);

    /** {@code this = max(a, 0)}. */
    public abstract Window relu(Window a);

    /** {@code this = g (1 - y^2)}: the gradient through {@code y = tanh(x)}. */
    public abstract Window tanhBackward(Window g, Window y);

    /** {@code this = g y (1 - y)}: the gradient through {@code y = sigmoid(x)}. */
    public abstract Window sigmoidBackward(Window g, Window y);

    /** {@code this = y > 0 ? g : 0}: the gradient through {@code y = max(x, 0)}. */
    public abstract Window reluBackward(Window g, Window y);

    /** {@code sum x^2} over the window, accumulated in double in entry order. */
    public abstract double sumSquares();

    /**
     * {@code y[i] = tanh(x[i])} for {@code i < n} by Eigen's float rational approximation: x clamped
     * to +-7.905 (where tanh rounds to +-1 in float), then {@code x P(x^2) / Q(x^2)}, only multiplies,
     * adds and one divide, so the loop vectorises (given the same index on both sides: with offsets,
     * the JIT cannot rule out that {@code x} and {@code y} overlap and keeps it scalar, 20x slower);
     * within a few ulps of tanh.
     */
    public static void tanh(float[] x, float[] y, int n) {
        for (int i = 0; i < n; i++) {
            float v = Math.max(-TANH_CLAMP, Math.min(TANH_CLAMP, x[i]));
            float v2 = v * v;
            float p = -2.76076847742355e-16f;
            p = p * v2 + 2.00018790482477e-13f;
            p = p * v2 - 8.60467152213735e-11f;
            p = p * v2 + 5.12229709037114e-08f;
            p = p * v2 + 1.48572235717979e-05f;
            p = p * v2 + 6.37261928875436e-04f;
            p = p * v2 + 4.89352455891786e-03f;
            float q = 1.19825839466702e-06f;
            q = q * v2 + 1.18534705686654e-04f;
            q = q * v2 + 2.26843463243900e-03f;
            q = q * v2 + 4.89352518554385e-03f;
            y[i] = v * p / q;
        }
    }

    /** float32 entries. */
    static final class F32 extends Window {
        final float[] v;

        F32(float[] v) {
            this.v = v;
        }

        private static float[] of(Window w) {
            return ((F32) w).v;
        }

        @Override
        public DataType type() {
            return DataType.FLOAT;
        }

        @Override
        int capacity() {
            return v.length;
        }

        @Override
        void copyIn(Block src, int from, int at, int n) {
            ((Block.F32) src).buffer.get(from, v, at, n);
        }

        @Override
        void copyOut(int at, Block dst, int to, int n) {
            ((Block.F32) dst).buffer.put(to, v, at, n);
        }

        /** Eight source rows at a time: eight strided reads, then eight adjacent writes (half the time of square tiles here). */
        @Override
        public void transpose(Window src, int rows) {
            float[] s = of(src);
            int cols = size / rows;
            int r = 0;
            for (; r + STRIP <= rows; r += STRIP) {
                for (int c = 0; c < cols; c++) {
                    int o = c * rows + r;
                    int i = r * cols + c;
                    v[o] = s[i];
                    v[o + 1] = s[i + cols];
                    v[o + 2] = s[i + 2 * cols];
                    v[o + 3] = s[i + 3 * cols];
                    v[o + 4] = s[i + 4 * cols];
                    v[o + 5] = s[i + 5 * cols];
                    v[o + 6] = s[i + 6 * cols];
                    v[o + 7] = s[i + 7 * cols];
                }
            }
            for (; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    v[c * rows + r] = s[r * cols + c];
                }
            }
        }

        @Override
        public void zero() {
            java.util.Arrays.fill(v, 0, size, 0f);
        }

        @Override
        public Window set(Window a) {
            System.arraycopy(of(a), 0, v, 0, size);
            return this;
        }

        @Override
        public Window add(Window a, Window b) {
            float[] x = of(a);
            float[] y = of(b);
            for (int i = 0; i < size; i++) {
                v[i] = x[i] + y[i];
            }
            return this;
        }

        @Override
        public Window sub(Window a, Window b) {
            float[] x = of(a);
            float[] y = of(b);
            for (int i = 0; i < size; i++) {
                v[i] = x[i] - y[i];
            }
            return this;
        }

        @Override
        public Window mul(Window a, Window b) {
            float[] x = of(a);
            float[] y = of(b);
            for (int i = 0; i < size; i++) {
                v[i] = x[i] * y[i];
            }
            return this;
        }

        @Override
        public Window mulAdd(Window a, Window b, Window c) {
            float[] x = of(a);
            float[] y = of(b);
            float[] z = of(c);
            for (int i = 0; i < size; i++) {
                v[i] = x[i] * y[i] + z[i];
            }
            return this;
        }

        @Override
        public Window addRowBias(Window bias, int from, int rows) {
            float[] b = of(bias);
            int cols = size / rows;
            for (int r = 0; r < rows; r++) {
                float add = b[from + r];
                for (int c = r * cols; c < (r + 1) * cols; c++) {
                    v[c] += add;
                }
            }
            return this;
        }

        @Override
        public Window tanh(Window a) {
            tanh(of(a), v, size);
            return this;
        }

        @Override
        public Window sigmoid(Window a) {
            float[] x = of(a);
            for (int i = 0; i < size; i++) {
                v[i] = 0.5f * x[i];
            }
            tanh(v, v, size);
            for (int i = 0; i < size; i++) {
                v[i] = 0.5f * v[i] + 0.5f;
            }
            return this;
        }

        @Override
        public Window relu(Window a) {
            float[] x = of(a);
            for (int i = 0; i < size; i++) {
                v[i] = Math.max(x[i], 0f);
            }
            return this;
        }

        @Override
        public Window tanhBackward(Window g, Window y) {
            float[] d = of(g);
            float[] t = of(y);
            for (int i = 0; i < size; i++) {
                v[i] = d[i] * (1f - t[i] * t[i]);
            }
            return this;
        }

        @Override
        public Window sigmoidBackward(Window g, Window y) {
            float[] d = of(g);
            float[] s = of(y);
            for (int i = 0; i < size; i++) {
                v[i] = d[i] * s[i] * (1f - s[i]);
            }
            return this;
        }

        @Override
        public Window reluBackward(Window g, Window y) {
            float[] d = of(g);
            float[] s = of(y);
            for (int i = 0; i < size; i++) {
                v[i] = s[i] > 0 ? d[i] : 0f;
            }
            return this;
        }

        @Override
        public double sumSquares() {
            double sq = 0;
            for (int i = 0; i < size; i++) {
                sq += (double) v[i] * v[i];
            }
            return sq;
        }
    }

    /** float64 entries. */
    static final class F64 extends Window {
        final double[] v;

        F64(double[] v) {
            this.v = v;
        }

        private static double[] of(Window w) {
            return ((F64) w).v;
        }

        @Override
        public DataType type() {
            return DataType.DOUBLE;
        }

        @Override
        int capacity() {
            return v.length;
        }

        @Override
        void copyIn(Block src, int from, int at, int n) {
            ((Block.F64) src).buffer.get(from, v, at, n);
        }

        @Override
        void copyOut(int at, Block dst, int to, int n) {
            ((Block.F64) dst).buffer.put(to, v, at, n);
        }

        @Override
        public void transpose(Window src, int rows) {
            double[] s = of(src);
            int cols = size / rows;
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    v[c * rows + r] = s[r * cols + c];
                }
            }
        }

        @Override
        public void zero() {
            java.util.Arrays.fill(v, 0, size, 0);
        }

        @Override
        public Window set(Window a) {
            System.arraycopy(of(a), 0, v, 0, size);
            return this;
        }

        /** {@code this[i] = f(a[i], b[i])}: float64 is the reference path (gradient checks, golden traces), written for clarity over speed. */
        private Window map(Window a, Window b, java.util.function.DoubleBinaryOperator f) {
            double[] x = of(a);
            double[] y = of(b);
            for (int i = 0; i < size; i++) {
                v[i] = f.applyAsDouble(x[i], y[i]);
            }
            return this;
        }

        @Override
        public Window add(Window a, Window b) {
            return map(a, b, Double::sum);
        }

        @Override
        public Window sub(Window a, Window b) {
            return map(a, b, (x, y) -> x - y);
        }

        @Override
        public Window mul(Window a, Window b) {
            return map(a, b, (x, y) -> x * y);
        }

        @Override
        public Window mulAdd(Window a, Window b, Window c) {
            double[] z = of(c);
            for (int i = 0; i < size; i++) {
                v[i] = of(a)[i] * of(b)[i] + z[i];
            }
            return this;
        }

        @Override
        public Window addRowBias(Window bias, int from, int rows) {
            int cols = size / rows;
            for (int i = 0; i < size; i++) {
                v[i] += of(bias)[from + i / cols];
            }
            return this;
        }

        @Override
        public Window tanh(Window a) {
            return map(a, a, (x, y) -> Math.tanh(x));
        }

        @Override
        public Window sigmoid(Window a) {
            return map(a, a, (x, y) -> 1 / (1 + Math.exp(-x)));
        }

        @Override
        public Window relu(Window a) {
            return map(a, a, (x, y) -> Math.max(x, 0));
        }

        @Override
        public Window tanhBackward(Window g, Window y) {
            return map(g, y, (d, t) -> d * (1 - t * t));
        }

        @Override
        public Window sigmoidBackward(Window g, Window y) {
            return map(g, y, (d, s) -> d * s * (1 - s));
        }

        @Override
        public Window reluBackward(Window g, Window y) {
            return map(g, y, (d, s) -> s > 0 ? d : 0);
        }

        @Override
        public double sumSquares() {
            double sq = 0;
            for (int i = 0; i < size; i++) {
                sq += v[i] * v[i];
            }
            return sq;
        }
    }
}
