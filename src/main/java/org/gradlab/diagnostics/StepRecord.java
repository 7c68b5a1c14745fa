package org.gradlab.diagnostics;

/**
 * What the {@link Monitor} recorded for one optimizer step: loss and rate, global gradient norm
 * before and after the gradient transforms, whether they clipped or skipped the update, whether
 * the step was rolled back, and how many alarms it raised.
 */
public record StepRecord(long step, int epoch, double loss, double lr, double gradNorm, double gradNormAfter,
        boolean clipped, boolean skipped, boolean rolledBack, int alarms) {
}
