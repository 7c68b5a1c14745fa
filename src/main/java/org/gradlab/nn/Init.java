package org.gradlab.nn;

import java.util.function.DoubleSupplier;

/**
 * Weight initialisers for a {@code [fanOut, fanIn]} weight matrix (PyTorch's layout), with the
 * bias rule that goes with each.
 *
 * <ul>
 *   <li>{@link #pytorchDefault()}: what {@code torch.nn.Linear} does, weight and bias
 *       ~ U(-1/sqrt(fanIn), 1/sqrt(fanIn)) (kaiming_uniform with a = sqrt(5)).
 *   <li>{@link #xavierUniform()}, {@link #xavierNormal()}: Glorot and Bengio 2010,
 *       Var(w) = 2 / (fanIn + fanOut).
 *   <li>{@link #heUniform()}, {@link #heNormal()}: He et al. 2015 for ReLU, Var(w) = 2 / fanIn.
 *   <li>{@link #lecunNormal()}: LeCun 1998, Var(w) = 1 / fanIn.
 *   <li>{@link #normal(double)}: N(0, std^2), e.g. a deliberately too large init to make a deep net explode.
 * </ul>
 * All but the PyTorch default use zero biases (Keras' and DL4J's convention).
 */
public record Init(String name, Sampler weight, Sampler bias) {

    /** Draws {@code count} values for a tensor of a layer with the given fans. */
    @FunctionalInterface
    public interface Sampler {
        double[] sample(int fanIn, int fanOut, int count, Rng rng);
    }

    public Init {
        java.util.Objects.requireNonNull(name, "name");
        java.util.Objects.requireNonNull(weight, "weight");
        java.util.Objects.requireNonNull(bias, "bias");
    }

    public static Init pytorchDefault() {
        Sampler s = (in, out, n, rng) -> uniform(1 / Math.sqrt(in), n, rng);
        return new Init("pytorch-default", s, s);
    }

    public static Init xavierUniform() {
        return withZeroBias("xavier-uniform", (in, out, n, rng) -> uniform(Math.sqrt(6.0 / (in + out)), n, rng));
    }

    public static Init xavierNormal() {
        return withZeroBias("xavier-normal", (in, out, n, rng) -> gaussian(Math.sqrt(2.0 / (in + out)), n, rng));
    }

    public static Init heUniform() {
        return withZeroBias("he-uniform", (in, out, n, rng) -> uniform(Math.sqrt(6.0 / in), n, rng));
    }

    public static Init heNormal() {
        return withZeroBias("he-normal", (in, out, n, rng) -> gaussian(Math.sqrt(2.0 / in), n, rng));
    }

    public static Init lecunNormal() {
        return withZeroBias("lecun-normal", (in, out, n, rng) -> gaussian(Math.sqrt(1.0 / in), n, rng));
    }

    /** N(0, std^2) weights, zero biases. */
    public static Init normal(double std) {
        if (!(std > 0) || Double.isInfinite(std)) {
            throw new IllegalArgumentException("normal: std must be finite and > 0, got " + std);
        }
        return withZeroBias("normal(" + std + ")", (in, out, n, rng) -> gaussian(std, n, rng));
    }

    private static Init withZeroBias(String name, Sampler weight) {
        return new Init(name, weight, (in, out, n, rng) -> new double[n]);
    }

    private static double[] uniform(double bound, int n, Rng rng) {
        return fill(n, () -> rng.nextDouble(-bound, bound));
    }

    private static double[] gaussian(double std, int n, Rng rng) {
        return fill(n, () -> rng.nextGaussian() * std);
    }

    private static double[] fill(int n, DoubleSupplier draw) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = draw.getAsDouble();
        }
        return v;
    }
}
