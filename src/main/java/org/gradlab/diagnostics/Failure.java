package org.gradlab.diagnostics;

import java.util.Locale;
import java.util.Optional;

/**
 * When and how a run failed, from its per-step batch losses and gradient norms alone: the label a
 * {@link Forecaster} is scored against. An <b>explosion</b> fails at the first step whose loss is
 * not finite or whose gradient norm (before clipping) is above {@value #EXPLOSION_NORM} or not
 * finite; a run without one has <b>collapsed</b> at the first step {@code s} from which the mean
 * of the last {@value #WINDOW} batch losses (steps {@code s - 99 .. s}) stays above
 * {@value #COLLAPSE_LOSS} to the end of the run ({@code ln 10 = 2.30} is chance on ten classes).
 * A run that never learns collapses at step {@value #WINDOW} - 1, the first full window; a run
 * shorter than the window cannot collapse. Steps count from 0.
 *
 * <pre>{@code
 * double[] losses = {2.30, 1.90, 1.70, Double.NaN};    // per step: the batch loss ...
 * double[] gradNorms = {1.2, 3.5, 40.0, 2e4};           // ... and the gradient norm before clipping
 * Optional<Failure> f = Failure.of(losses, gradNorms);   // explosion at step 3; empty for a healthy run
 * }</pre>
 *
 * @param step the first failing step
 * @param kind explosion or collapse
 * @param why  what crossed which bound, in words
 */
public record Failure(long step, Kind kind, String why) {
    /** A gradient norm above this is an explosion. */
    public static final double EXPLOSION_NORM = 1e3;
    /** A run whose windowed mean loss stays above this has collapsed. */
    public static final double COLLAPSE_LOSS = 2.0;
    /** Steps in the collapse window. */
    public static final int WINDOW = 100;

    /** How a run fails: what a forecast expects. */
    public enum Kind {
        /** The loss turns non-finite or the gradient norm passes 1e3. */
        EXPLOSION,
        /** The loss stays near chance (its 100-step mean above 2.0) to the end, without an explosion. */
        COLLAPSE;

        /** The lower-case word people read. */
        public String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * The failure of a run with these per-step batch losses and pre-clip gradient norms (as many
     * of each), or empty when it did not fail.
     */
    public static Optional<Failure> of(double[] losses, double[] gradNorms) {
        if (losses == null || gradNorms == null || losses.length != gradNorms.length) {
            throw new IllegalArgumentException("failure: need as many losses as gradient norms, got "
                    + (losses == null ? "no losses" : losses.length + " losses") + " and "
                    + (gradNorms == null ? "no norms" : gradNorms.length + " norms"));
        }
        for (int s = 0; s < losses.length; s++) {
            if (!Double.isFinite(losses[s])) {
                return Optional.of(new Failure(s, Kind.EXPLOSION, "the loss is " + losses[s] + " at step " + s));
            }
            if (!(gradNorms[s] <= EXPLOSION_NORM)) {
                return Optional.of(new Failure(s, Kind.EXPLOSION, String.format(Locale.ROOT,
                        "the gradient norm is %s at step %d, above %.0e", Tables.g3(gradNorms[s]), s, EXPLOSION_NORM)));
            }
        }
        if (losses.length < WINDOW) {
            return Optional.empty();
        }
        double sum = 0;
        for (int s = 0; s < WINDOW; s++) {
            sum += losses[s];
        }
        long from = -1;   // the first window end since which every window's mean stayed above the bound
        for (int end = WINDOW - 1; end < losses.length; end++) {
            if (end >= WINDOW) {
                sum += losses[end] - losses[end - WINDOW];
            }
            boolean high = sum / WINDOW > COLLAPSE_LOSS;
            from = high ? (from < 0 ? end : from) : -1;
        }
        return from < 0 ? Optional.empty() : Optional.of(new Failure(from, Kind.COLLAPSE, String.format(Locale.ROOT,
                "the mean of the last %d batch losses stays above %.1f from step %d to the end (step %d)", WINDOW, COLLAPSE_LOSS,
                from, losses.length - 1)));
    }
}
