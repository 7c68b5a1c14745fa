package org.gradlab.train;

/**
 * The simple form of a {@link Callback}: one call per recorded step and per epoch. Every method
 * has an empty default, so a listener overrides only what it needs (DJL's and Keras' callbacks
 * work the same way). To end a run early, call {@link Trainer#stopTraining} on the trainer
 * {@link #onRunStart} received.
 *
 * <pre>{@code
 * Trainer.builder(model).lr(1e-3).optimizer(Optimizer.of(Adam.defaults())).listener(new TrainingListener() {
 *     public void onEpochEnd(EpochResult e) { System.out.println(e); }
 * }).build();
 * }</pre>
 */
public interface TrainingListener extends Callback {

    /** After each optimizer step of {@link Trainer#fit}; gradients of the step are still in the parameters. */
    default void onStep(StepResult step) {
    }

    /** After each epoch's evaluation. */
    default void onEpochEnd(EpochResult epoch) {
    }

    /** After the last epoch (or a stop). */
    default void onRunEnd(History history) {
    }

    @Override
    default void afterUpdate(StepContext step) {
        if (step.result() != null) {
            onStep(step.result());
        }
    }

    @Override
    default void onEpochEnd(Trainer trainer, EpochResult epoch) {
        onEpochEnd(epoch);
    }

    @Override
    default void onRunEnd(Trainer trainer, History history) {
        onRunEnd(history);
    }
}
