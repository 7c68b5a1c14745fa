package org.gradlab.nn;

import org.gradlab.Checks;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Batch normalisation over the batch for each feature (Ioffe and Szegedy 2015), as
 * {@code torch.nn.BatchNorm1d}: in training {@code y = (x - mean_B) / sqrt(var_B + eps) * weight + bias}
 * with the biased batch variance, and running statistics updated as
 * {@code running = (1 - momentum) * running + momentum * batch} (unbiased variance); in
 * evaluation the running statistics are used.
 *
 * <pre>{@code Sequential.of(Dense.of(784, 64, rng), BatchNorm.of(64), Activation.relu(), Dense.of(64, 10, rng));}</pre>
 */
public final class BatchNorm implements Layer {
    private final int features;
    private final double eps;
    private final double momentum;
    private final Param weight;
    private final Param bias;
    private INDArray runningMean;
    private INDArray runningVar;
    private boolean training = true;
    private final Normalization kernel;

    private BatchNorm(int features, double eps, double momentum) {
        this.features = Checks.positive("BatchNorm", "features", features);
        if (!(eps > 0)) {
            throw new IllegalArgumentException("BatchNorm: eps must be > 0, got " + eps);
        }
        if (!(momentum >= 0 && momentum <= 1)) {
            throw new IllegalArgumentException("BatchNorm: momentum must be in [0, 1], got " + momentum);
        }
        this.eps = eps;
        this.momentum = momentum;
        weight = new Param("weight", Nd4j.ones(DataType.FLOAT, features));
        bias = new Param("bias", Nd4j.zeros(DataType.FLOAT, features));
        runningMean = Nd4j.zeros(DataType.FLOAT, features);
        runningVar = Nd4j.ones(DataType.FLOAT, features);
        kernel = new Normalization(Normalization.Axis.COLUMNS, features, eps);
    }

    /** PyTorch's defaults: eps 1e-5, momentum 0.1. */
    public static BatchNorm of(int features) {
        return of(features, 1e-5, 0.1);
    }

    public static BatchNorm of(int features, double eps, double momentum) {
        return new BatchNorm(features, eps, momentum);
    }

    /** Features normalised. */
    public int features() {
        return features;
    }

    /** The variance's added constant. */
    public double eps() {
        return eps;
    }

    /** The running statistics' update factor. */
    public double momentum() {
        return momentum;
    }

    public INDArray runningMean() {
        return runningMean;
    }

    public INDArray runningVar() {
        return runningVar;
    }

    @Override
    public void setTraining(boolean training) {
        this.training = training;
    }

    @Override
    public INDArray forward(INDArray x) {
        Checks.requireFeatures(toString(), x, features);
        Checks.requireType(toString(), x, weight.value());
        if (!training) {
            return kernel.forward(x, weight.value(), bias.value(), runningMean, runningVar);
        }
        long n = x.rows();
        if (n < 2) {
            throw new IllegalArgumentException(this + ": training needs a batch of at least 2 rows, got " + n);
        }
        INDArray y = kernel.forward(x, weight.value(), bias.value(), null, null);
        kernel.updateRunning(runningMean, runningVar, momentum);
        return y;
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

    /** {@code running_mean} and {@code running_var}, as PyTorch names them. */
    @Override
    public Map<String, INDArray> buffers() {
        Map<String, INDArray> b = new LinkedHashMap<>();
        b.put("running_mean", runningMean);
        b.put("running_var", runningVar);
        return b;
    }

    @Override
    public Layer to(DataType type) {
        Layer.super.to(type);
        runningMean = runningMean.castTo(type);
        runningVar = runningVar.castTo(type);
        return this;
    }

    @Override
    public String toString() {
        return "BatchNorm(" + features + ")";
    }
}
