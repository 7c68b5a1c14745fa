package org.gradlab.diagnostics;

/**
 * Something the {@link Monitor} saw go wrong at one step.
 *
 * @param step      the optimizer step
 * @param kind      what kind of problem
 * @param layer     the parameter it points at (e.g. {@code "6.weight"}), or {@code "global"}
 * @param value     the measured value (a norm, a loss, a ratio)
 * @param threshold the bound it crossed
 * @param message   one sentence for people
 */
public record Alarm(long step, Kind kind, String layer, double value, double threshold, String message) {

    /** The kinds of trouble gradlab recognises. */
    public enum Kind {
        /** A gradient norm (global or one layer's) far above its running statistics. */
        EXPLOSION,
        /** A batch loss far above its running statistics. */
        LOSS_SPIKE,
        /** A layer's gradient norm below the floor, or the bottom/top gradient ratio collapsing. */
        VANISHING,
        /** NaN or infinity, with where it came from: data, forward pass, loss or gradients. */
        NON_FINITE,
        /** An update/weight ratio outside the healthy band. */
        UPDATE_RATIO,
        /** A failure the {@link Forecaster} expects (explosion or collapse), raised before it happens, with the signal that shows it. */
        FORECAST
    }
}
