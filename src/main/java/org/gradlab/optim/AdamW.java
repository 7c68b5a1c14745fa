package org.gradlab.optim;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * AdamW (Loshchilov and Hutter 2019): Adam with decoupled weight decay, exactly as
 * {@code torch.optim.AdamW}: first {@code p = p (1 - lr * weightDecay)}, then a plain
 * {@link Adam} step (its own L2 weight decay must be 0). AMSGrad optional.
 *
 * <pre>{@code Optimizer.of(AdamW.defaults());   // torch.optim.AdamW(params, lr), weight_decay 0.01}</pre>
 */
public record AdamW(Adam adam, double weightDecay) implements UpdateRule<Adam.State> {

    public AdamW {
        java.util.Objects.requireNonNull(adam, "adam");
        if (adam.weightDecay() != 0) {
            throw new IllegalArgumentException("AdamW: the inner Adam must have no L2 weight decay, got "
                    + adam.weightDecay() + "; set AdamW's decoupled weightDecay instead");
        }
        Hyper.nonNegative("AdamW", "weightDecay", weightDecay);
    }

    /** betas (0.9, 0.999), eps 1e-8, weight decay 0.01: PyTorch's defaults. */
    public static AdamW defaults() {
        return new AdamW(Adam.defaults(), 0.01);
    }

    public AdamW withBetas(double b1, double b2) {
        return new AdamW(adam.withBetas(b1, b2), weightDecay);
    }

    /** The term added to the denominator, torch's {@code eps} (default 1e-8). */
    public AdamW withEps(double e) {
        Hyper.nonNegative("AdamW", "eps", e);
        return new AdamW(adam.withEps(e), weightDecay);
    }

    public AdamW withAmsgrad() {
        return new AdamW(adam.withAmsgrad(), weightDecay);
    }

    @Override
    public AdamW withWeightDecay(double wd) {
        return new AdamW(adam, wd);
    }

    /** Cycles beta1, as PyTorch's OneCycleLR and CyclicLR do for Adam-family optimizers. */
    @Override
    public AdamW withMomentum(double momentum) {
        return new AdamW(adam.withMomentum(momentum), weightDecay);
    }

    @Override
    public Adam.State init(INDArray param) {
        return adam.init(param);
    }

    @Override
    public Adam.State apply(INDArray param, INDArray grad, Adam.State state, double lr) {
        if (weightDecay != 0) {
            param.muli(1 - lr * weightDecay);
        }
        return adam.apply(param, grad, state, lr);
    }
}
