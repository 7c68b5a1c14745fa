package org.gradlab.nn;

import org.gradlab.host.Blas;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Multiplies its input by a fixed factor: {@code y = a x}, {@code dx = a dy}; no parameters.
 * The {@code a} of a scaled residual branch {@code h + a ReLU(Linear(h))} (as in SkipInit, De and
 * Smith 2020, with a fixed rather than learned {@code a}). Its output and input-gradient arrays
 * are reused from call to call, as {@link Dense}'s are.
 *
 * <pre>{@code Residual.of(Sequential.of(Dense.of(128, 128, rng), Activation.relu(), Scale.of(0.1)));}</pre>
 */
public final class Scale implements Layer {
    private final double factor;
    private INDArray output;
    private INDArray gradInput;

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
        output = scaled(x, output);
        return output;
    }

    @Override
    public INDArray backward(INDArray dy) {
        gradInput = scaled(dy, gradInput);
        return gradInput;
    }

    /**
     * {@code factor * x} into {@code into} (reused when it fits) with one BLAS scal; a factor of 0
     * multiplies with ND4J instead, since scal would turn infinities and NaN into zeros.
     */
    private INDArray scaled(INDArray x, INDArray into) {
        if (factor == 0 || !Blas.isDense(x)) {
            return x.mul(factor);
        }
        INDArray y = Blas.reuse(into, x.dataType(), x.shape());
        Blas.copy(x, y);
        Blas.scal(factor, y);
        return y;
    }

    @Override
    public String toString() {
        return "Scale(" + factor + ")";
    }
}
