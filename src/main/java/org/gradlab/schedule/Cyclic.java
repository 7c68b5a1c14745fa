package org.gradlab.schedule;

import org.gradlab.Checks;
import java.util.OptionalDouble;

/**
 * CyclicLR (Smith 2017), PyTorch's semantics: the rate moves between {@code baseLr} and
 * {@code maxLr} in cycles of {@code stepSizeUp + stepSizeDown} steps; the amplitude is scaled per
 * cycle ({@code TRIANGULAR}: 1; {@code TRIANGULAR2}: halved each cycle) or per step
 * ({@code EXP_RANGE}: {@code gamma^k}). Momentum moves inversely between {@code maxMomentum} and
 * {@code baseMomentum}. Made by {@link Schedule#cyclic}.
 *
 * <p>PyTorch's {@code CyclicLR} computes each step from {@code last_epoch} (it is not chainable)
 * with the same formula as here, so every mode, {@code step_size_down} and momentum range agrees
 * with its traces to the last bit.
 *
 * <pre>{@code Schedule.cyclic(1e-3, 0.1, 2000).withMode(Cyclic.Mode.TRIANGULAR2);}</pre>
 */
public record Cyclic(double baseLr, double maxLr, long stepSizeUp, long stepSizeDown, Mode mode, double gamma,
        boolean cycleMomentum, double baseMomentum, double maxMomentum) implements Schedule {

    /** PyTorch's three policies. */
    public enum Mode {
        TRIANGULAR, TRIANGULAR2, EXP_RANGE
    }

    public Cyclic {
        Checks.rate("cyclic", "baseLr", baseLr);
        Checks.rate("cyclic", "maxLr", maxLr);
        Checks.positive("cyclic", "stepSizeUp", stepSizeUp);
        Checks.positive("cyclic", "stepSizeDown", stepSizeDown);
        java.util.Objects.requireNonNull(mode, "mode");
        Checks.positive("cyclic", "gamma", gamma);
        Checks.inRange("cyclic", "baseMomentum", baseMomentum, 0, maxMomentum);
        Checks.inRange("cyclic", "maxMomentum", maxMomentum, baseMomentum, 1);
    }

    public Cyclic withStepSizeDown(long down) {
        return new Cyclic(baseLr, maxLr, stepSizeUp, down, mode, gamma, cycleMomentum, baseMomentum, maxMomentum);
    }

    public Cyclic withMode(Mode m) {
        return new Cyclic(baseLr, maxLr, stepSizeUp, stepSizeDown, m, gamma, cycleMomentum, baseMomentum, maxMomentum);
    }

    /** EXP_RANGE with amplitude {@code gamma^k}. */
    public Cyclic withExpRange(double g) {
        return new Cyclic(baseLr, maxLr, stepSizeUp, stepSizeDown, Mode.EXP_RANGE, g, cycleMomentum, baseMomentum,
                maxMomentum);
    }

    public Cyclic withMomentum(double base, double max) {
        return new Cyclic(baseLr, maxLr, stepSizeUp, stepSizeDown, mode, gamma, true, base, max);
    }

    public Cyclic withoutMomentumCycling() {
        return new Cyclic(baseLr, maxLr, stepSizeUp, stepSizeDown, mode, gamma, false, baseMomentum, maxMomentum);
    }

    @Override
    public double at(long step) {
        return baseLr + (maxLr - baseLr) * scaleFactor(step) * amplitude(step);
    }

    @Override
    public OptionalDouble momentumAt(long step) {
        return cycleMomentum
                ? OptionalDouble.of(maxMomentum - (maxMomentum - baseMomentum) * scaleFactor(step) * amplitude(step))
                : OptionalDouble.empty();
    }

    private double totalSize() {
        return (double) stepSizeUp + stepSizeDown;
    }

    private double cycle(long step) {
        return Math.floor(1 + Checks.step(step) / totalSize());
    }

    /** Position within the cycle: 0 to 1 going up, back to 0 going down. */
    private double scaleFactor(long step) {
        double x = 1.0 + step / totalSize() - cycle(step);
        double ratio = stepSizeUp / totalSize();
        return x <= ratio ? x / ratio : (x - 1) / (ratio - 1);
    }

    private double amplitude(long step) {
        return switch (mode) {
            case TRIANGULAR -> 1.0;
            case TRIANGULAR2 -> 1 / Math.pow(2.0, cycle(step) - 1);
            case EXP_RANGE -> Math.pow(gamma, step);
        };
    }
}
