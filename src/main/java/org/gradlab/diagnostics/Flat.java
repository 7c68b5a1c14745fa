package org.gradlab.diagnostics;

import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.util.List;
import java.util.function.Function;
import org.gradlab.nn.Param;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Float64 arrays as flat {@code double[]} vectors and back, for the Lanczos iterations of
 * {@link Sharpness} and {@link JacobianSpectrum}: parameters concatenated in
 * {@link org.gradlab.nn.Layer#namedParams()} order, activations in row-major order.
 */
final class Flat {
    private Flat() {
    }

    /** {@code part} of every parameter, concatenated. */
    static double[] of(List<Param> params, Function<Param, INDArray> part) {
        return of(params, part, new double[Math.toIntExact(params.stream().mapToLong(Param::size).sum())]);
    }

    /** {@code part} of every parameter, concatenated into {@code out} (as long as all of them), which is returned. */
    static double[] of(List<Param> params, Function<Param, INDArray> part, double[] out) {
        int offset = 0;
        for (Param p : params) {
            INDArray a = part.apply(p);
            read(a, out, offset);
            offset += Math.toIntExact(a.length());
        }
        return out;
    }

    /** Writes {@code values} into the parameters' values, in order. */
    static void write(double[] values, List<Param> params) {
        int offset = 0;
        for (Param p : params) {
            INDArray a = p.value();
            int n = Math.toIntExact(a.length());
            DoubleBuffer view = view(a);
            if (view != null) {
                view.put(0, values, offset, n);
            } else {
                a.assign(Nd4j.create(java.util.Arrays.copyOfRange(values, offset, offset + n), a.shape(), 'c'));
            }
            offset += n;
        }
    }

    /** The values of {@code a} in row-major order. */
    static double[] of(INDArray a) {
        double[] out = new double[Math.toIntExact(a.length())];
        read(a, out, 0);
        return out;
    }

    /** Writes {@code values} into {@code a} (a whole, row-major float64 array of as many values) and returns it. */
    static INDArray fill(INDArray a, double[] values) {
        DoubleBuffer view = view(a);
        if (view == null || a.length() != values.length) {
            throw new IllegalArgumentException("flat: cannot fill " + java.util.Arrays.toString(a.shape()) + " " + a.dataType()
                    + " with " + values.length + " values");
        }
        view.put(0, values);
        return a;
    }

    private static void read(INDArray a, double[] into, int offset) {
        DoubleBuffer view = view(a);
        if (view != null) {
            view.get(0, into, offset, Math.toIntExact(a.length()));
        } else {
            double[] v = a.castTo(DataType.DOUBLE).dup('c').data().asDouble();
            System.arraycopy(v, 0, into, offset, v.length);
        }
    }

    /** A live view of a whole, row-major float64 array's memory, else null. */
    private static DoubleBuffer view(INDArray a) {
        boolean whole = a.dataType() == DataType.DOUBLE && !a.isView() && a.ordering() == 'c' && a.data().length() == a.length();
        return whole ? a.data().asNio().order(ByteOrder.nativeOrder()).asDoubleBuffer() : null;
    }
}
