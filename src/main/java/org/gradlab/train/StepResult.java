package org.gradlab.train;

/**
 * One optimizer step: its global index (0-based), epoch (1-based), the batch loss before the
 * update and the learning rate used.
 */
public record StepResult(long step, int epoch, double loss, double lr) {
}
