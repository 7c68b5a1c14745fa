package org.gradlab.nn;

import org.gradlab.Checks;
import org.gradlab.host.ArraySlot;
import org.gradlab.host.Blas;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Inverted dropout (Srivastava et al. 2014): in training each unit is kept with probability
 * {@code 1 - p} and scaled by {@code 1 / (1 - p)}; in evaluation it is the identity. The mask
 * comes from this layer's own seeded {@link Rng}, so runs are reproducible bit for bit.
 *
 * <pre>{@code Dropout.of(0.2, rng.split());  // torch.nn.Dropout(0.2)}</pre>
 */
public final class Dropout implements Layer {
    private final double p;
    private final Rng rng;
    /** {@code Dropout(p)}, made once: backward's checks name the layer on every call. */
    private final String name;
    private boolean training = true;
    private INDArray mask;
    /** Storage of the float32 mask (0 or 1 / (1 - p)), reused from step to step. */
    private float[] maskValues;
    /** Whether the last forward drew {@link #maskValues} (float32 training) rather than {@link #mask}. */
    private boolean floatMask;
    private INDArray output;
    private INDArray gradInput;
    /** The arrays {@link #output} and {@link #gradInput} are written into, kept per shape (training and evaluation batches). */
    private final ArraySlot outputs = new ArraySlot();
    private final ArraySlot gradInputs = new ArraySlot();

    private Dropout(double p, Rng rng) {
        if (!(p >= 0 && p < 1)) {
            throw new IllegalArgumentException("Dropout: p must be in [0, 1), got " + p);
        }
        this.p = p;
        this.rng = java.util.Objects.requireNonNull(rng, "rng");
        name = "Dropout(" + p + ")";
    }

    /** Drops each unit with probability {@code p} during training. */
    public static Dropout of(double p, Rng rng) {
        return new Dropout(p, rng);
    }

    public double p() {
        return p;
    }

    /** The mask generator, exposed so its state can be checkpointed. */
    public Rng rng() {
        return rng;
    }

    @Override
    public java.util.Map<String, Rng> rngs() {
        return java.util.Map.of("rng", rng);
    }

    @Override
    public void setTraining(boolean training) {
        this.training = training;
    }

    @Override
    public INDArray forward(INDArray x) {
        mask = null;
        floatMask = false;
        if (!training || p == 0) {
            return x;
        }
        if (Blas.isFloat(x)) {
            floatMask = true;
            output = outputs.get(x.dataType(), x.shape());
            return multiply(x, drawFloatMask(Math.toIntExact(x.length())), output);
        }
        mask = mask(x);
        return x.mul(mask);
    }

    /**
     * The float32 mask of {@link #mask}, drawn the same way, in a heap array this layer reuses;
     * forward and backward multiply by it in Java loops into arrays the layer also reuses
     * ({@code dup()} a result to keep it past the next call).
     */
    private float[] drawFloatMask(int n) {
        float scale = (float) (1 / (1 - p));
        if (maskValues == null || maskValues.length < n) {
            maskValues = new float[n];
        }
        // nextDouble() < p is (nextLong() >>> 11) * 2^-53 < p, i.e. (nextLong() >>> 11) < ceil(p 2^53):
        // the same draws as mask(), compared as integers and without a branch the data would mispredict
        long threshold = (long) Math.ceil(p * 0x1.0p53);
        for (int i = 0; i < n; i++) {
            long dropped = ((rng.nextLong() >>> 11) - threshold) >>> 63;
            maskValues[i] = (1 - dropped) * scale;
        }
        return maskValues;
    }

    private static INDArray multiply(INDArray x, float[] m, INDArray into) {
        int n = Math.toIntExact(x.length());
        float[] v = Blas.stage(x, 0);
        for (int i = 0; i < n; i++) {
            v[i] *= m[i];
        }
        Blas.write(v, into);
        return into;
    }

    /** Inverted-dropout mask of {@code x}'s shape and type: 0 with probability p, else 1 / (1 - p). */
    private INDArray mask(INDArray x) {
        double scale = 1 / (1 - p);
        double[] m = new double[Math.toIntExact(x.length())];
        for (int i = 0; i < m.length; i++) {
            m[i] = rng.nextDouble() < p ? 0 : scale;
        }
        if (x.dataType() != DataType.FLOAT) {
            return Nd4j.create(m, x.shape(), 'c').castTo(x.dataType());
        }
        float[] f = new float[m.length];
        for (int i = 0; i < m.length; i++) {
            f[i] = (float) m[i];
        }
        return Nd4j.create(f, x.shape(), 'c');
    }

    @Override
    public INDArray backward(INDArray dy) {
        if (floatMask) {
            Checks.requireBackward(name, output, dy);
            gradInput = gradInputs.get(dy.dataType(), dy.shape());
            return multiply(Blas.contiguous(dy), maskValues, gradInput);
        }
        return mask == null ? dy : dy.mul(mask);
    }

    @Override
    public String toString() {
        return name;
    }
}
