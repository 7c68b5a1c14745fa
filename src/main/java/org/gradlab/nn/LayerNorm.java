package org.gradlab.nn;

import org.gradlab.Checks;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Layer normalisation over each sample's features (Ba, Kiros and Hinton 2016), as
 * {@code torch.nn.LayerNorm(features)}: {@code y = (x - mean) / sqrt(var + eps) * weight + bias},
 * statistics per row with the biased variance; the same in training and evaluation. The output
 * and input-gradient arrays are reused from call to call, as {@link Dense}'s are.
 */
public final class LayerNorm implements Layer {
    private final int features;
    private final double eps;
    private final Param weight;
    private final Param bias;
    private final Normalization kernel;

    private LayerNorm(int features, double eps) {
        this.features = Checks.positive("LayerNorm", "features", features);
        if (!(eps > 0)) {
            throw new IllegalArgumentException("LayerNorm: eps must be > 0, got " + eps);
        }
        this.eps = eps;
        weight = new Param("weight", Nd4j.ones(DataType.FLOAT, features));
        bias = new Param("bias", Nd4j.zeros(DataType.FLOAT, features));
        kernel = new Normalization(Normalization.Axis.ROWS, features, eps);
    }

    /** PyTorch's default eps 1e-5. */
    public static LayerNorm of(int features) {
        return of(features, 1e-5);
    }

    public static LayerNorm of(int features, double eps) {
        return new LayerNorm(features, eps);
    }

    /** Features normalised. */
    public int features() {
        return features;
    }

    /** The variance's added constant. */
    public double eps() {
        return eps;
    }

    @Override
    public INDArray forward(INDArray x) {
        Checks.requireFeatures(toString(), x, features);
        Checks.requireType(toString(), x, weight.value());
        return kernel.forward(x, weight.value(), bias.value(), null, null);
    }

    @Override
    public INDArray backward(INDArray dy) {
        return backward(dy, true);
    }

    @Override
    public INDArray backward(INDArray dy, boolean needInputGradient) {
        Checks.requireBackward(toString(), kernel.output(), dy);
        return kernel.backward(dy, weight, bias, needInputGradient);
    }

    @Override
    public List<Param> params() {
        return List.of(weight, bias);
    }

    @Override
    public String toString() {
        return "LayerNorm(" + features + ")";
    }
}
