package org.gradlab.diagnostics;

/**
 * One parameter at one step: gradient norm, max |g| and non-finite count (before clipping),
 * weight norm and update norm (after the update), so the update/weight ratio.
 */
public record LayerStats(long step, String param, double gradNorm, double maxAbs, long nonFinite, double weightNorm,
        double updateNorm) {

    /** ||update|| / ||weight||, the quantity DL4J's training UI charts (healthy around 1e-3). */
    public double updateRatio() {
        return updateNorm / weightNorm;
    }
}
