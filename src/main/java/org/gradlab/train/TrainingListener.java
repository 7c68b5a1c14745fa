package org.gradlab.train;

/**
 * Hooks into a {@link Trainer} run. Every method has an empty default, so a listener overrides
 * only what it needs (DJL's and Keras' callbacks work the same way).
 *
 * <pre>{@code
 * trainer.fit(train, test, new TrainingListener() {
 *     public void onEpochEnd(EpochResult e) { System.out.println(e); }
 * });
 * }</pre>
 */
public interface TrainingListener {

    /** Before the first step. */
    default void onRunStart(Trainer trainer) {
    }

    /** After each optimizer step; gradients of the step are still in the parameters. */
    default void onStep(StepResult step) {
    }

    /** After each epoch's evaluation. */
    default void onEpochEnd(EpochResult epoch) {
    }

    /** After the last epoch. */
    default void onRunEnd(History history) {
    }
}
