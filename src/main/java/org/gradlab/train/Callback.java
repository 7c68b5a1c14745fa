package org.gradlab.train;

/**
 * A plugin of the training step (fastai's callbacks are the anchor). Each hook gets the
 * {@link StepContext}, one mutable object per trainer reused every step: the trainer and the
 * step's facts (step, epoch, rate, batch, then loss and output, then gradient statistics and
 * alarms, then what happened). {@link #afterBackward} may veto the update
 * ({@link StepContext#cancelUpdate}) or roll back ({@link StepContext#rollBackTo}); any hook may
 * end the run after this step ({@link StepContext#stopTraining}). The monitor, the spike policy
 * and checkpointing are callbacks; so is {@link TrainingListener}, the per-step and per-epoch
 * adapter. Every method has an empty default.
 *
 * <pre>{@code
 * Trainer.builder(model)...callback(Checkpoint.everySteps(500, Path.of("run.ckpt"))).build();
 * Trainer.builder(model)...callback(new Callback() {
 *     public void afterBackward(StepContext s) {
 *         if (s.gradNorm() > 100) s.cancelUpdate();
 *     }
 * }).build();
 * }</pre>
 */
public interface Callback {

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
}
