package org.gradlab.nn;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Multiplies its input by a fixed factor: {@code y = a x}, {@code dx = a dy}; no parameters.
 * The {@code a} of a scaled residual branch {@code h + a ReLU(Linear(h))} (as in SkipInit, De and
 * Smith 2020, with a fixed rather than learned {@code a}).
 *
 * <pre>{@code Residual.of(Sequential.of(Dense.of(128, 128, rng), Activation.relu(), Scale.of(0.1)))}</pre>
 */
public final class Scale implements Layer {
    private final double factor;

    private Scale(double factor) {
        this.factor = factor;
    }

    /** {@code y = factor * x}; the factor must be finite. */
    public static Scale of(double factor) {
        if (!Double.isFinite(factor)) {
            throw new IllegalArgumentException("Scale: factor must be finite, got " + factor);
        }
        return new Scale(factor);
    }

    public double factor() {
        return factor;
    }

    @Override
    public INDArray forward(INDArray x) {
        return x.mul(factor);
    }

    @Override
    public INDArray backward(INDArray dy) {
        return dy.mul(factor);
    }

    @Override
    public String toString() {
        return "Scale(" + factor + ")";
    }
}
