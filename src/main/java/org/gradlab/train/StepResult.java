package org.gradlab.train;

/**
 * One optimizer step: its global index (0-based), epoch (1-based), the batch loss before the
 * update, the learning rate used, the global gradient norm before clipping (NaN when no
 * gradient transform measured one), whether a clip changed the gradients, and whether the
 * update was skipped (a guard found non-finite gradients).
 */
public record StepResult(long step, int epoch, double loss, double lr, double gradNorm, boolean clipped,
        boolean skipped) {
}
