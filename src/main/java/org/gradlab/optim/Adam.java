package org.gradlab.optim;

import org.gradlab.host.Blas;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.updaters.AdamUpdater;
import org.nd4j.linalg.api.ops.impl.updaters.AmsGradUpdater;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Adam (Kingma and Ba 2015) with optional AMSGrad (Reddi et al. 2018) and L2 weight decay added
 * to the gradient, exactly as {@code torch.optim.Adam}:
 * <pre>
 * g = g + weightDecay * p
 * m = beta1 * m + (1 - beta1) * g
 * v = beta2 * v + (1 - beta2) * g^2
 * vmax = max(vmax, v)                       (AMSGrad)
 * p = p - lr / (1 - beta1^t) * m / (sqrt(v or vmax) / sqrt(1 - beta2^t) + eps)
 * </pre>
 *
 * <pre>{@code Optimizer.of(Adam.defaults());   // torch.optim.Adam(params, lr)}</pre>
 */
public record Adam(double beta1, double beta2, double eps, double weightDecay, boolean amsgrad)
        implements UpdateRule<Adam.State> {

    /** Step count and moment buffers; {@code maxExpAvgSq} is {@code null} without AMSGrad. */
    public record State(long step, INDArray expAvg, INDArray expAvgSq, INDArray maxExpAvgSq) {
    }

    public Adam {
        Hyper.inUnitInterval("Adam", "beta1", beta1);
        Hyper.inUnitInterval("Adam", "beta2", beta2);
        Hyper.nonNegative("Adam", "eps", eps);
        Hyper.nonNegative("Adam", "weightDecay", weightDecay);
    }

    /** betas (0.9, 0.999), eps 1e-8, no weight decay: PyTorch's defaults. */
    public static Adam defaults() {
        return new Adam(0.9, 0.999, 1e-8, 0, false);
    }

    public Adam withBetas(double b1, double b2) {
        return new Adam(b1, b2, eps, weightDecay, amsgrad);
    }

    public Adam withEps(double e) {
        return new Adam(beta1, beta2, e, weightDecay, amsgrad);
    }

    /** Cycles beta1, as PyTorch's OneCycleLR and CyclicLR do for Adam. */
    @Override
    public Adam withMomentum(double momentum) {
        return new Adam(momentum, beta2, eps, weightDecay, amsgrad);
    }

    @Override
    public Adam withWeightDecay(double wd) {
        return new Adam(beta1, beta2, eps, wd, amsgrad);
    }

    public Adam withAmsgrad() {
        return new Adam(beta1, beta2, eps, weightDecay, true);
    }

    @Override
    public State init(INDArray param) {
        return new State(0, param.ulike().assign(0), param.ulike().assign(0), amsgrad ? param.ulike().assign(0) : null);
    }

    /**
     * One step: float32 tensors in one fused Java loop ({@link #applyFloats}), others (float64,
     * for gradient checks and golden traces) in a single native op per tensor (ND4J's adam/ams_grad updater). Those ops compute
     * {@code lr * sqrt(bc2) / bc1 * m / (sqrt(v) + eps')}; with {@code eps' = eps * sqrt(bc2)} that is
     * exactly PyTorch's {@code lr / bc1 * m / (sqrt(v) / sqrt(bc2) + eps)}, equal to the last bits
     * (the golden traces check it at 1e-12).
     */
    @Override
    public State apply(INDArray param, INDArray grad, State s, double lr) {
        long step = s.step() + 1;
        if (Blas.isFloat(param) && Blas.isFloat(grad) && Blas.isFloat(s.expAvg()) && Blas.isFloat(s.expAvgSq())
                && (!amsgrad || Blas.isFloat(s.maxExpAvgSq()))) {
            applyFloats(param, grad, s, lr, step);
            return new State(step, s.expAvg(), s.expAvgSq(), s.maxExpAvgSq());
        }
        INDArray g = weightDecay != 0 ? grad.add(param.mul(weightDecay)) : grad;
        double epsPrime = eps * Math.sqrt(1 - Math.pow(beta2, step));
        // the ops replace a zero rate by eps; run them at rate 1 to advance the moments, then skip the update
        double rate = lr == 0 ? 1 : lr;
        int iteration = Math.toIntExact(step - 1);   // the ops bias-correct with iteration + 1
        INDArray update = g.ulike();
        if (amsgrad) {
            Nd4j.exec(new AmsGradUpdater(g, s.expAvgSq(), s.expAvg(), s.maxExpAvgSq(),
                    update, s.expAvgSq(), s.expAvg(), s.maxExpAvgSq(), rate, beta1, beta2, epsPrime, iteration));
        } else {
            Nd4j.exec(new AdamUpdater(g, s.expAvgSq(), s.expAvg(), update, s.expAvgSq(), s.expAvg(),
                    rate, beta1, beta2, epsPrime, iteration));
        }
        if (lr != 0) {
            param.subi(update);
        }
        return new State(step, s.expAvg(), s.expAvgSq(), s.maxExpAvgSq());
    }

    /**
     * The float32 step as one fused Java loop over staged copies (vectorised by the JIT), in
     * PyTorch's order of operations and precision: {@code m = m b1 + (1 - b1) g},
     * {@code v = v b2 + (1 - b2) g g}, {@code p -= lr / bc1 * m / (sqrt(v) / sqrt(bc2) + eps)}.
     */
    private void applyFloats(INDArray param, INDArray grad, State s, double lr, long step) {
        int n = Math.toIntExact(param.length());
        float[] p = Blas.stage(param, 0);
        float[] g = Blas.stage(grad, 1);
        float[] m = Blas.stage(s.expAvg(), 2);
        float[] v = Blas.stage(s.expAvgSq(), 3);
        float[] vmax = amsgrad ? Blas.stage(s.maxExpAvgSq(), 4) : v;    // without AMSGrad, max(v, v) = v
        float b1 = (float) beta1;
        float b2 = (float) beta2;
        float oneMinusB1 = (float) (1 - beta1);
        float oneMinusB2 = (float) (1 - beta2);
        float wd = (float) weightDecay;
        float stepSize = (float) (lr / (1 - Math.pow(beta1, step)));
        float bc2Sqrt = (float) Math.sqrt(1 - Math.pow(beta2, step));
        float e = (float) eps;
        for (int i = 0; i < n; i++) {
            float gi = weightDecay == 0 ? g[i] : g[i] + wd * p[i];
            m[i] = m[i] * b1 + oneMinusB1 * gi;
            v[i] = v[i] * b2 + oneMinusB2 * gi * gi;
            vmax[i] = Math.max(vmax[i], v[i]);
            p[i] -= stepSize * (m[i] / ((float) Math.sqrt(vmax[i]) / bc2Sqrt + e));
        }
        Blas.write(m, s.expAvg());
        Blas.write(v, s.expAvgSq());
        if (amsgrad) {
            Blas.write(vmax, s.maxExpAvgSq());
        }
        if (lr != 0) {
            Blas.write(p, param);
        }
    }
}
