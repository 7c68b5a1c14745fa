package org.gradlab.experiment.spec;

import java.util.Objects;
import org.gradlab.clip.Clip;
import org.gradlab.clip.GradNorms;
import org.gradlab.clip.GradientTransform;
import org.gradlab.clip.Guard;

/**
 * A gradient transform as data: every clip and guard of {@code org.gradlab.clip} with every
 * argument. A run's transforms run in the order its spec lists them.
 */
public sealed interface TransformSpec permits TransformSpec.GlobalNorm, TransformSpec.Value, TransformSpec.PerLayer,
        TransformSpec.Agc, TransformSpec.AutoClipSpec, TransformSpec.ZClipSpec, TransformSpec.SkipNonFinite,
        TransformSpec.Shadow {

    /** The transform (a fresh one: stateful transforms keep their state in the trainer). */
    GradientTransform<?> build();

    /** The global-norm threshold this transform clips at, or NaN when it clips by another rule (for charts). */
    default double normThreshold() {
        return Double.NaN;
    }

    /**
     * PyTorch's {@code clip_grad_norm_}: every gradient times {@code min(maxNorm / (N + 1e-6), 1)}
     * where N is the total {@code normType}-norm; {@code nonFinite} says what a non-finite total does.
     */
    @Kind("global_norm")
    record GlobalNorm(double maxNorm, @Default("2") double normType, @Default("\"propagate\"") Clip.NonFinite nonFinite)
            implements TransformSpec {
        public GlobalNorm {
            build(maxNorm, normType, nonFinite);
        }

        @Override
        public GradientTransform<?> build() {
            return build(maxNorm, normType, nonFinite);
        }

        private static GradientTransform<?> build(double maxNorm, double normType, Clip.NonFinite nonFinite) {
            return Clip.globalNorm(maxNorm, GradNorms.NormType.of(normType), Objects.requireNonNull(nonFinite, "nonFinite"));
        }

        @Override
        public double normThreshold() {
            return normType == 2 ? maxNorm : Double.NaN;
        }
    }

    /** PyTorch's {@code clip_grad_value_}: each element clamped to {@code [-clipValue, clipValue]}. */
    @Kind("value")
    record Value(double clipValue) implements TransformSpec {
        public Value {
            Clip.value(clipValue);
        }

        @Override
        public GradientTransform<?> build() {
            return Clip.value(clipValue);
        }
    }

    /** Global L2-norm clipping of each layer on its own. */
    @Kind("per_layer")
    record PerLayer(double maxNorm) implements TransformSpec {
        public PerLayer {
            Clip.perLayer(maxNorm);
        }

        @Override
        public GradientTransform<?> build() {
            return Clip.perLayer(maxNorm);
        }
    }

    /** Adaptive gradient clipping (Brock et al. 2021), unit-wise; {@code vectors} says what a unit of a bias is. */
    @Kind("agc")
    record Agc(double clipping, @Default("1e-3") double eps, @Default("\"whole\"") Clip.VectorUnits vectors)
            implements TransformSpec {
        public Agc {
            Clip.adaptive(clipping, eps, Objects.requireNonNull(vectors, "vectors"));
        }

        @Override
        public GradientTransform<?> build() {
            return Clip.adaptive(clipping, eps, vectors);
        }
    }

    /** AutoClip (Seetharaman et al. 2020): clip at a percentile of the run's norm history. */
    @Kind("autoclip")
    record AutoClipSpec(@Default("10") double percentile) implements TransformSpec {
        public AutoClipSpec {
            Clip.autoClip(percentile);
        }

        @Override
        public GradientTransform<?> build() {
            return Clip.autoClip(percentile);
        }
    }

    /** ZClip (Kumar et al. 2025): z-score clipping of the global norm against its EMA statistics. */
    @Kind("zclip")
    record ZClipSpec(@Default("0.97") double alpha, @Default("2.5") double zThreshold, @Default("25") int warmup)
            implements TransformSpec {
        public ZClipSpec {
            Clip.zClip(alpha, zThreshold, warmup);
        }

        @Override
        public GradientTransform<?> build() {
            return Clip.zClip(alpha, zThreshold, warmup);
        }
    }

    /** Skips the step when any gradient is not finite (Optax's {@code apply_if_finite}); put it first. */
    @Kind("skip_non_finite")
    record SkipNonFinite() implements TransformSpec {
        @Override
        public GradientTransform<?> build() {
            return Guard.skipNonFinite();
        }
    }

    /** Reports what {@code clip} would do while the gradients stay as they are. */
    @Kind("shadow")
    record Shadow(TransformSpec clip) implements TransformSpec {
        public Shadow {
            Objects.requireNonNull(clip, "clip");
        }

        @Override
        public GradientTransform<?> build() {
            return Clip.shadow(clip.build());
        }
    }
}
