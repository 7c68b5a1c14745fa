package org.gradlab.nn;

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
    private HostArrays() {
    }

    /** The values of {@code a} in row-major order, as doubles. */
    public static double[] toDoubles(INDArray a) {
        int n = Math.toIntExact(a.length());
        if (!a.isView() && a.ordering() == 'c' && a.data().length() == a.length() && a.dataType() == DataType.FLOAT) {
            FloatBuffer b = a.data().asNio().order(ByteOrder.nativeOrder()).asFloatBuffer();
            double[] out = new double[n];
            for (int i = 0; i < n; i++) {
                out[i] = b.get(i);
            }
            return out;
        }
        return a.castTo(DataType.DOUBLE).dup('c').data().asDouble();
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
}
