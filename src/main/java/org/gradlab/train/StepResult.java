package org.gradlab.train;

/**
 * One optimizer step: its global index (0-based), epoch (1-based), the batch loss before the
 * update, the learning rate used, the global gradient norm before clipping (NaN when nothing
 * measured it), whether a clip changed the gradients, whether the update was skipped (a guard
 * found non-finite gradients, or a roll-back), and whether the step rolled the run back to its
 * last good state.
 */
public record StepResult(long step, int epoch, double loss, double lr, double gradNorm, boolean clipped,
        boolean skipped, boolean rolledBack) {
}
