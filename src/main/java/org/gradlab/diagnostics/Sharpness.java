package org.gradlab.diagnostics;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.gradlab.nn.Layer;
import org.gradlab.nn.Loss;
import org.gradlab.nn.Param;
import org.gradlab.nn.Rng;
import org.gradlab.optim.Adam;
import org.gradlab.optim.AdamW;
import org.gradlab.optim.Optimizer;
import org.gradlab.optim.Sgd;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The sharpness of the training loss on a fixed batch: the largest eigenvalue {@code lambda_max}
 * of its Hessian {@code H = d^2 L / dw^2} with respect to all parameters, and Adam's
 * preconditioned sharpness {@code lambda_max(P^-1/2 H P^-1/2)}.
 *
 * <p><b>Why.</b> Gradient descent at rate {@code lr} on a quadratic is stable only while
 * {@code lambda_max < 2 / lr}; full-batch training rises to that edge and stays there (Cohen,
 * Kaur, Li, Kolter and Talwalkar, "Gradient Descent on Neural Networks Typically Occurs at the
 * Edge of Stability", ICLR 2021). For Adam the quantity is the preconditioned sharpness and the
 * edge is {@code (2 + 2 beta1) / ((1 - beta1) lr)}, {@code 38 / lr} at {@code beta1 = 0.9} (Cohen,
 * Ghorbani, Krishnan et al., "Adaptive Gradient Methods at the Edge of Stability", 2022), with
 * {@code P = (1 - beta1^t) diag(sqrt(v_t / (1 - beta2^t)) + eps)}, exactly the denominator of the
 * update Adam applies, {@code w -= lr m_t / P} (the factor {@code 1 - beta1^t}, Adam's bias
 * correction of {@code m}, is within 0.5% of 1 after 50 steps; with AMSGrad {@code v_t} is the running
 * maximum). See {@link #gdThreshold} and {@link #adamThreshold}.
 *
 * <p><b>Method.</b> The layers have no forward-mode derivative, so Hessian-vector products are
 * central differences of gradients, {@code Hv = (g(w + h v) - g(w - h v)) / 2h} with
 * {@code h = relativeStep * max(||w||, 1) / ||v||}, and {@link Lanczos} finds the top eigenvalue
 * from them. All of it runs on a float64 copy of the model ({@code Twin}), taken when
 * {@link #of} is called: the model itself (parameters, gradients, BatchNorm's running statistics,
 * dropout generators, training or evaluation mode) is left exactly as it was, bit for bit. By
 * default ({@link Regime#EVALUATION}) dropout is off and BatchNorm uses its running statistics: the
 * Hessian of the deterministic loss; {@link Regime#TRAINING} uses batch statistics and one frozen
 * dropout mask.
 *
 * <p><b>Error.</b> The truncation error of a central difference is {@code O(h^2)} and its rounding
 * error {@code O(u ||g|| / h)} ({@code u = 1.1e-16} in float64). Measured against PyTorch's exact
 * products (full Hessian times v, and double backward; {@code src/test/resources/golden/curvature.json})
 * over relative steps 1e-2 to 1e-8, the error of one product fell as {@code h^2} down to a step of
 * about 3e-6 (2e-11 on small nets) and grew as {@code 1/h} below 1e-6; the default
 * {@link SpectrumSettings#DEFAULT_STEP} = 1e-6, a third of the kink risk below, gives 1.4e-10 (worst
 * of five small nets) and 6.5e-11 (the article's MLP). A ReLU network's gradient
 * jumps where a pre-activation crosses zero, and a step across such a kink ruins the product (on
 * the article's MLP a 3e-5 step made the top eigenvalue 18 times too large); a product whose second
 * difference {@code ||g(w + hv) - 2 g(w) + g(w - hv)||} exceeds {@link #KINK} of
 * {@code ||g(w + hv) - g(w - hv)||} is therefore redone at a tenth of the step
 * ({@link Estimate#retries} counts them). At the default tolerance the top eigenvalues are within
 * 1.1e-8 of PyTorch's ({@code eigvalsh} of the full Hessian, five small nets including LayerNorm,
 * BatchNorm in training and dropout), 6.4e-9 on the article's MLP (power iteration on exact
 * products to a residual of 1e-10) and 3.2e-10 for Adam's preconditioned value.
 *
 * <p><b>Cost.</b> Each Lanczos step is one Hessian-vector product: two gradient evaluations, so
 * two forward and two backward passes of the float64 copy ({@link Estimate#gradients} counts them;
 * a retry adds two), plus one gradient for the snapshot. On the article's MLP (784-64-64-10, 55,050
 * parameters) at the default settings, measured by {@code SharpnessCostTest}: 31 steps on a batch
 * of 32 digits (62 forward and 62 backward passes) and 22 steps on a batch of 256 (44 and 44),
 * each 0.1 to 0.6 s of one core's CPU time over runs on a shared two-core machine (0.18 s wall on
 * the quietest); Adam's preconditioned value costs as much again. Memory: one
 * float64 copy of the model and the Lanczos basis, {@code steps * 55,050} doubles.
 *
 * <pre>{@code
 * Sharpness s = Sharpness.of(model, Loss.crossEntropy(), batch.features(), batch.targets());
 * double top = s.top().value();                         // compare with Sharpness.gdThreshold(lr)
 * double adam = s.preconditioned(trainer.optimizer()).value();   // with Sharpness.adamThreshold(lr, 0.9)
 * }</pre>
 */
public final class Sharpness {
    /** The largest second-to-first difference ratio a Hessian-vector product accepts before it retries at a smaller step. */
    static final double KINK = 1e-5;
    /** The smallest relative step a retry goes down to (rounding then costs about 1e-7 of a product). */
    static final double MIN_RELATIVE_STEP = 1e-9;
    private final Twin twin;
    private final Loss loss;
    private final INDArray features;
    private final INDArray targets;
    private final SpectrumSettings settings;
    private final List<Param> params;
    private final Map<String, Param> named;
    private final double[] weights;
    private final double[] gradientAtWeights;
    private int gradients;
    private int retries;
    /**
     * The weights at {@code w +- h v} and the gradients there, rewritten by every product: a
     * sample takes dozens of products, and four fresh arrays of every weight each time were most
     * of the study's garbage (and its collections).
     */
    private final double[][] scratch;

    private Sharpness(Twin twin, Loss loss, INDArray features, INDArray targets, SpectrumSettings settings) {
        this.twin = twin;
        this.loss = loss;
        this.features = features;
        this.targets = targets;
        this.settings = settings;
        this.named = twin.model().namedParams();
        this.params = new ArrayList<>(named.values());
        this.weights = Flat.of(params, Param::value);
        this.scratch = new double[4][weights.length];
        if (params.isEmpty()) {
            throw new IllegalArgumentException("sharpness: the model has no parameters, expected at least one");
        }
        try {
            this.gradientAtWeights = gradient(weights);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("sharpness: the batch does not fit the model or loss: " + e.getMessage(), e);
        }
    }

    /**
     * The top eigenvalue {@code value} ({@code NaN} when a product was not finite), the relative
     * residual of its eigenvector, the Lanczos steps, whether it converged, the gradient
     * evaluations it cost (two per step and two per retry) and the products retried at a smaller
     * step.
     */
    public record Estimate(double value, double residual, int iterations, boolean converged, int gradients, int retries) {
    }

    /** {@link #of(Layer, Loss, INDArray, INDArray, SpectrumSettings)} with {@link SpectrumSettings#defaults()}. */
    public static Sharpness of(Layer model, Loss loss, INDArray features, INDArray targets) {
        return of(model, loss, features, targets, SpectrumSettings.defaults());
    }

    /**
     * A float64 snapshot of {@code model} for measuring the curvature of {@code loss} on one batch
     * ({@code features [batch, ...]}, {@code targets} as the loss takes them). The model is only
     * read; later changes to it are not seen by this snapshot.
     */
    public static Sharpness of(Layer model, Loss loss, INDArray features, INDArray targets, SpectrumSettings settings) {
        requireArgument(model, "model");
        requireArgument(loss, "loss");
        requireArgument(features, "features");
        requireArgument(targets, "targets");
        requireArgument(settings, "settings");
        if (features.rank() < 2 || features.size(0) < 1) {
            throw new IllegalArgumentException("sharpness: features must be [batch, ...] with batch >= 1, got "
                    + java.util.Arrays.toString(features.shape()));
        }
        if (targets.rank() < 1 || targets.size(0) != features.size(0)) {
            throw new IllegalArgumentException("sharpness: targets must have the features' " + features.size(0)
                    + " rows, got " + java.util.Arrays.toString(targets.shape()));
        }
        Twin twin = Twin.of("sharpness", model, settings.regime());
        return new Sharpness(twin, loss, features.castTo(DataType.DOUBLE).dup(), targets.castTo(DataType.DOUBLE).dup(),
                settings);
    }

    private static void requireArgument(Object value, String name) {
        if (value == null) {
            throw new IllegalArgumentException("sharpness: " + name + " must not be null");
        }
    }

    /** The sharpness {@code lambda_max(H)}, to compare with {@link #gdThreshold}. */
    public Estimate top() {
        return estimate(this::hessianTimes);
    }

    /**
     * Adam's preconditioned sharpness {@code lambda_max(P^-1/2 H P^-1/2)} with {@code P} from
     * {@code optimizer}'s state (see the class comment), to compare with {@link #adamThreshold}.
     * The optimizer must run {@link Adam} or {@link AdamW} and have stepped every parameter. The
     * value is NaN where {@code P} has a zero (eps 0 and a parameter that never had a gradient).
     */
    public Estimate preconditioned(Optimizer optimizer) {
        double[] p = adamPreconditioner(optimizer);
        double[] inverseRoot = new double[p.length];
        for (int i = 0; i < p.length; i++) {
            inverseRoot[i] = 1 / Math.sqrt(p[i]);
        }
        return estimate(u -> {
            double[] hv = hessianTimes(times(u, inverseRoot));
            return times(hv, inverseRoot);
        });
    }

    /** {@code 2 / lr}: gradient descent's stability limit on the sharpness. */
    public static double gdThreshold(double lr) {
        requireRate(lr);
        return 2 / lr;
    }

    /**
     * The stability limit on the sharpness of {@code rule} at rate {@code lr}: on a quadratic with
     * curvature {@code lambda}, PyTorch's SGD is stable only while {@code lambda} is below
     * {@code 2 / lr} without momentum, {@code (2 + 2 mu) / ((1 - dampening) lr)} with heavy-ball
     * momentum {@code mu} (38 / lr at 0.9; Cohen et al. 2021, appendix), and
     * {@code (2 + 2 mu) / ((1 + 2 mu) lr)} with Nesterov momentum (from the eigenvalues of each
     * update's two-step recurrence). Weight decay is left out (it adds to {@code lambda}).
     */
    public static double sgdThreshold(double lr, Sgd rule) {
        requireRate(lr);
        requireArgument(rule, "rule");
        double mu = rule.momentum();
        if (mu == 0) {
            return 2 / lr;
        }
        return rule.nesterov() ? (2 + 2 * mu) / ((1 + 2 * mu) * lr) : (2 + 2 * mu) / ((1 - rule.dampening()) * lr);
    }

    /** {@code (2 + 2 beta1) / ((1 - beta1) lr)}: Adam's limit on the preconditioned sharpness (38 / lr at beta1 0.9). */
    public static double adamThreshold(double lr, double beta1) {
        requireRate(lr);
        if (!(beta1 >= 0 && beta1 < 1)) {
            throw new IllegalArgumentException("sharpness: beta1 must be in [0, 1), got " + beta1);
        }
        return (2 + 2 * beta1) / ((1 - beta1) * lr);
    }

    private static void requireRate(double lr) {
        if (!(lr > 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException("sharpness: lr must be finite and > 0, got " + lr);
        }
    }

    /**
     * Adam's preconditioner {@code P}, flat in this snapshot's parameter order:
     * {@code (1 - beta1^t) (sqrt(v / (1 - beta2^t)) + eps)} from {@code optimizer}'s state records.
     */
    private double[] adamPreconditioner(Optimizer optimizer) {
        requireArgument(optimizer, "optimizer");
        Adam adam = optimizer.rule() instanceof Adam a ? a : optimizer.rule() instanceof AdamW w ? w.adam() : null;
        if (adam == null) {
            throw new IllegalArgumentException("sharpness: the preconditioned sharpness needs an Adam or AdamW optimizer, got "
                    + optimizer.rule());
        }
        Map<String, Record> state = optimizer.state();
        double[] p = new double[weights.length];
        int offset = 0;
        for (Map.Entry<String, Param> e : named.entrySet()) {
            String name = e.getKey();
            if (!(state.get(name) instanceof Adam.State s) || s.step() == 0) {
                throw new IllegalArgumentException("sharpness: the optimizer has no Adam state for parameter " + name
                        + " (it has " + state.keySet() + "); take a step first");
            }
            INDArray v = adam.amsgrad() ? s.maxExpAvgSq() : s.expAvgSq();
            if (v.length() != e.getValue().size()) {
                throw new IllegalArgumentException("sharpness: the Adam state of " + name + " has shape "
                        + java.util.Arrays.toString(v.shape()) + ", expected " + java.util.Arrays.toString(e.getValue().value().shape()));
            }
            double bc1 = 1 - Math.pow(adam.beta1(), s.step());
            double bc2 = 1 - Math.pow(adam.beta2(), s.step());
            double[] values = Flat.of(v.castTo(DataType.DOUBLE));
            for (double x : values) {
                p[offset++] = bc1 * (Math.sqrt(x / bc2) + adam.eps());
            }
        }
        return p;
    }

    private Estimate estimate(UnaryOperator<double[]> operator) {
        int before = gradients;
        int retriedBefore = retries;
        Rng rng = Rng.seeded(settings.seed());
        double[] start = new double[weights.length];
        for (int i = 0; i < start.length; i++) {
            start[i] = rng.nextGaussian();
        }
        Lanczos.Estimate e = Lanczos.top(operator, start, settings.maxIterations(), settings.tolerance());
        return new Estimate(e.value(), e.residual(), e.iterations(), e.converged(), gradients - before,
                retries - retriedBefore);
    }

    /**
     * {@code Hv} by central differences of gradients, two gradient evaluations at
     * {@code w +- h v}. When the second difference {@code ||g(w + hv) - 2 g(w) + g(w - hv)||} is
     * more than {@link #KINK} of {@code ||g(w + hv) - g(w - hv)||} (a smooth loss keeps it near
     * {@code h ||D^3 L|| / ||H||}, about 1e-6 at the default step; a ReLU kink inside the step makes
     * it the relative error the kink causes), the product is redone at a tenth of the step, down to
     * {@link #MIN_RELATIVE_STEP}.
     */
    double[] hessianTimes(double[] v) {
        double vNorm = Lanczos.norm(v);
        if (vNorm == 0) {
            return new double[v.length];
        }
        double scale = Math.max(Lanczos.norm(weights), 1) / vNorm;
        double h = settings.relativeStep() * scale;
        double[] plus = scratch[0];
        double[] minus = scratch[1];
        while (true) {
            System.arraycopy(weights, 0, plus, 0, weights.length);
            Lanczos.axpy(h, v, plus);
            System.arraycopy(weights, 0, minus, 0, weights.length);
            Lanczos.axpy(-h, v, minus);
            double[] gPlus = gradient(plus, scratch[2]);
            double[] gMinus = gradient(minus, scratch[3]);
            double[] hv = new double[v.length];
            double second = 0;
            double first = 0;
            for (int i = 0; i < hv.length; i++) {
                double d = gPlus[i] - gMinus[i];
                double s = gPlus[i] - 2 * gradientAtWeights[i] + gMinus[i];
                hv[i] = d / (2 * h);
                first += d * d;
                second += s * s;
            }
            if (!(second > KINK * KINK * first) || h / 10 < MIN_RELATIVE_STEP * scale) {
                return hv;
            }
            retries++;
            h /= 10;
        }
    }

    /** The loss's gradient at weights {@code w} (flat, in {@link Layer#namedParams()} order) on the batch. */
    double[] gradient(double[] w) {
        return gradient(w, new double[w.length]);
    }

    /** {@link #gradient(double[])}, written into {@code into} (returned). */
    private double[] gradient(double[] w, double[] into) {
        Flat.write(w, params);
        twin.rewind();
        Layer model = twin.model();
        Loss.Evaluation e = loss.evaluate(model.forward(features), targets);
        model.backward(e.gradient(), false);
        gradients++;
        return Flat.of(params, Param::grad, into);
    }

    /** The number of parameters (the Hessian is this square). */
    public int dimension() {
        return weights.length;
    }

    private static double[] times(double[] a, double[] b) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i] * b[i];
        }
        return out;
    }
}
