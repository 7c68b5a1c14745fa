package org.gradlab.host;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A flat float32 or float64 block of native memory that OpenBLAS multiplies in place and Java
 * kernels read and write through {@link Window}s, with no ND4J op in between (an ND4J op costs
 * about 6 us; the recurrent layers run hundreds of small steps per batch). Either a view of a
 * whole, row-major INDArray (parameters, gradients, layer outputs) or memory of its own that a
 * layer keeps between steps, outside any ND4J workspace.
 */
public abstract sealed class Block permits Block.F32, Block.F64 {

    /** The array this block views, or null for memory of its own. */
    private INDArray source;

    /** A view of {@code a}'s memory; {@code a} must be a whole, row-major float32 or float64 array. */
    public static Block of(INDArray a, String who) {
        FloatBuffer f = HostArrays.floatView(a);
        DoubleBuffer d = f == null ? HostArrays.doubleView(a) : null;
        if (f == null && d == null) {
            throw new IllegalArgumentException(who + ": needs a whole row-major FLOAT or DOUBLE array, got "
                    + a.dataType() + (a.isView() ? " view" : "") + " in order " + a.ordering());
        }
        Block b = f != null ? new F32(f, new FloatPointer(f)) : new F64(d, new DoublePointer(d));
        b.source = a;
        return b;
    }

    /**
     * {@code old} when it views {@code a} already, else {@link #of}: a layer's parameters and
     * gradients keep their arrays from step to step, and a new view costs two JNI calls and a
     * pointer the garbage collector must track (a few percent of a small recurrent step).
     */
    public static Block of(INDArray a, String who, Block old) {
        return old != null && old.source == a ? old : of(a, who);
    }

    /**
     * A view of {@code a}'s memory when its buffer holds exactly its elements in row-major order
     * (a reshape of a whole array, such as {@code Sequences}' view of a batch, is read in place),
     * else of a row-major copy.
     */
    public static Block read(INDArray a, String who) {
        return of(HostArrays.isWhole(a, a.dataType()) ? a : a.dup('c'), who);
    }

    /**
     * {@code old} when it has the type and at least {@code size} elements, else a new block of its
     * own. New memory is not zeroed (callers write a block before they read it): the evaluation's
     * batches of 1,000 need a recurrent layer's tapes at tens of megabytes, and a zeroing pass over
     * them cost a few percent of a run.
     */
    public static Block reuse(Block old, DataType type, long size) {
        int n = Math.max(1, Math.toIntExact(size));
        if (old != null && old.type() == type && old.capacity() >= n) {
            return old;
        }
        if (type == DataType.DOUBLE) {
            DoublePointer memory = new DoublePointer(n);
            return new F64(memory.asBuffer(), memory);
        }
        FloatPointer memory = new FloatPointer(n);
        return new F32(memory.asBuffer(), memory);
    }

    public abstract DataType type();

    public abstract int capacity();

    /** Sets {@code n} elements from {@code from} to zero. */
    public abstract void zero(int from, int n);

    /** Sets {@code n} elements from {@code from} to {@code value} (rounded to the block's precision). */
    public abstract void fill(int from, int n, double value);

    /** Copies {@code n} elements of {@code src} (of this block's type) from {@code srcFrom} to this block from {@code from}. */
    public abstract void copy(int from, Block src, int srcFrom, int n);

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

    /** float32 memory. */
    public static final class F32 extends Block {
        private static final float[] ZEROS = new float[4096];
        final FloatBuffer buffer;
        private final FloatPointer base;

        /** {@code base} points at {@code buffer}'s first element (and owns the memory, for a block of its own). */
        F32(FloatBuffer buffer, FloatPointer base) {
            this.buffer = buffer;
            this.base = base;
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

        @Override
        public void zero(int from, int n) {
            for (int i = from; i < from + n; i += ZEROS.length) {
                buffer.put(i, ZEROS, 0, Math.min(ZEROS.length, from + n - i));
            }
        }

        @Override
        public void fill(int from, int n, double value) {
            for (int i = from; i < from + n; i++) {
                buffer.put(i, (float) value);
            }
        }

        @Override
        public void copy(int from, Block src, int srcFrom, int n) {
            buffer.put(from, ((F32) src).buffer, srcFrom, n);
        }
    }

    /** float64 memory. */
    public static final class F64 extends Block {
        private static final double[] ZEROS = new double[4096];
        final DoubleBuffer buffer;
        private final DoublePointer base;

        F64(DoubleBuffer buffer, DoublePointer base) {
            this.buffer = buffer;
            this.base = base;
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
        public void zero(int from, int n) {
            for (int i = from; i < from + n; i += ZEROS.length) {
                buffer.put(i, ZEROS, 0, Math.min(ZEROS.length, from + n - i));
            }
        }

        @Override
        public void fill(int from, int n, double value) {
            for (int i = from; i < from + n; i++) {
                buffer.put(i, value);
            }
        }

        @Override
        public void copy(int from, Block src, int srcFrom, int n) {
            buffer.put(from, ((F64) src).buffer, srcFrom, n);
        }
    }
}
