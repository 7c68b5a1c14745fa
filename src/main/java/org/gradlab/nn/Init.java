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
        return pytorchDefault(1);
    }

    /** PyTorch's default with both bounds times {@code gain}. */
    public static Init pytorchDefault(double gain) {
        Sampler s = (in, out, n, rng) -> uniform(gain * (1 / Math.sqrt(in)), n, rng);
        return new Init(named("pytorch-default", gain), s, s);
    }

    public static Init xavierUniform() {
        return xavierUniform(1);
    }

    /** Glorot's uniform init with the bound times {@code gain} (PyTorch's {@code gain} argument). */
    public static Init xavierUniform(double gain) {
        return withZeroBias(named("xavier-uniform", gain), (in, out, n, rng) -> uniform(gain * Math.sqrt(6.0 / (in + out)), n, rng));
    }

    public static Init xavierNormal() {
        return xavierNormal(1);
    }

    /** Glorot's normal init with the standard deviation times {@code gain}. */
    public static Init xavierNormal(double gain) {
        return withZeroBias(named("xavier-normal", gain), (in, out, n, rng) -> gaussian(gain * Math.sqrt(2.0 / (in + out)), n, rng));
    }

    public static Init heUniform() {
        return heUniform(1);
    }

    /** He's uniform init with the bound times {@code gain}. */
    public static Init heUniform(double gain) {
        return withZeroBias(named("he-uniform", gain), (in, out, n, rng) -> uniform(gain * Math.sqrt(6.0 / in), n, rng));
    }

    public static Init heNormal() {
        return heNormal(1);
    }

    /** He's normal init with the standard deviation times {@code gain}: 1.5 gives the study's too-large init A. */
    public static Init heNormal(double gain) {
        return withZeroBias(named("he-normal", gain), (in, out, n, rng) -> gaussian(gain * Math.sqrt(2.0 / in), n, rng));
    }

    public static Init lecunNormal() {
        return lecunNormal(1);
    }

    /** LeCun's normal init with the standard deviation times {@code gain}. */
    public static Init lecunNormal(double gain) {
        return withZeroBias(named("lecun-normal", gain), (in, out, n, rng) -> gaussian(gain * Math.sqrt(1.0 / in), n, rng));
    }

    private static String named(String name, double gain) {
        if (!(gain > 0) || Double.isInfinite(gain)) {
            throw new IllegalArgumentException(name + ": gain must be finite and > 0, got " + gain);
        }
        return gain == 1 ? name : name + "(x" + gain + ")";
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
