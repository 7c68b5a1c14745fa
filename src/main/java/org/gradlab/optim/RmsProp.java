package org.gradlab.optim;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * RMSprop (Hinton's lecture 6e, 2012) with PyTorch's options, exactly as {@code torch.optim.RMSprop}:
 * <pre>
 * g = g + weightDecay * p
 * v = alpha * v + (1 - alpha) * g^2
 * a = sqrt(v - gAvg^2) + eps   with gAvg = alpha * gAvg + (1 - alpha) * g   (centered)
 * a = sqrt(v) + eps                                                       (otherwise)
 * buf = momentum * buf + g / a;  p = p - lr * buf                          (momentum > 0)
 * p = p - lr * g / a                                                      (otherwise)
 * </pre>
 *
 * <pre>{@code Optimizer.of(RmsProp.defaults());   // torch.optim.RMSprop(params, lr)}</pre>
 */
public record RmsProp(double alpha, double eps, double weightDecay, double momentum, boolean centered)
        implements UpdateRule<RmsProp.State> {

    /** Step count, the running mean square, and the momentum buffer and running mean when used ({@code null} otherwise). */
    public record State(long step, INDArray squareAvg, INDArray momentumBuffer, INDArray gradAvg) {
    }

    public RmsProp {
        Hyper.inUnitInterval("RMSprop", "alpha", alpha);
        Hyper.nonNegative("RMSprop", "eps", eps);
        Hyper.nonNegative("RMSprop", "weightDecay", weightDecay);
        Hyper.nonNegative("RMSprop", "momentum", momentum);
    }

    /** alpha 0.99, eps 1e-8, no weight decay, no momentum, not centered: PyTorch's defaults. */
    public static RmsProp defaults() {
        return new RmsProp(0.99, 1e-8, 0, 0, false);
    }

    @Override
    public RmsProp withMomentum(double m) {
        return new RmsProp(alpha, eps, weightDecay, m, centered);
    }

    public RmsProp withCentered() {
        return new RmsProp(alpha, eps, weightDecay, momentum, true);
    }

    @Override
    public RmsProp withWeightDecay(double wd) {
        return new RmsProp(alpha, eps, wd, momentum, centered);
    }

    @Override
    public State init(INDArray p) {
        return new State(0, p.ulike().assign(0), momentum > 0 ? p.ulike().assign(0) : null,
                centered ? p.ulike().assign(0) : null);
    }

    @Override
    public State apply(INDArray param, INDArray grad, State s, double lr) {
        INDArray g = weightDecay != 0 ? grad.add(param.mul(weightDecay)) : grad;
        s.squareAvg().muli(alpha).addi(g.mul(g).muli(1 - alpha));
        INDArray avg;
        if (centered) {
            s.gradAvg().muli(alpha).addi(g.mul(1 - alpha));
            avg = Transforms.sqrt(s.squareAvg().sub(s.gradAvg().mul(s.gradAvg())), false);
        } else {
            avg = Transforms.sqrt(s.squareAvg(), true);
        }
        avg.addi(eps);
        if (momentum > 0) {
            s.momentumBuffer().muli(momentum).addi(g.div(avg));
            param.subi(s.momentumBuffer().mul(lr));
        } else {
            param.subi(g.div(avg).muli(lr));
        }
        return new State(s.step() + 1, s.squareAvg(), s.momentumBuffer(), s.gradAvg());
    }
}
