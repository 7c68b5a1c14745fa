package org.gradlab.optim;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Adagrad (Duchi, Hazan and Singer 2011), exactly as {@code torch.optim.Adagrad}:
 * <pre>
 * g = g + weightDecay * p
 * sum = sum + g^2
 * p = p - lr / (1 + (t - 1) * lrDecay) * g / (sqrt(sum) + eps)
 * </pre>
 *
 * <pre>{@code Optimizer.of(Adagrad.defaults());   // torch.optim.Adagrad(params, lr)}</pre>
 */
public record Adagrad(double lrDecay, double weightDecay, double initialAccumulatorValue, double eps)
        implements UpdateRule<Adagrad.State> {

    /** Step count and the running sum of squared gradients. */
    public record State(long step, INDArray sum) {
    }

    public Adagrad {
        Hyper.nonNegative("Adagrad", "lrDecay", lrDecay);
        Hyper.nonNegative("Adagrad", "weightDecay", weightDecay);
        Hyper.nonNegative("Adagrad", "initialAccumulatorValue", initialAccumulatorValue);
        Hyper.nonNegative("Adagrad", "eps", eps);
    }

    /** No lr decay, no weight decay, accumulator starting at 0, eps 1e-10: PyTorch's defaults. */
    public static Adagrad defaults() {
        return new Adagrad(0, 0, 0, 1e-10);
    }

    @Override
    public Adagrad withWeightDecay(double wd) {
        return new Adagrad(lrDecay, wd, initialAccumulatorValue, eps);
    }

    @Override
    public State init(INDArray p) {
        return new State(0, p.ulike().assign(initialAccumulatorValue));
    }

    @Override
    public State apply(INDArray param, INDArray grad, State s, double lr) {
        long step = s.step() + 1;
        INDArray g = weightDecay != 0 ? grad.add(param.mul(weightDecay)) : grad;
        double clr = lr / (1 + (step - 1) * lrDecay);
        s.sum().addi(g.mul(g));
        INDArray std = Transforms.sqrt(s.sum(), true).addi(eps);
        param.subi(g.div(std).muli(clr));
        return new State(step, s.sum());
    }
}
