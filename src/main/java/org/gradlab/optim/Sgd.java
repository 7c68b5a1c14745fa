package org.gradlab.optim;

import org.gradlab.host.Blas;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Stochastic gradient descent with momentum, dampening, Nesterov momentum and L2 weight decay,
 * exactly as {@code torch.optim.SGD}:
 * <pre>
 * d = g + weightDecay * p
 * buf = d                                     (first step)
 * buf = momentum * buf + (1 - dampening) * d  (later steps)
 * d = nesterov ? d + momentum * buf : buf     (when momentum != 0)
 * p = p - lr * d
 * </pre>
 * Nesterov momentum follows Sutskever et al. 2013 in PyTorch's formulation.
 *
 * <pre>{@code Optimizer.of(Sgd.momentum(0.9).withNesterov());}</pre>
 */
public record Sgd(double momentum, double dampening, double weightDecay, boolean nesterov)
        implements UpdateRule<Sgd.State> {

    /** The momentum buffer, {@code null} without momentum or before the first step. */
    public record State(INDArray momentumBuffer) {
    }

    public Sgd {
        Hyper.nonNegative("SGD", "momentum", momentum);
        Hyper.nonNegative("SGD", "dampening", dampening);
        Hyper.nonNegative("SGD", "weightDecay", weightDecay);
        if (nesterov && (momentum <= 0 || dampening != 0)) {
            throw new IllegalArgumentException("SGD: Nesterov momentum requires momentum > 0 and dampening = 0, got momentum "
                    + momentum + ", dampening " + dampening);
        }
    }

    /** Plain SGD, {@code p -= lr * g}. */
    public static Sgd plain() {
        return new Sgd(0, 0, 0, false);
    }

    /** Heavy-ball momentum. */
    public static Sgd momentum(double momentum) {
        return new Sgd(momentum, 0, 0, false);
    }

    public Sgd withNesterov() {
        return new Sgd(momentum, dampening, weightDecay, true);
    }

    public Sgd withDampening(double d) {
        return new Sgd(momentum, d, weightDecay, nesterov);
    }

    @Override
    public Sgd withMomentum(double m) {
        return new Sgd(m, dampening, weightDecay, nesterov);
    }

    @Override
    public Sgd withWeightDecay(double wd) {
        return new Sgd(momentum, dampening, wd, nesterov);
    }

    @Override
    public State init(INDArray param) {
        return new State(null);
    }

    /**
     * One step as BLAS axpy/scal calls on the arrays' memory (both float types), in PyTorch's
     * order of operations: {@code buf.mul_(momentum).add_(d, 1 - dampening)}, then
     * {@code p.add_(d, -lr)}. Temporaries only with weight decay or Nesterov momentum.
     */
    @Override
    public State apply(INDArray param, INDArray grad, State state, double lr) {
        INDArray d = grad;
        if (weightDecay != 0) {
            d = Blas.contiguous(grad).dup();
            Blas.axpy(weightDecay, param, d);
        }
        INDArray buf = state.momentumBuffer();
        if (momentum != 0) {
            if (buf == null) {
                // state outlives the step: never in the trainer's step workspace
                try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                    buf = d.dup('c');
                }
            } else {
                Blas.scal(momentum, buf);
                Blas.axpy(1 - dampening, d, buf);
            }
            if (nesterov) {
                d = d == grad ? Blas.contiguous(grad).dup() : d;
                Blas.axpy(momentum, buf, d);
            } else {
                d = buf;
            }
        }
        Blas.axpy(-lr, Blas.contiguous(d), param);
        return buf == state.momentumBuffer() ? state : new State(buf);
    }
}
