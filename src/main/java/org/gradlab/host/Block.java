package org.gradlab.host;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A flat float32 or float64 block of native memory that OpenBLAS multiplies in place and Java
 * loops read and write in windows, with no ND4J op in between (an ND4J op costs about 6 us; the
 * recurrent layers run hundreds of small steps per batch). Either a view of a whole, row-major
 * INDArray (parameters, gradients, layer outputs) or memory of its own that a layer keeps
 * between steps, outside any ND4J workspace.
 *
 * <p>Element-wise work happens on {@code double[]} windows ({@link #read}, {@link #write}) in
 * plain loops the JIT vectorises. The activations follow the block's precision: float64 uses
 * {@link Math#tanh} and {@code 1 / (1 + e^-x)}; float32 uses Eigen's rational approximation of
 * tanh (at most 4e-7 from the exact value, a few float ulps), which vectorises and runs about 7x
 * faster than {@link Math#exp}, with {@code sigmoid(x) = (1 + tanh(x / 2)) / 2}.
 */
public abstract sealed class Block permits Block.F32, Block.F64 {

    /** A view of {@code a}'s memory; {@code a} must be a whole, row-major float32 or float64 array. */
    public static Block of(INDArray a, String who) {
        FloatBuffer f = HostArrays.floatView(a);
        if (f != null) {
            return new F32(f);
        }
        DoubleBuffer d = HostArrays.doubleView(a);
        if (d != null) {
            return new F64(d);
        }
        throw new IllegalArgumentException(who + ": needs a whole row-major FLOAT or DOUBLE array, got "
                + a.dataType() + (a.isView() ? " view" : "") + " in order " + a.ordering());
    }

    /**
     * A view of {@code a}'s memory when its buffer holds exactly its elements in row-major order
     * (a reshape of a whole array, such as {@code Sequences}' view of a batch, is read in place),
     * else of a row-major copy.
     */
    public static Block read(INDArray a, String who) {
        return of(HostArrays.isWhole(a, a.dataType()) ? a : a.dup('c'), who);
    }

    /** {@code old} when it has the type and at least {@code size} elements, else a new block of its own. */
    public static Block reuse(Block old, DataType type, long size) {
        int n = Math.toIntExact(size);
        if (old != null && old.type() == type && old.capacity() >= n) {
            return old;
        }
        ByteBuffer bytes = ByteBuffer.allocateDirect(Math.max(1, n) * (type == DataType.DOUBLE ? 8 : 4))
                .order(ByteOrder.nativeOrder());
        return type == DataType.DOUBLE ? new F64(bytes.asDoubleBuffer()) : new F32(bytes.asFloatBuffer());
    }

    /** {@code a} when it holds at least {@code n} values, else a new array. */
    public static double[] window(double[] a, int n) {
        return a != null && a.length >= n ? a : new double[n];
    }

    public abstract DataType type();

    public abstract int capacity();

    /** Copies elements {@code [from, from + n)} into {@code dst[0, n)}; returns {@code dst}. */
    public abstract double[] read(int from, double[] dst, int n);

    /** Copies {@code src[0, n)} to elements {@code [from, from + n)}. */
    public abstract void write(int from, double[] src, int n);

    /** Sets {@code n} elements from {@code from} to zero. */
    public abstract void zero(int from, int n);

    /** Copies {@code n} elements of {@code src} (of this block's type) from {@code srcFrom} to this block from {@code from}. */
    public abstract void copy(int from, Block src, int srcFrom, int n);

    /** tanh of {@code a[from, from + n)} in place, in this block's precision. */
    public abstract void tanh(double[] a, int from, int n);

    /** The logistic sigmoid {@code 1 / (1 + e^-x)} of {@code a[from, from + n)} in place, in this block's precision. */
    public abstract void sigmoid(double[] a, int from, int n);

    /** A row-major {@code [rows, cols]} matrix at element {@code offset} with leading dimension {@code ld}. */
    public record Mat(Block block, int offset, int ld) {
    }

    public Mat at(int offset, int ld) {
        return new Mat(this, offset, ld);
    }

    /** A pointer at element {@code offset} of this block ({@link FloatPointer} or {@link DoublePointer}). */
    public abstract Pointer pointer(int offset);

    /**
     * {@code C = alpha op(A) op(B) + beta C} for row-major matrices, {@code op(A)} {@code [m, k]},
     * {@code op(B)} {@code [k, n]}, on the blocks' memory ({@link Blas#gemm(boolean, boolean, int, int, int,
     * double, Pointer, int, Pointer, int, double, Pointer, int)}).
     */
    public static void gemm(boolean transA, boolean transB, int m, int n, int k, double alpha, Mat a, Mat b, double beta, Mat c) {
        Blas.gemm(transA, transB, m, n, k, alpha, a.block.pointer(a.offset), a.ld, b.block.pointer(b.offset), b.ld, beta,
                c.block.pointer(c.offset), c.ld);
    }

    /** {@code y = A^T x} for a row-major {@code A [rows, cols]}: the column sums when x is all ones. */
    public static void gemvTransposed(int rows, int cols, Mat a, Block x, Block y) {
        Blas.gemvTransposed(rows, cols, a.block.pointer(a.offset), a.ld, x.pointer(0), y.pointer(0));
    }

    /** float32 memory. */
    public static final class F32 extends Block {
        private static final float TANH_CLAMP = 7.90531110763549805f;
        private static final float[] ZEROS = new float[4096];
        private final FloatBuffer buffer;
        private final FloatPointer base;
        private float[] staging = new float[0];

        F32(FloatBuffer buffer) {
            this.buffer = buffer;
            this.base = new FloatPointer(buffer);
        }

        /** A fresh pointer at {@code offset} (a pointer carries its position, so each operand needs its own). */
        @Override
        public FloatPointer pointer(int offset) {
            return new FloatPointer(base).position(offset);
        }

        @Override
        public DataType type() {
            return DataType.FLOAT;
        }

        @Override
        public int capacity() {
            return buffer.capacity();
        }

        private float[] staging(int n) {
            if (staging.length < n) {
                staging = new float[n];
            }
            return staging;
        }

        @Override
        public double[] read(int from, double[] dst, int n) {
            float[] s = staging(n);
            buffer.get(from, s, 0, n);
            for (int i = 0; i < n; i++) {
                dst[i] = s[i];
            }
            return dst;
        }

        @Override
        public void write(int from, double[] src, int n) {
            float[] s = staging(n);
            for (int i = 0; i < n; i++) {
                s[i] = (float) src[i];
            }
            buffer.put(from, s, 0, n);
        }

        @Override
        public void zero(int from, int n) {
            for (int i = from; i < from + n; i += ZEROS.length) {
                buffer.put(i, ZEROS, 0, Math.min(ZEROS.length, from + n - i));
            }
        }

        @Override
        public void copy(int from, Block src, int srcFrom, int n) {
            buffer.put(from, ((F32) src).buffer, srcFrom, n);
        }

        @Override
        public void tanh(double[] a, int from, int n) {
            for (int i = from; i < from + n; i++) {
                a[i] = rationalTanh(a[i]);
            }
        }

        @Override
        public void sigmoid(double[] a, int from, int n) {
            for (int i = from; i < from + n; i++) {
                a[i] = 0.5 * rationalTanh(0.5 * a[i]) + 0.5;
            }
        }

        /** tanh(x) = x P(x^2) / Q(x^2) on [-7.905, 7.905], +-1 to float precision outside (Eigen's ptanh_float). */
        private static double rationalTanh(double v) {
            double x = Math.max(-TANH_CLAMP, Math.min(TANH_CLAMP, v));
            double x2 = x * x;
            double p = x2 * -2.76076847742355e-16 + 2.00018790482477e-13;
            p = x2 * p + -8.60467152213735e-11;
            p = x2 * p + 5.12229709037114e-08;
            p = x2 * p + 1.48572235717979e-05;
            p = x2 * p + 6.37261928875436e-04;
            p = x2 * p + 4.89352455891786e-03;
            double q = x2 * 1.19825839466702e-06 + 1.18534705686654e-04;
            q = x2 * q + 2.26843463243900e-03;
            q = x2 * q + 4.89352518554385e-03;
            return x * p / q;
        }
    }

    /** float64 memory. */
    public static final class F64 extends Block {
        private static final double[] ZEROS = new double[4096];
        private final DoubleBuffer buffer;
        private final DoublePointer base;

        F64(DoubleBuffer buffer) {
            this.buffer = buffer;
            this.base = new DoublePointer(buffer);
        }

        @Override
        public DoublePointer pointer(int offset) {
            return new DoublePointer(base).position(offset);
        }

        @Override
        public DataType type() {
            return DataType.DOUBLE;
        }

        @Override
        public int capacity() {
            return buffer.capacity();
        }

        @Override
        public double[] read(int from, double[] dst, int n) {
            buffer.get(from, dst, 0, n);
            return dst;
        }

        @Override
        public void write(int from, double[] src, int n) {
            buffer.put(from, src, 0, n);
        }

        @Override
        public void zero(int from, int n) {
            for (int i = from; i < from + n; i += ZEROS.length) {
                buffer.put(i, ZEROS, 0, Math.min(ZEROS.length, from + n - i));
            }
        }

        @Override
        public void copy(int from, Block src, int srcFrom, int n) {
            buffer.put(from, ((F64) src).buffer, srcFrom, n);
        }

        @Override
        public void tanh(double[] a, int from, int n) {
            for (int i = from; i < from + n; i++) {
                a[i] = Math.tanh(a[i]);
            }
        }

        @Override
        public void sigmoid(double[] a, int from, int n) {
            for (int i = from; i < from + n; i++) {
                a[i] = 1 / (1 + Math.exp(-a[i]));
            }
        }
    }
}
