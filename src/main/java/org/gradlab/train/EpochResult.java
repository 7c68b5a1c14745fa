package org.gradlab.train;

/**
 * One epoch: mean training loss and score over its batches (in training mode, as Keras reports
 * them), loss and score on the test data in evaluation mode, and wall-clock seconds of the
 * epoch's training steps. The score is the trainer's {@link Score} (accuracy by default); the
 * {@link History} names it.
 */
public record EpochResult(int epoch, double trainLoss, double trainScore, double testLoss, double testScore,
        double seconds) {
}
