package org.gradlab.train;

/**
 * One epoch: mean training loss and accuracy over its batches (in training mode, as Keras
 * reports them), loss and accuracy on the test data in evaluation mode, and wall-clock seconds
 * of the epoch's training steps.
 */
public record EpochResult(int epoch, double trainLoss, double trainAccuracy, double testLoss, double testAccuracy,
        double seconds) {
}
