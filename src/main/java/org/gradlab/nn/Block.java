package org.gradlab.nn;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A flat float32 or float64 block of native memory that Java loops read and write element by
 * element and OpenBLAS multiplies in place, with no ND4J op in between (an ND4J op costs about
 * 6 us; the recurrent layers run hundreds of small steps per batch). Either a view of a whole,
 * row-major INDArray (parameters, gradients, layer outputs) or memory of its own that a layer
 * keeps between steps, outside any ND4J workspace.
 *
 * <p>Arithmetic is done in double; {@link F32} stores it rounded to float. {@link #tanh} is
 * {@link Math#tanh} in float64 and the faster {@code 1 - 2 / (e^{2x} + 1)} in float32, which is
 * exact to float precision.
 */
abstract sealed class Block permits Block.F32, Block.F64 {
    private static final int ROW_MAJOR = openblas_nolapack.CblasRowMajor;
    private static final int NO_TRANS = openblas_nolapack.CblasNoTrans;
    private static final int TRANS = openblas_nolapack.CblasTrans;

    /** A view of {@code a}'s memory; {@code a} must be a whole, row-major float32 or float64 array. */
    static Block of(INDArray a, String who) {
        FloatBuffer f = HostArrays.floatView(a);
        if (f != null) {
            return new F32(f);
        }
        java.nio.DoubleBuffer d = HostArrays.doubleView(a);
        if (d != null) {
            return new F64(d);
        }
        throw new IllegalArgumentException(who + ": needs a whole row-major FLOAT or DOUBLE array, got "
                + a.dataType() + (a.isView() ? " view" : "") + " in order " + a.ordering());
    }

    /** A view of {@code a}'s memory, or of a row-major copy when {@code a} is a view or column-major. */
    static Block read(INDArray a, String who) {
        return of(a.isView() || a.ordering() != 'c' ? a.dup('c') : a, who);
    }

    /** {@code old} when it has the type and at least {@code size} elements, else a new block of its own. */
    static Block reuse(Block old, DataType type, long size) {
        int n = Math.toIntExact(size);
        if (old != null && old.type() == type && old.capacity() >= n) {
            return old;
        }
        ByteBuffer bytes = ByteBuffer.allocateDirect(Math.max(1, n) * (type == DataType.DOUBLE ? 8 : 4))
                .order(ByteOrder.nativeOrder());
        return type == DataType.DOUBLE ? new F64(bytes.asDoubleBuffer()) : new F32(bytes.asFloatBuffer());
    }

    abstract DataType type();

    abstract int capacity();

    abstract double get(int i);

    abstract void set(int i, double v);

    final void add(int i, double v) {
        set(i, get(i) + v);
    }

    /** Sets {@code n} elements from {@code from} to {@code v}. */
    final void fill(int from, int n, double v) {
        for (int i = from; i < from + n; i++) {
            set(i, v);
        }
    }

    /** Copies {@code n} elements of {@code src} from {@code srcFrom} to this block from {@code from}. */
    final void copy(int from, Block src, int srcFrom, int n) {
        for (int i = 0; i < n; i++) {
            set(from + i, src.get(srcFrom + i));
        }
    }

    abstract double tanh(double x);

    static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    /** A row-major {@code [rows, cols]} matrix at element {@code offset} with leading dimension {@code ld}. */
    record Mat(Block block, int offset, int ld) {
    }

    Mat at(int offset, int ld) {
        return new Mat(this, offset, ld);
    }

    /**
     * {@code C = alpha op(A) op(B) + beta C} for row-major matrices, {@code op(A)} {@code [m, k]},
     * {@code op(B)} {@code [k, n]}; cblas {@code ?gemm} on the blocks' memory.
     */
    static void gemm(boolean transA, boolean transB, int m, int n, int k, double alpha, Mat a, Mat b, double beta, Mat c) {
        if (m == 0 || n == 0) {
            return;
        }
        int ta = transA ? TRANS : NO_TRANS;
        int tb = transB ? TRANS : NO_TRANS;
        if (c.block instanceof F32 fc && a.block instanceof F32 fa && b.block instanceof F32 fb) {
            openblas_nolapack.cblas_sgemm(ROW_MAJOR, ta, tb, m, n, k, (float) alpha, fa.pointer(a.offset), a.ld,
                    fb.pointer(b.offset), b.ld, (float) beta, fc.pointer(c.offset), c.ld);
        } else if (c.block instanceof F64 dc && a.block instanceof F64 da && b.block instanceof F64 db) {
            openblas_nolapack.cblas_dgemm(ROW_MAJOR, ta, tb, m, n, k, alpha, da.pointer(a.offset), a.ld,
                    db.pointer(b.offset), b.ld, beta, dc.pointer(c.offset), c.ld);
        } else {
            throw new IllegalArgumentException("gemm: operands must share one type, got " + a.block.type() + ", "
                    + b.block.type() + ", " + c.block.type());
        }
    }

    /** float32 memory. */
    static final class F32 extends Block {
        private final FloatBuffer buffer;
        private final FloatPointer base;

        F32(FloatBuffer buffer) {
            this.buffer = buffer;
            this.base = new FloatPointer(buffer);
        }

        /** A fresh pointer at {@code offset} (a pointer carries its position, so each operand needs its own). */
        FloatPointer pointer(int offset) {
            return new FloatPointer(base).position(offset);
        }

        @Override
        DataType type() {
            return DataType.FLOAT;
        }

        @Override
        int capacity() {
            return buffer.capacity();
        }

        @Override
        double get(int i) {
            return buffer.get(i);
        }

        @Override
        void set(int i, double v) {
            buffer.put(i, (float) v);
        }

        @Override
        double tanh(double x) {
            return 1 - 2 / (Math.exp(2 * x) + 1);
        }
    }

    /** float64 memory. */
    static final class F64 extends Block {
        private final DoubleBuffer buffer;
        private final DoublePointer base;

        F64(DoubleBuffer buffer) {
            this.buffer = buffer;
            this.base = new DoublePointer(buffer);
        }

        DoublePointer pointer(int offset) {
            return new DoublePointer(base).position(offset);
        }

        @Override
        DataType type() {
            return DataType.DOUBLE;
        }

        @Override
        int capacity() {
            return buffer.capacity();
        }

        @Override
        double get(int i) {
            return buffer.get(i);
        }

        @Override
        void set(int i, double v) {
            buffer.put(i, v);
        }

        @Override
        double tanh(double x) {
            return Math.tanh(x);
        }
    }
}
