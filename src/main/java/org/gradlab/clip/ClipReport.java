package org.gradlab.clip;

/**
 * What a {@link GradientTransform} measured and did in one step.
 *
 * @param totalNorm  the global gradient norm before the transform (NaN where it does not measure one)
 * @param scale      the smallest factor it multiplied a gradient by (1 when it changed nothing)
 * @param clipped    how many tensors (or units, for adaptive clipping) it changed
 * @param skip       whether the optimizer step should be skipped
 * @param nonFinite  the first parameter whose gradient is not finite, or null
 */
public record ClipReport(double totalNorm, double scale, int clipped, boolean skip, String nonFinite) {

    /** Nothing measured, nothing changed. */
    public static ClipReport unchanged(double totalNorm) {
        return new ClipReport(totalNorm, 1.0, 0, false, null);
    }

    public boolean wasClipped() {
        return clipped > 0;
    }
}
