package org.gradlab.schedule;

/**
 * A learning rate as a pure function of the optimizer step (0-based): no hidden state, so a
 * schedule can be previewed, tabulated, charted and resumed from any step.
 *
 * <pre>{@code double lr = Schedule.constant(1e-3).at(step);}</pre>
 */
@FunctionalInterface
public interface Schedule {

    /** The learning rate in effect for optimizer step {@code step} (0-based). */
    double at(long step);

    /** The same rate at every step. */
    static Schedule constant(double lr) {
        if (!(lr > 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException("constant: lr must be finite and > 0, got " + lr);
        }
        return step -> lr;
    }
}
