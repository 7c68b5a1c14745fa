package org.gradlab.nn;

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
 * <pre>{@code Sequential.of(Dense.of(784, 64, rng), BatchNorm.of(64), Activation.relu(), ...)}</pre>
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
    private INDArray xhat;
    private INDArray invStd;
    private boolean usedBatchStats;

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
    }

    /** PyTorch's defaults: eps 1e-5, momentum 0.1. */
    public static BatchNorm of(int features) {
        return of(features, 1e-5, 0.1);
    }

    public static BatchNorm of(int features, double eps, double momentum) {
        return new BatchNorm(features, eps, momentum);
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
        synchronized (Normalization.ND4J_TADS) {
            return forwardLocked(x);
        }
    }

    private INDArray forwardLocked(INDArray x) {
        Checks.requireFeatures(toString(), x, features);
        usedBatchStats = training;
        if (training) {
            long n = x.rows();
            if (n < 2) {
                throw new IllegalArgumentException(this + ": training needs a batch of at least 2 rows, got " + n);
            }
            INDArray mean = x.mean(0);
            INDArray var = x.var(false, 0);
            runningMean.muli(1 - momentum).addi(mean.mul(momentum));
            runningVar.muli(1 - momentum).addi(var.mul(momentum * n / (n - 1)));
            invStd = Normalization.inverseStd(var, eps);
            xhat = Normalization.timesInPlace(Normalization.minus(x, mean, 0), invStd, 0);
        } else {
            invStd = Normalization.inverseStd(runningVar, eps);
            xhat = Normalization.timesInPlace(Normalization.minus(x, runningMean, 0), invStd, 0);
        }
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
        INDArray dxhat = dy.mulRowVector(weight.value());
        return usedBatchStats
                ? Normalization.backward(dxhat, xhat, invStd, 0)
                : dxhat.muliRowVector(invStd);
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
