package org.gradlab.clip;

import java.util.Map;
import org.gradlab.nn.Param;

/**
 * A step between backward and the optimizer that reads and may change the gradients in place:
 * a clip or a guard. Transforms run in order (a chain such as
 * {@code Guard.skipNonFinite(), Clip.globalNorm(1.0)}); each returns what it measured, so
 * diagnostics never take a second pass over the gradients, and any of them can ask for the
 * step to be skipped.
 */
@FunctionalInterface
public interface GradientTransform {

    /** Transforms the gradients of {@code params} in place and reports what it measured and did. */
    ClipReport applyInPlace(Map<String, Param> params);
}
