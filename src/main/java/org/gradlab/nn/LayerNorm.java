package org.gradlab.nn;

import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Layer normalisation over each sample's features (Ba, Kiros and Hinton 2016), as
 * {@code torch.nn.LayerNorm(features)}: {@code y = (x - mean) / sqrt(var + eps) * weight + bias},
 * statistics per row with the biased variance; the same in training and evaluation.
 */
public final class LayerNorm implements Layer {
    private final int features;
    private final double eps;
    private final Param weight;
    private final Param bias;
    private INDArray xhat;
    private INDArray invStd;

    private LayerNorm(int features, double eps) {
        this.features = Checks.positive("LayerNorm", "features", features);
        if (!(eps > 0)) {
            throw new IllegalArgumentException("LayerNorm: eps must be > 0, got " + eps);
        }
        this.eps = eps;
        weight = new Param("weight", Nd4j.ones(DataType.FLOAT, features));
        bias = new Param("bias", Nd4j.zeros(DataType.FLOAT, features));
    }

    /** PyTorch's default eps 1e-5. */
    public static LayerNorm of(int features) {
        return of(features, 1e-5);
    }

    public static LayerNorm of(int features, double eps) {
        return new LayerNorm(features, eps);
    }

    @Override
    public INDArray forward(INDArray x) {
        synchronized (Normalization.ND4J_TADS) {
            return forwardLocked(x);
        }
    }

    private INDArray forwardLocked(INDArray x) {
        Checks.requireFeatures(toString(), x, features);
        INDArray mean = x.mean(1);
        invStd = Normalization.inverseStd(x.var(false, 1), eps);
        xhat = Normalization.timesInPlace(Normalization.minus(x, mean, 1), invStd, 1);
        return xhat.mulRowVector(weight.value()).addiRowVector(bias.value());
    }

    @Override
    public INDArray backward(INDArray dy) {
        synchronized (Normalization.ND4J_TADS) {
            return backwardLocked(dy);
        }
    }

    private INDArray backwardLocked(INDArray dy) {
        Checks.requireBackward(toString(), xhat, dy);
        dy.mul(xhat).sum(weight.grad(), 0);
        dy.sum(bias.grad(), 0);
        return Normalization.backward(dy.mulRowVector(weight.value()), xhat, invStd, 1);
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
