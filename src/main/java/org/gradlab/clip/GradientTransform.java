package org.gradlab.clip;

import java.util.Map;
import org.gradlab.diagnostics.GradStats;
import org.gradlab.nn.Param;

/**
 * A step between backward and the optimizer that reads and may change the gradients in place:
 * a clip or a guard. Transforms run in order (a chain such as
 * {@code Guard.skipNonFinite(), Clip.globalNorm(1.0)}); each reads the step's {@link GradStats}
 * instead of measuring the gradients again, returns what it measured and did, and may ask for
 * the step to be skipped.
 */
@FunctionalInterface
public interface GradientTransform {

    /** Transforms the gradients of {@code params} in place; {@code stats} are their measurements before this transform. */
    ClipReport apply(Map<String, Param> params, GradStats stats);

    /**
     * A deep copy of what this transform has learned (AutoClip's norms, ZClip's statistics), for
     * roll-backs and checkpoints; null for a stateless transform.
     */
    default Record state() {
        return null;
    }

    /**
     * Continues from a saved {@link #state()}; throws {@link IllegalArgumentException}, changing
     * nothing, when it does not fit.
     */
    default void restore(Record saved) {
        if (saved != null) {
            throw new IllegalArgumentException(this + ": keeps no state, got " + saved);
        }
    }

    /** Measures the gradients, then {@link #apply}s. */
    default ClipReport applyInPlace(Map<String, Param> params) {
        return apply(params, GradStats.of(params));
    }
}
