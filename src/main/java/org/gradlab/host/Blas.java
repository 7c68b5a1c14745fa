package org.gradlab.host;

import java.util.Arrays;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The training step's kernels: OpenBLAS called directly on ND4J arrays' memory, and the staging
 * that lets element-wise work run as plain Java loops over {@code float[]} (which the JIT
 * vectorises; loops over the arrays' native memory it does not).
 *
 * <p>An ND4J op costs about 6 us of setup; a JNI call into OpenBLAS well under 1 us. At the
 * article's sizes (batch 32, 64 units) a step is dozens of small ops, so calling {@code sgemm}
 * and {@code dgemm} here, with the operands' layouts chosen so nothing is copied or transposed,
 * is what makes a step cheap. Arrays must be float32 or float64 and contiguous row-major
 * ({@link #contiguous} makes them so); {@code c} is written in place.
 *
 * <pre>{@code
 * // y[b, out] = x[b, in] W[out, in]^T + y   (beta 1 keeps the bias rows already in y)
 * Blas.gemm(x, false, weight, true, 1.0, 1.0, y);
 * }</pre>
 *
 * Recurrent layers and other new layers can use the same calls on their own preallocated
 * buffers ({@link #reuse}), or the pointer-level {@code gemm} on
 * sub-matrices of native memory they keep themselves (the recurrent layers' {@code Block}s).
 */
public final class Blas {
    private static final int ROW_MAJOR = openblas_nolapack.CblasRowMajor;
    private static final int NO_TRANS = openblas_nolapack.CblasNoTrans;
    private static final int TRANS = openblas_nolapack.CblasTrans;

    /** Per-thread staging arrays, grown on demand and reused, so a steady-state step allocates none. */
    private static final ThreadLocal<float[][]> STAGING = ThreadLocal.withInitial(() -> new float[8][]);

    private Blas() {
    }

    /**
     * {@code c = alpha * op(a) op(b) + beta * c} for matrices ({@code op} transposes when asked),
     * with the sizes taken from the shapes. Throws {@link IllegalArgumentException} naming the
     * mismatch when the shapes do not fit.
     */
    public static void gemm(INDArray a, boolean transA, INDArray b, boolean transB, double alpha, double beta, INDArray c) {
        if (a.rank() != 2 || b.rank() != 2 || c.rank() != 2) {
            throw new IllegalArgumentException("gemm: operands must be matrices, got " + Arrays.toString(a.shape())
                    + ", " + Arrays.toString(b.shape()) + ", " + Arrays.toString(c.shape()));
        }
        long m = transA ? a.columns() : a.rows();
        long k = transA ? a.rows() : a.columns();
        long kb = transB ? b.columns() : b.rows();
        long n = transB ? b.rows() : b.columns();
        if (k != kb || c.rows() != m || c.columns() != n) {
            throw new IllegalArgumentException("gemm: cannot multiply " + Arrays.toString(a.shape()) + (transA ? "^T" : "")
                    + " by " + Arrays.toString(b.shape()) + (transB ? "^T" : "") + " into " + Arrays.toString(c.shape()));
        }
        gemm(Math.toIntExact(m), Math.toIntExact(n), Math.toIntExact(k), a, transA, b, transB, alpha, beta, c);
    }

    /**
     * {@code c[m, n] = alpha * op(a)[m, k] op(b)[k, n] + beta * c} over the arrays' memory read as
     * row-major matrices of those sizes, whatever their rank: e.g. a bias vector {@code [n]} is a
     * {@code [1, n]} matrix. Each array must hold at least as many elements as its matrix needs.
     */
    public static void gemm(int m, int n, int k, INDArray a, boolean transA, INDArray b, boolean transB,
            double alpha, double beta, INDArray c) {
        DataType type = c.dataType();
        requireDense(a, (long) m * k, type, "gemm A");
        requireDense(b, (long) k * n, type, "gemm B");
        requireDense(c, (long) m * n, type, "gemm C");
        if (type == DataType.FLOAT) {
            gemm(transA, transB, m, n, k, alpha, floats(a), transA ? m : k, floats(b), transB ? k : n, beta, floats(c), n);
        } else {
            gemm(transA, transB, m, n, k, alpha, doubles(a), transA ? m : k, doubles(b), transB ? k : n, beta, doubles(c), n);
        }
    }

    /**
     * {@code C = alpha op(A) op(B) + beta C} on raw row-major memory: {@code op(A)} {@code [m, k]},
     * {@code op(B)} {@code [k, n]}, each matrix at its pointer's position with leading dimension
     * {@code ld*}; all three {@link FloatPointer}s ({@code sgemm}) or all {@link DoublePointer}s
     * ({@code dgemm}). For layers that keep their own buffers and multiply sub-matrices of them
     * (the recurrent layers' per-step products).
     */
    static void gemm(boolean transA, boolean transB, int m, int n, int k, double alpha, Pointer a, int lda,
            Pointer b, int ldb, double beta, Pointer c, int ldc) {
        if (m == 0 || n == 0) {
            return;
        }
        int ta = transA ? TRANS : NO_TRANS;
        int tb = transB ? TRANS : NO_TRANS;
        if (a instanceof FloatPointer fa && b instanceof FloatPointer fb && c instanceof FloatPointer fc) {
            openblas_nolapack.cblas_sgemm(ROW_MAJOR, ta, tb, m, n, k, (float) alpha, fa, lda, fb, ldb, (float) beta, fc, ldc);
        } else if (a instanceof DoublePointer da && b instanceof DoublePointer db && c instanceof DoublePointer dc) {
            openblas_nolapack.cblas_dgemm(ROW_MAJOR, ta, tb, m, n, k, alpha, da, lda, db, ldb, beta, dc, ldc);
        } else {
            throw new IllegalArgumentException("gemm: operands must share one type, got " + kind(a) + ", " + kind(b) + ", " + kind(c));
        }
    }

    private static String kind(Pointer p) {
        return p instanceof FloatPointer ? "FLOAT" : p instanceof DoublePointer ? "DOUBLE" : String.valueOf(p);
    }

    /** {@code y = x}, element by element (BLAS copy); same length and type. */
    public static void copy(INDArray x, INDArray y) {
        int n = Math.toIntExact(y.length());
        requireDense(x, n, y.dataType(), "copy x");
        requireDense(y, n, y.dataType(), "copy y");
        if (y.dataType() == DataType.FLOAT) {
            openblas_nolapack.cblas_scopy(n, floats(x), 1, floats(y), 1);
        } else {
            openblas_nolapack.cblas_dcopy(n, doubles(x), 1, doubles(y), 1);
        }
    }

    /**
     * {@code x + alpha y} into {@code out} (reused when it has the shape and type, see {@link #reuse}),
     * two BLAS calls and no ND4J op; returns the array written.
     */
    public static INDArray plus(INDArray x, double alpha, INDArray y, INDArray out) {
        INDArray result = reuse(out, x.dataType(), x.shape());
        copy(contiguous(x), result);
        axpy(alpha, contiguous(y), result);
        return result;
    }

    /** {@code y += alpha * x}, element by element (BLAS axpy); same length and type. */
    public static void axpy(double alpha, INDArray x, INDArray y) {
        int n = Math.toIntExact(y.length());
        requireDense(x, n, y.dataType(), "axpy x");
        requireDense(y, n, y.dataType(), "axpy y");
        if (y.dataType() == DataType.FLOAT) {
            openblas_nolapack.cblas_saxpy(n, (float) alpha, floats(x), 1, floats(y), 1);
        } else {
            openblas_nolapack.cblas_daxpy(n, alpha, doubles(x), 1, doubles(y), 1);
        }
    }

    /**
     * {@code x *= alpha} in place (BLAS scal). Only for a finite, non-zero {@code alpha}: OpenBLAS
     * writes zeros for {@code alpha = 0} even where {@code x} is infinite or NaN.
     */
    public static void scal(double alpha, INDArray x) {
        if (alpha == 0 || !Double.isFinite(alpha)) {
            throw new IllegalArgumentException("scal: alpha must be finite and non-zero, got " + alpha);
        }
        int n = Math.toIntExact(x.length());
        requireDense(x, n, x.dataType(), "scal x");
        if (x.dataType() == DataType.FLOAT) {
            openblas_nolapack.cblas_sscal(n, (float) alpha, floats(x), 1);
        } else {
            openblas_nolapack.cblas_dscal(n, alpha, doubles(x), 1);
        }
    }

    /** {@code a} itself when its memory is one contiguous row-major block, else a row-major copy. */
    public static INDArray contiguous(INDArray a) {
        return isDense(a) ? a : a.dup('c');
    }

    /**
     * {@code current} when it already has {@code type} and {@code shape}, else a new zero-filled
     * array allocated outside any workspace (it outlives the step). Layers keep their per-step
     * buffers with this, so a steady-state step allocates nothing.
     */
    public static INDArray reuse(INDArray current, DataType type, long... shape) {
        if (current != null && current.dataType() == type && Arrays.equals(current.shape(), shape)) {
            return current;
        }
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            return Nd4j.create(type, shape);
        }
    }

    /**
     * Thread-local staging array number {@code slot} (0 to 7) with at least {@code n} elements;
     * its contents are whatever the last user left. Two live arrays need two slots.
     */
    public static float[] staging(int slot, int n) {
        float[][] s = STAGING.get();
        if (s[slot] == null || s[slot].length < n) {
            s[slot] = new float[n];
        }
        return s[slot];
    }

    /** Copies a float32 array's values (row-major) into {@code into[0..length)}; returns {@code into}. */
    public static float[] read(INDArray a, float[] into) {
        return read(a, 0, into, Math.toIntExact(a.length()));
    }

    /** {@link #read} into staging slot {@code slot}. */
    public static float[] stage(INDArray a, int slot) {
        return read(a, staging(slot, Math.toIntExact(a.length())));
    }

    /** Copies {@code from[0..length)} into a float32 array (row-major). */
    public static void write(float[] from, INDArray a) {
        write(from, Math.toIntExact(a.length()), a, 0);
    }

    /** Copies {@code from[0..count)} into a float32 array's elements {@code [at, at + count)} (row-major). */
    public static void write(float[] from, int count, INDArray a, long at) {
        requireDense(a, at + count, DataType.FLOAT, "write");
        floats(a).position(at).put(from, 0, count);
    }

    /** Copies a float32 array's elements {@code [at, at + count)} (row-major) into {@code into[0..count)}. */
    public static float[] read(INDArray a, long at, float[] into, int count) {
        requireDense(a, at + count, DataType.FLOAT, "read");
        floats(a).position(at).get(into, 0, count);
        return into;
    }

    /** Whether {@code a} is float32 and dense, the arrays the {@code float[]} kernels handle. */
    public static boolean isFloat(INDArray a) {
        return a.dataType() == DataType.FLOAT && isDense(a);
    }

    /**
     * Whether {@code a} is one contiguous row-major block starting at its buffer's start (views at
     * an offset are not: {@link #contiguous} copies them).
     */
    public static boolean isDense(INDArray a) {
        if (a.offset() != 0 || (a.ordering() != 'c' && a.rank() > 1 && a.length() > 1)) {
            return false;
        }
        long[] shape = a.shape();
        long[] stride = a.stride();
        long expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && stride[i] != expected) {
                return false;
            }
            expected *= shape[i];
        }
        return true;
    }

    private static void requireDense(INDArray a, long elements, DataType type, String who) {
        if (a.dataType() != type || (type != DataType.FLOAT && type != DataType.DOUBLE)) {
            throw new IllegalArgumentException(who + ": expected a FLOAT or DOUBLE array matching the output's "
                    + type + ", got " + a.dataType());
        }
        if (!isDense(a) || a.length() < elements) {
            throw new IllegalArgumentException(who + ": expected a contiguous row-major array of at least " + elements
                    + " elements, got " + Arrays.toString(a.shape()) + " order " + a.ordering()
                    + " strides " + Arrays.toString(a.stride()));
        }
    }

    private static FloatPointer floats(INDArray a) {
        return Address.floats(a);
    }

    private static DoublePointer doubles(INDArray a) {
        return Address.doubles(a);
    }
}
