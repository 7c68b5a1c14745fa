package org.gradlab.train;

/**
 * One batch of {@link Trainer#trainBatch}: its loss (before the update), the score summed over
 * it, the global gradient norm the step measured (NaN if nothing did), and whether the gradients
 * were clipped, the update skipped or the run rolled back.
 */
public record BatchResult(double loss, double score, double gradNorm, boolean clipped, boolean skipped,
        boolean rolledBack) {
}
