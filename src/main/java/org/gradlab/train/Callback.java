package org.gradlab.train;

/**
 * A plugin of the training step (fastai's callbacks are the anchor). Each hook gets the
 * {@link StepContext}, one mutable object per trainer reused every step: the trainer and the
 * step's facts (step, epoch, rate, batch, then loss and output, then gradient statistics, then
 * what happened). {@link #afterBackward} may veto the update ({@link StepContext#cancelUpdate})
 * or roll back ({@link StepContext#rollBackTo}); any hook may end the run after this step
 * ({@link StepContext#stopTraining}). The monitor, the spike policy, checkpoints, the study's
 * recorders and listeners are callbacks. Every method has an empty default.
 *
 * <p>A callback that learns something a resumed run needs (running statistics, records, a
 * snapshot) is stateful: {@link #state()} returns it as a record and {@link #restore} puts one
 * back. The trainer keeps it in its {@link TrainState} under {@code "position:name"}, so
 * checkpoints, roll-backs and replays save and restore it with everything else.
 *
 * <pre>{@code
 * Trainer.builder(model).lr(1e-3).optimizer(Optimizer.of(Adam.defaults()))
 *         .callback(Checkpoint.everySteps(500, Path.of("run.ckpt"))).build();
 * Trainer.builder(model).lr(1e-3).optimizer(Optimizer.of(Adam.defaults())).callback(new Callback() {
 *     public void afterBackward(StepContext s) {
 *         if (s.gradNorm() > 100) s.cancelUpdate();
 *     }
 *     public boolean needsGradStats() { return true; }
 * }).build();
 * }</pre>
 */
public interface Callback {

    /** When the trainer is built with this callback (once): a callback that needs the trainer's model or parameters reads them here. */
    default void attach(Trainer trainer) {
    }

    /** Before the first step of {@link Trainer#fit}. */
    default void onRunStart(Trainer trainer) {
    }

    /** Before the forward pass: step, epoch, rate and batch are set. */
    default void beforeStep(StepContext step) {
    }

    /** After backward, before the gradient transforms and the update: loss, output and gradient statistics are set. */
    default void afterBackward(StepContext step) {
    }

    /** After the update (or its veto or roll-back), outside the step's workspace. */
    default void afterUpdate(StepContext step) {
    }

    /** After each epoch's evaluation. */
    default void onEpochEnd(Trainer trainer, EpochResult epoch) {
    }

    /** When {@link Trainer#fit} returns, after its last epoch or a stop. */
    default void onRunEnd(Trainer trainer, History history) {
    }

    /** Whether this callback reads {@link StepContext#gradStats()} (measuring them costs one pass). */
    default boolean needsGradStats() {
        return false;
    }

    /** A stable name (it keys this callback's state in checkpoints); the class's simple name unless said otherwise. */
    default String name() {
        Class<?> c = getClass();
        return c.isAnonymousClass() || c.isSynthetic() || c.getSimpleName().isEmpty() ? "callback" : c.getSimpleName();
    }

    /**
     * A deep copy of what this callback has learned, for checkpoints and replays; null (the
     * default) for a callback that keeps nothing a resumed run needs.
     */
    default Record state() {
        return null;
    }

    /**
     * Continues from a saved {@link #state()}; throws {@link IllegalArgumentException}, changing
     * nothing, when it does not fit.
     */
    default void restore(Record saved) {
        throw new IllegalArgumentException(name() + ": keeps no state, got " + saved);
    }
}
