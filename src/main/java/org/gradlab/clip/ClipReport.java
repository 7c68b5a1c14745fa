package org.gradlab.clip;

/**
 * What a {@link GradientTransform} measured and did in one step.
 *
 * @param totalNorm  the global L2 gradient norm before the transform (for a global-norm clip, its norm type)
 * @param normAfter  the global norm after it (NaN where it cannot tell without another pass)
 * @param scale      the smallest factor it multiplied a gradient by (1 when it changed nothing)
 * @param clipped    how many tensors (or units, for adaptive clipping) it changed
 * @param skip       whether the optimizer step should be skipped
 * @param nonFinite  the first parameter whose gradient is not finite, or null
 */
public record ClipReport(double totalNorm, double normAfter, double scale, int clipped, boolean skip, String nonFinite) {

    /** Measured {@code totalNorm}, changed nothing. */
    public static ClipReport unchanged(double totalNorm, String nonFinite) {
        return new ClipReport(totalNorm, totalNorm, 1.0, 0, false, nonFinite);
    }

    public boolean wasClipped() {
        return clipped > 0;
    }
}
