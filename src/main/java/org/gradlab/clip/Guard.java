package org.gradlab.clip;

import java.util.Map;
import org.gradlab.nn.Param;

/**
 * Guards against steps that would poison the weights. {@link #skipNonFinite()} skips the
 * optimizer step when any gradient holds NaN or an infinity (Optax's {@code apply_if_finite}),
 * naming the first such parameter in its report; put it first in the chain.
 */
public final class Guard {
    private Guard() {
    }

    /** Skips the step if any gradient is not finite; gradients are left as they are. */
    public static GradientTransform skipNonFinite() {
        return params -> {
            for (Map.Entry<String, Param> e : params.entrySet()) {
                if (GradNorms.hasNonFinite(e.getValue().grad())) {
                    return new ClipReport(Double.NaN, 1.0, 0, true, e.getKey());
                }
            }
            return ClipReport.unchanged(Double.NaN);
        };
    }
}
