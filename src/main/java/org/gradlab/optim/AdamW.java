package org.gradlab.optim;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * AdamW (Loshchilov and Hutter 2019): Adam with decoupled weight decay, exactly as
 * {@code torch.optim.AdamW}: first {@code p = p (1 - lr * weightDecay)}, then an Adam step
 * without L2 on the gradient. AMSGrad optional.
 *
 * <pre>{@code Optimizer.of(AdamW.defaults())   // torch.optim.AdamW(params, lr), weight_decay 0.01}</pre>
 */
public record AdamW(double beta1, double beta2, double eps, double weightDecay, boolean amsgrad)
        implements UpdateRule<Adam.State> {

    public AdamW {
        Hyper.nonNegative("AdamW", "weightDecay", weightDecay);
        adam(beta1, beta2, eps, amsgrad);   // validates the Adam settings
    }

    /** betas (0.9, 0.999), eps 1e-8, weight decay 0.01: PyTorch's defaults. */
    public static AdamW defaults() {
        return new AdamW(0.9, 0.999, 1e-8, 0.01, false);
    }

    public AdamW withBetas(double b1, double b2) {
        return new AdamW(b1, b2, eps, weightDecay, amsgrad);
    }

    public AdamW withAmsgrad() {
        return new AdamW(beta1, beta2, eps, weightDecay, true);
    }

    @Override
    public AdamW withWeightDecay(double wd) {
        return new AdamW(beta1, beta2, eps, wd, amsgrad);
    }

    /** Cycles beta1, as PyTorch's OneCycleLR and CyclicLR do for Adam-family optimizers. */
    @Override
    public AdamW withMomentum(double momentum) {
        return new AdamW(momentum, beta2, eps, weightDecay, amsgrad);
    }

    private static Adam adam(double beta1, double beta2, double eps, boolean amsgrad) {
        return new Adam(beta1, beta2, eps, 0, amsgrad);
    }

    @Override
    public Adam.State init(INDArray param) {
        return adam(beta1, beta2, eps, amsgrad).init(param);
    }

    @Override
    public Adam.State apply(INDArray param, INDArray grad, Adam.State state, double lr) {
        if (weightDecay != 0) {
            param.muli(1 - lr * weightDecay);
        }
        return adam(beta1, beta2, eps, amsgrad).apply(param, grad, state, lr);
    }
}
