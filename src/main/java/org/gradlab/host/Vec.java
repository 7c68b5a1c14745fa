package org.gradlab.host;

import java.nio.FloatBuffer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A float32 or float64 vector in native memory (an array's own buffer, or memory of the
 * diagnostics' own), read with OpenBLAS's level-1 calls (one vectorised JNI call per pass) where
 * their precision will do, and otherwise with Java loops over staged {@code float[]} slices (the
 * JIT does not compile loops over a {@code FloatBuffer} as well). Exactly one of {@code f} and
 * {@code d} is set; {@code n}-element operations start at its position.
 */
public record Vec(FloatPointer f, DoublePointer d) {

    /** Entries staged per Java pass of {@link #sumAbs}: 32 KB, in the core's first-level cache. */
    private static final int STAGE = 8192;
    private static final ThreadLocal<float[]> STAGING = ThreadLocal.withInitial(() -> new float[STAGE]);

    /** The memory of {@code a} when it is a whole row-major buffer; else a float64 copy. */
    public static Vec of(INDArray a) {
        if (HostArrays.isWhole(a, DataType.FLOAT)) {
            return new Vec(Address.floats(a), null);
        }
        return new Vec(null, HostArrays.isWhole(a, DataType.DOUBLE) ? Address.doubles(a)
                : new DoublePointer(HostArrays.toDoubles(a)));
    }

    /** New native memory for {@code n} entries of {@code type}'s precision (float32 or float64). */
    public static Vec allocate(DataType type, long n) {
        return type == DataType.FLOAT ? new Vec(new FloatPointer(n), null) : new Vec(null, new DoublePointer(n));
    }

    /** The same memory from entry {@code offset} on. */
    public Vec at(long offset) {
        return f != null ? new Vec(new FloatPointer(f).position(f.position() + offset), null)
                : new Vec(null, new DoublePointer(d).position(d.position() + offset));
    }

    /**
     * {@code sum x_i y_i} in the vector's own precision ({@code sdot} or {@code ddot}; {@code y}
     * of the same type): for reported norms, not for ones that feed clipping.
     */
    public double dot(int n, Vec y) {
        return f != null ? openblas_nolapack.cblas_sdot(n, f, 1, y.f, 1) : openblas_nolapack.cblas_ddot(n, d, 1, y.d, 1);
    }

    /** {@code max |x_i|} over the first {@code n} entries ({@code n >= 1}). */
    public double maxAbs(int n) {
        return f != null ? Math.abs(f.get(openblas_nolapack.cblas_isamax(n, f, 1)))
                : Math.abs(d.get(openblas_nolapack.cblas_idamax(n, d, 1)));
    }

    /**
     * {@code sum x_i^2} accumulated in double: {@code ddot} for float64; {@code dsdot} for
     * float32 (float products summed in double: about 1e-9 relative to the exact sum over 10^5
     * entries, against 4e-7 for {@code sdot}, and four times faster than a Java loop). Where a
     * float product overflows (entries beyond 1.8e19) or the data hold NaN or infinities, the
     * Java loop over staged copies computes it in double instead.
     */
    public double sumSq(int n) {
        if (d != null) {
            return openblas_nolapack.cblas_ddot(n, d, 1, d, 1);
        }
        double fast = openblas_nolapack.cblas_dsdot(n, f, 1, f, 1);
        return Double.isFinite(fast) ? fast : staged(n, true);
    }

    /** {@code sum |x_i|} accumulated in double: {@code dasum} for float64, else as {@link #sumSq}. */
    public double sumAbs(int n) {
        return d != null ? openblas_nolapack.cblas_dasum(n, d, 1) : staged(n, false);
    }

    /**
     * {@code sum x_i^2} (or {@code sum |x_i|}) over the first {@code n} float32 entries, copied
     * slice by slice into a Java array (a memcpy) so that the loop runs over {@code float[]}, the
     * form the JIT compiles best.
     */
    private double staged(int n, boolean squares) {
        FloatBuffer buf = new FloatPointer(f).limit(f.position() + n).asBuffer();
        float[] s = STAGING.get();
        double total = 0;
        for (int from = 0; from < n; from += STAGE) {
            int len = Math.min(STAGE, n - from);
            buf.get(from, s, 0, len);
            total += sum(s, len, squares);
        }
        return total;
    }

    /**
     * The sum of {@code s[k]^2} (or {@code |s[k]|}) over {@code [0, len)}, in eight independent
     * double accumulators so that the adds do not wait on each other (the JIT unswitches the
     * loop on {@code squares}).
     */
    private static double sum(float[] s, int len, boolean squares) {
        double a0 = 0;
        double a1 = 0;
        double a2 = 0;
        double a3 = 0;
        double a4 = 0;
        double a5 = 0;
        double a6 = 0;
        double a7 = 0;
        int k = 0;
        for (; k + 7 < len; k += 8) {
            a0 += term(s[k], squares);
            a1 += term(s[k + 1], squares);
            a2 += term(s[k + 2], squares);
            a3 += term(s[k + 3], squares);
            a4 += term(s[k + 4], squares);
            a5 += term(s[k + 5], squares);
            a6 += term(s[k + 6], squares);
            a7 += term(s[k + 7], squares);
        }
        for (; k < len; k++) {
            a0 += term(s[k], squares);
        }
        return ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7));
    }

    private static double term(float v, boolean squares) {
        double x = v;
        return squares ? x * x : Math.abs(x);
    }

    /** Copies the first {@code n} entries into {@code y}. */
    public void copyTo(int n, Vec y) {
        if (f != null) {
            openblas_nolapack.cblas_scopy(n, f, 1, y.f, 1);
        } else {
            openblas_nolapack.cblas_dcopy(n, d, 1, y.d, 1);
        }
    }

    /** {@code y -= x} over the first {@code n} entries (this is x). */
    public void subtractFrom(int n, Vec y) {
        if (f != null) {
            openblas_nolapack.cblas_saxpy(n, -1f, f, 1, y.f, 1);
        } else {
            openblas_nolapack.cblas_daxpy(n, -1, d, 1, y.d, 1);
        }
    }

    /** The first {@code n} entries as doubles. */
    public double[] toDoubles(int n) {
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = f != null ? f.get(i) : d.get(i);
        }
        return out;
    }

    /** Writes {@code values} (rounded to this vector's precision) from the start. */
    public void set(double[] values) {
        for (int i = 0; i < values.length; i++) {
            if (f != null) {
                f.put(i, (float) values[i]);
            } else {
                d.put(i, values[i]);
            }
        }
    }
}
