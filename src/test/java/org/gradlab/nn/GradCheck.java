package org.gradlab.nn;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Central finite differences in float64 against a module's explicit backward pass.
 * The scalar checked is {@code L = sum(forward(x) * r)} for a fixed random {@code r}, so
 * {@code dL/dy = r}.
 */
final class GradCheck {
    static final double H = 1e-6;
    static final double TOLERANCE = 1e-7;

    private GradCheck() {
    }

    static INDArray randn(Rng rng, long... shape) {
        int n = 1;
        for (long s : shape) {
            n *= (int) s;
        }
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = rng.nextGaussian();
        }
        return Nd4j.create(v, shape, DataType.DOUBLE);
    }

    /** Checks dL/dx and dL/dparam of {@code module} (already in float64) at {@code x}; {@code reset} runs before every forward. */
    static void check(Layer module, INDArray x, Runnable reset) {
        Rng rng = Rng.seeded(99);
        reset.run();
        INDArray y = module.forward(x);
        INDArray r = randn(rng, y.shape());
        ToDoubleFunction<INDArray> loss = input -> {
            reset.run();
            return module.forward(input).mul(r).sumNumber().doubleValue();
        };
        reset.run();
        module.forward(x);
        INDArray dx = module.backward(r.dup()).dup();
        Map<String, Param> params = module.namedParams();
        Map<String, INDArray> analytic = new java.util.LinkedHashMap<>();
        params.forEach((n, p) -> analytic.put(n, p.grad().dup()));

        compare("input", dx, x, () -> loss.applyAsDouble(x));
        for (var e : params.entrySet()) {
            compare(e.getKey(), analytic.get(e.getKey()), e.getValue().value(), () -> loss.applyAsDouble(x));
        }
    }

    static void check(Layer module, INDArray x) {
        check(module, x, () -> { });
    }

    /** Compares {@code analytic} with central differences of {@code f} perturbing each entry of {@code target} in place. */
    static void compare(String what, INDArray analytic, INDArray target, java.util.function.DoubleSupplier f) {
        INDArray flat = target.reshape(target.length());
        INDArray a = analytic.reshape(analytic.length());
        double worst = 0;
        for (long i = 0; i < flat.length(); i++) {
            double orig = flat.getDouble(i);
            flat.putScalar(i, orig + H);
            double up = f.getAsDouble();
            flat.putScalar(i, orig - H);
            double down = f.getAsDouble();
            flat.putScalar(i, orig);
            double numeric = (up - down) / (2 * H);
            double err = Math.abs(numeric - a.getDouble(i)) / Math.max(1.0, Math.abs(numeric) + Math.abs(a.getDouble(i)));
            worst = Math.max(worst, err);
        }
        assertTrue(worst < TOLERANCE, what + ": worst relative error " + worst);
    }
}
