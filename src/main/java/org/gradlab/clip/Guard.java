package org.gradlab.clip;

/**
 * Guards against steps that would poison the weights. {@link #skipNonFinite()} skips the
 * optimizer step when any gradient holds NaN or an infinity (Optax's {@code apply_if_finite}),
 * naming the first such parameter in its report; put it first in the chain.
 */
public final class Guard {
    private Guard() {
    }

    /** Skips the step if any gradient is not finite; gradients are left as they are. */
    public static GradientTransform<GradientTransform.NoState> skipNonFinite() {
        return GradientTransform.of("skipNonFinite", (params, stats) -> {
            String bad = stats.firstNonFinite();
            double norm = stats.globalNorm();
            return bad == null ? ClipReport.unchanged(norm, null) : new ClipReport(norm, norm, 1.0, 0, true, bad);
        });
    }
}
