package org.gradlab.experiment.spec;

import java.util.Objects;
import org.gradlab.nn.Init;

/**
 * A Linear layer's initialiser ({@link Init}): its kind and a gain on its scale, PyTorch's
 * {@code gain} argument ({@code he_normal} with gain 1.5 is the study's too-large init A); for
 * {@code normal} the gain is the standard deviation.
 *
 * @param kind the initialiser
 * @param gain the factor on the standard deviation or bound (for {@code normal}, the standard deviation), finite and > 0
 */
public record InitSpec(@Default("\"pytorch\"") Kind kind, @Default("1") double gain) {

    /** The initialisers of {@link Init}. */
    public enum Kind { PYTORCH, XAVIER_UNIFORM, XAVIER_NORMAL, HE_UNIFORM, HE_NORMAL, LECUN_NORMAL, NORMAL }

    public InitSpec {
        Objects.requireNonNull(kind, "kind");
        if (!(gain > 0) || Double.isInfinite(gain)) {
            throw new IllegalArgumentException("gain must be finite and > 0, got " + gain);
        }
    }

    /** {@code kind} at gain 1. */
    public static InitSpec of(Kind kind) {
        return new InitSpec(kind, 1);
    }

    /** The initialiser. */
    public Init build() {
        return switch (kind) {
            case PYTORCH -> Init.pytorchDefault(gain);
            case XAVIER_UNIFORM -> Init.xavierUniform(gain);
            case XAVIER_NORMAL -> Init.xavierNormal(gain);
            case HE_UNIFORM -> Init.heUniform(gain);
            case HE_NORMAL -> Init.heNormal(gain);
            case LECUN_NORMAL -> Init.lecunNormal(gain);
            case NORMAL -> Init.normal(gain);
        };
    }
}
