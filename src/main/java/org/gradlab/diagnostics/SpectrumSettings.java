package org.gradlab.diagnostics;

/**
 * How {@link Sharpness} and {@link JacobianSpectrum} run their {@link Lanczos} iterations: the
 * {@link Regime} (evaluation or training mode), the most products, the relative residual at
 * which to stop, the relative step of the central differences, and the seed of the start vector.
 *
 * <pre>{@code
 * SpectrumSettings s = SpectrumSettings.defaults().withRegime(Regime.TRAINING).withTolerance(1e-6);
 * }</pre>
 *
 * @param regime        evaluation (default) or training mode
 * @param maxIterations the most operator products (Lanczos steps), > 0
 * @param tolerance     stop when {@code ||A y - theta y|| <= tolerance * |theta|}, in (0, 1)
 * @param relativeStep  the central-difference step {@code h = relativeStep * max(||x||, 1) / ||v||}
 *                      for a product with {@code v} at the point {@code x} (weights or layer input),
 *                      in (0, 1)
 * @param seed          seed of the Gaussian start vector
 */
public record SpectrumSettings(Regime regime, int maxIterations, double tolerance, double relativeStep, long seed) {
    /** Central-difference step relative to the point's norm, chosen by measurement (see {@link Sharpness}). */
    public static final double DEFAULT_STEP = 1e-6;

    public SpectrumSettings {
        if (regime == null) {
            throw new IllegalArgumentException("spectrum settings: regime must not be null");
        }
        if (maxIterations <= 0) {
            throw new IllegalArgumentException("spectrum settings: maxIterations must be > 0, got " + maxIterations);
        }
        if (!(tolerance > 0 && tolerance < 1)) {
            throw new IllegalArgumentException("spectrum settings: tolerance must be in (0, 1), got " + tolerance);
        }
        if (!(relativeStep > 0 && relativeStep < 1)) {
            throw new IllegalArgumentException("spectrum settings: relativeStep must be in (0, 1), got " + relativeStep);
        }
    }

    /** Evaluation mode, at most 100 products, tolerance 1e-4, step {@link #DEFAULT_STEP}, seed 0. */
    public static SpectrumSettings defaults() {
        return new SpectrumSettings(Regime.EVALUATION, 100, 1e-4, DEFAULT_STEP, 0);
    }

    public SpectrumSettings withRegime(Regime r) {
        return new SpectrumSettings(r, maxIterations, tolerance, relativeStep, seed);
    }

    public SpectrumSettings withMaxIterations(int n) {
        return new SpectrumSettings(regime, n, tolerance, relativeStep, seed);
    }

    public SpectrumSettings withTolerance(double tol) {
        return new SpectrumSettings(regime, maxIterations, tol, relativeStep, seed);
    }

    public SpectrumSettings withRelativeStep(double step) {
        return new SpectrumSettings(regime, maxIterations, tolerance, step, seed);
    }

    public SpectrumSettings withSeed(long s) {
        return new SpectrumSettings(regime, maxIterations, tolerance, relativeStep, s);
    }
}
