package org.gradlab.diagnostics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.gradlab.Bits;
import org.gradlab.experiment.jobs.Presets;
import org.gradlab.nn.Dense;
import org.gradlab.nn.Layer;
import org.gradlab.nn.Loss;
import org.gradlab.nn.Param;
import org.gradlab.nn.Rng;
import org.gradlab.nn.Sequential;
import org.gradlab.optim.Adam;
import org.gradlab.optim.Optimizer;
import org.gradlab.optim.Sgd;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class SharpnessTest {
    private static final INDArray X = Untouched.features(1, 5);
    private static final INDArray Y = Untouched.targets(5);

    /** Every regime, on a model in training and in evaluation mode, with Adam's state read as well. */
    @Test
    void measuringLeavesModelAndOptimizerExactlyAsTheyWere() {
        Untouched.assertMeasuringLeavesItUntouched(3, (model, settings, what) -> {
            Optimizer adam = Optimizer.of(Adam.defaults());
            adam.step(model.namedParams(), 0);     // Adam's moments, the parameters unchanged at rate 0
            Optimizer.State before = adam.state(model.namedParams());
            Sharpness s = Sharpness.of(model, Loss.crossEntropy(), X, Y, settings);
            assertTrue(Double.isFinite(s.top().value()), what);
            assertTrue(Double.isFinite(s.preconditioned(adam).value()), what);
            Optimizer.State after = adam.state(model.namedParams());
            before.params().forEach((n, r) -> {
                Adam.State b = (Adam.State) r;
                Adam.State a = (Adam.State) after.params().get(n);
                assertEquals(b.step(), a.step(), what + " adam step " + n);
                Bits.assertBitIdentical(what + " adam m " + n, b.expAvg(), a.expAvg());
                Bits.assertBitIdentical(what + " adam v " + n, b.expAvgSq(), a.expAvgSq());
            });
        });
    }

    /**
     * A linear model under mean squared error has a constant Hessian known in closed form: for
     * {@code Dense(1 -> k)} on {@code n} inputs it is block-diagonal over the outputs, each block
     * {@code 2 / (n k) [[sum x^2, sum x], [sum x, n]]}.
     */
    @Test
    void matchesTheClosedFormHessianOfALeastSquaresProblem() {
        int n = 7;
        int k = 3;
        Sequential model = Sequential.of(Dense.of(1, k, Rng.seeded(2)));
        INDArray x = Nd4j.create(new double[] {0.5, -1.2, 2.0, 0.3, 1.1, -0.4, 0.9}, new long[] {n, 1}, DataType.DOUBLE)
                .castTo(DataType.FLOAT);
        INDArray t = uniform(3, n, k);
        double sx = 0;
        double sxx = 0;
        for (int i = 0; i < n; i++) {
            sx += x.getDouble(i, 0);
            sxx += x.getDouble(i, 0) * x.getDouble(i, 0);
        }
        double scale = 2.0 / (n * k);
        double exact = scale * ((sxx + n) / 2 + Math.sqrt((sxx - n) * (sxx - n) / 4 + sx * sx));
        Sharpness.Estimate e = Sharpness.of(model, Loss.mse(), x, t, SpectrumSettings.defaults().withTolerance(1e-10)).top();
        assertTrue(e.converged(), e.toString());
        assertEquals(exact, e.value(), 1e-9 * exact);
    }

    /** A float32 {@code [rows, cols]} array of uniform [0, 1) values from {@code seed}. */
    static INDArray uniform(long seed, int rows, int cols) {
        Rng rng = Rng.seeded(seed);
        double[] v = new double[rows * cols];
        for (int i = 0; i < v.length; i++) {
            v[i] = rng.nextDouble();
        }
        return Nd4j.create(v, new long[] {rows, cols}, DataType.DOUBLE).castTo(DataType.FLOAT);
    }

    /** H is symmetric, so u.Hv = v.Hu up to the products' error (1e-9 measured against PyTorch). */
    @Test
    void hessianVectorProductsAreSymmetric() {
        Sharpness s = Sharpness.of(Untouched.model(4, true), Loss.crossEntropy(), X, Y);
        Rng rng = Rng.seeded(9);
        double[] u = new double[s.dimension()];
        double[] v = new double[s.dimension()];
        for (int i = 0; i < u.length; i++) {
            u[i] = rng.nextGaussian();
            v[i] = rng.nextGaussian();
        }
        double uHv = Lanczos.dot(u, s.hessianTimes(v));
        double vHu = Lanczos.dot(v, s.hessianTimes(u));
        assertEquals(uHv, vHu, 1e-8 * Math.abs(uHv));
    }

    /**
     * On a ReLU network a step of 3e-3 of the weights' norm pushes pre-activations across zero,
     * where the gradient jumps; each product whose second difference shows it is redone at a
     * tenth of the step, and the estimate is the one at the default step. (Without the retries
     * this case is off by a factor of several.)
     */
    @Test
    void productsThatStepOverAReluKinkAreRetriedAtASmallerStep() {
        Layer model = Presets.articleModel(5);
        INDArray x = uniform(4, 16, 784);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 16, 10);
        for (int i = 0; i < 16; i++) {
            y.putScalar(i, i % 10, 1);
        }
        Sharpness.Estimate reference = Sharpness.of(model, Loss.crossEntropy(), x, y).top();
        Sharpness.Estimate coarse = Sharpness.of(model, Loss.crossEntropy(), x, y,
                SpectrumSettings.defaults().withRelativeStep(3e-3)).top();
        assertTrue(coarse.retries() > 0, coarse.toString());
        assertEquals(reference.value(), coarse.value(), 1e-6 * reference.value(), coarse + " vs " + reference);
        assertEquals(2 * (coarse.iterations() + coarse.retries()), coarse.gradients(), "two gradients per product and retry");
    }

    @Test
    void theTrainingRegimeFreezesOneDropoutMask() {
        Sequential model = Untouched.model(6, true);
        SpectrumSettings training = SpectrumSettings.defaults().withRegime(Regime.TRAINING);
        double first = Sharpness.of(model, Loss.crossEntropy(), X, Y, training).top().value();
        double second = Sharpness.of(model, Loss.crossEntropy(), X, Y, training).top().value();
        double evaluation = Sharpness.of(model, Loss.crossEntropy(), X, Y).top().value();
        assertEquals(first, second, 0.0, "the same mask, from the same generator state, both times");
        assertNotEquals(first, evaluation, "dropout and batch statistics change the loss");
    }

    @Test
    void aModelWithNonFiniteWeightsGivesNaNNotAnException() {
        Sequential model = Untouched.model(7, false);
        model.namedParams().get("0.weight").value().putScalar(0, 0, Double.NaN);
        Sharpness.Estimate e = Sharpness.of(model, Loss.crossEntropy(), X, Y).top();
        assertTrue(Double.isNaN(e.value()));
        assertFalse(e.converged());
    }

    @Test
    void thresholdsAreTheEdgesOfStability() {
        assertEquals(20.0, Sharpness.gdThreshold(0.1), 1e-12);
        assertEquals(380.0, Sharpness.adamThreshold(0.1, 0.9), 1e-9);
        assertEquals(2.0 / 0.1, Sharpness.adamThreshold(0.1, 0.0), 1e-12);   // beta1 0: RMSprop, gradient descent's 2 / lr
    }

    /**
     * The SGD limits are where gradlab's own {@link Sgd} (PyTorch's update) stops converging on a
     * quadratic {@code L = lambda w^2 / 2}: 1% below the limit the weight shrinks over 20,000 steps, 1%
     * above it grows; for plain, heavy-ball (0.9, and with dampening 0.5) and Nesterov momentum.
     */
    @Test
    void sgdLimitsAreWhereSgdOnAQuadraticStopsConverging() {
        double lr = 0.1;
        for (Sgd rule : new Sgd[] {Sgd.plain(), Sgd.momentum(0.9), Sgd.momentum(0.9).withDampening(0.5),
                Sgd.momentum(0.9).withNesterov()}) {
            double limit = Sharpness.sgdThreshold(lr, rule);
            assertTrue(Math.abs(finalWeight(rule, lr, 0.99 * limit)) < 1e-3, rule + " below its limit " + limit);
            assertTrue(Math.abs(finalWeight(rule, lr, 1.01 * limit)) > 1e3, rule + " above its limit " + limit);
        }
        assertEquals(38.0, Sharpness.sgdThreshold(0.1, Sgd.momentum(0.9)), 1e-12, "(2 + 2 * 0.9) / 0.1");
        assertEquals(20.0, Sharpness.sgdThreshold(0.1, Sgd.plain()), 1e-12);
    }

    /** The weight after 20,000 steps of {@code rule} at {@code lr} on {@code lambda w^2 / 2} from w = 1. */
    private static double finalWeight(Sgd rule, double lr, double lambda) {
        Param w = new Param("w", Nd4j.ones(DataType.DOUBLE, 1));
        Map<String, Param> params = Map.of("w", w);
        Optimizer opt = Optimizer.of(rule);
        for (int t = 0; t < 20_000 && Math.abs(w.value().getDouble(0)) < 1e6; t++) {
            w.grad().assign(w.value().mul(lambda));
            opt.step(params, lr);
        }
        return w.value().getDouble(0);
    }

    /** Asserts that {@code call} throws an IllegalArgumentException with a one-line message containing {@code expected}. */
    static void assertRejected(String expected, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(expected), "message '" + e.getMessage() + "' should contain '" + expected + "'");
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
    }

    @Test
    void badInputIsRejectedNamingTheValueAndWhatWasExpected() {
        Layer model = Untouched.model(8, true);
        Loss ce = Loss.crossEntropy();
        assertRejected("sharpness: model must not be null", () -> Sharpness.of(null, ce, X, Y));
        assertRejected("sharpness: loss must not be null", () -> Sharpness.of(model, null, X, Y));
        assertRejected("sharpness: features must not be null", () -> Sharpness.of(model, ce, null, Y));
        assertRejected("sharpness: targets must not be null", () -> Sharpness.of(model, ce, X, null));
        assertRejected("input must be [batch, 6], got [5, 9]",
                () -> Sharpness.of(model, ce, Nd4j.zeros(DataType.FLOAT, 5, 9), Y));
        assertRejected("targets must have the features' 5 rows, got [4, 3]",
                () -> Sharpness.of(model, ce, X, Nd4j.zeros(DataType.FLOAT, 4, 3)));
        assertRejected("target must have the output's shape [5, 3], got [5, 4]",
                () -> Sharpness.of(model, ce, X, Nd4j.zeros(DataType.FLOAT, 5, 4)));
        assertRejected("features must be [batch, ...] with batch >= 1, got [6]",
                () -> Sharpness.of(model, ce, Nd4j.zeros(DataType.FLOAT, 6), Y));
        Sharpness s = Sharpness.of(model, ce, X, Y);
        assertRejected("needs an Adam or AdamW optimizer, got Sgd", () -> s.preconditioned(Optimizer.of(Sgd.momentum(0.9))));
        assertRejected("no Adam state for parameter 0.weight", () -> s.preconditioned(Optimizer.of(Adam.defaults())));
        assertRejected("lr must be finite and > 0, got 0.0", () -> Sharpness.gdThreshold(0));
        assertRejected("beta1 must be in [0, 1), got 1.0", () -> Sharpness.adamThreshold(0.1, 1));
        assertRejected("sharpness: settings must not be null", () -> Sharpness.of(model, ce, X, Y, null));
        assertRejected("spectrum settings: regime must not be null", () -> SpectrumSettings.defaults().withRegime(null));
        assertRejected("spectrum settings: tolerance must be in (0, 1), got 0.0", () -> SpectrumSettings.defaults().withTolerance(0));
        assertRejected("spectrum settings: maxIterations must be > 0, got 0", () -> SpectrumSettings.defaults().withMaxIterations(0));
        assertRejected("spectrum settings: relativeStep must be in (0, 1), got -1.0",
                () -> SpectrumSettings.defaults().withRelativeStep(-1));
    }

    @Test
    void modelsItCannotCopyAreNamed() {
        Layer guarded = org.gradlab.nn.OutputGuard.around(Untouched.model(9, true));
        assertRejected("sharpness: cannot copy layer OutputGuard(", () -> Sharpness.of(guarded, Loss.crossEntropy(), X, Y));
        Map<String, Param> none = Sequential.of(org.gradlab.nn.Activation.relu()).namedParams();
        assertTrue(none.isEmpty());
        assertRejected("the model has no parameters", () -> Sharpness.of(Sequential.of(org.gradlab.nn.Activation.relu()),
                Loss.mse(), X, X));
    }
}
