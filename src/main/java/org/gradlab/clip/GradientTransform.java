package org.gradlab.clip;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.gradlab.nn.Param;

/**
 * A step between backward and the optimizer that reads, and may change in place, the gradients:
 * a clip or a guard. It is a pure pair of functions over a typed state, as Optax's
 * {@code GradientTransformation}: {@link #init} gives the state before the first step and
 * {@link #update} takes the step's gradients and the current state and returns what it measured
 * and did ({@link ClipReport}) with the next state. A transform holds no state of its own, so one
 * instance can serve any number of runs, and the trainer keeps every transform's state in its
 * {@code TrainState} (checkpoints, roll-backs and replays restore it bit for bit).
 *
 * <p>Transforms run in order ({@link #chain}); each reads the step's {@link GradStats} instead of
 * measuring the gradients again. A stateless transform can be written as a lambda with
 * {@link #of}; its {@link #name} is what keys its place in a saved state.
 *
 * <pre>{@code
 * GradientTransform<?> chain = GradientTransform.chain(Guard.skipNonFinite(), Clip.globalNorm(1.0));
 * GradientTransform<GradientTransform.NoState> logNorm = GradientTransform.of("log-norm", (params, stats) -> {
 *     System.out.println(stats.globalNorm());
 *     return ClipReport.unchanged(stats.globalNorm(), stats.firstNonFinite());
 * });
 * }</pre>
 *
 * @param <S> the state record ({@link NoState} for a stateless transform)
 */
public interface GradientTransform<S extends Record> {

    /** A stable, readable name: it keys this transform's state in checkpoints, so it must not depend on the JVM. */
    String name();

    /** The state before the first step (for {@code params}, in the trainer's order). */
    S init(Map<String, Param> params);

    /**
     * Transforms the gradients of {@code params} in place, reading {@code stats} (their
     * measurements before this transform) and {@code state}; returns the report and the next
     * state ({@code state} itself is never changed).
     */
    Update<S> update(Map<String, Param> params, GradStats stats, S state);

    /** What one {@link #update} did, and the state it leaves. */
    record Update<S extends Record>(ClipReport report, S state) {
        public Update {
            Objects.requireNonNull(report, "report");
            Objects.requireNonNull(state, "state");
        }
    }

    /** The state of a transform that keeps none. */
    record NoState() {
        /** The one value. */
        public static final NoState INSTANCE = new NoState();
    }

    /** The body of a stateless transform: transforms the gradients in place and reports. */
    @FunctionalInterface
    interface Body {
        ClipReport apply(Map<String, Param> params, GradStats stats);
    }

    /** A stateless transform named {@code name} (stable across JVMs, unlike a lambda's class name). */
    static GradientTransform<NoState> of(String name, Body body) {
        Objects.requireNonNull(body, "body");
        requireName(name);
        return new GradientTransform<>() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public NoState init(Map<String, Param> params) {
                return NoState.INSTANCE;
            }

            @Override
            public Update<NoState> update(Map<String, Param> params, GradStats stats, NoState state) {
                return new Update<>(body.apply(params, stats), NoState.INSTANCE);
            }

            @Override
            public String toString() {
                return name;
            }
        };
    }

    /**
     * The transforms in order as one ({@link Chain}): each sees the statistics of the gradients as
     * the previous one left them (measured again only after a transform changed them); a
     * transform asking to skip the step ends the chain.
     */
    static Chain chain(GradientTransform<?>... transforms) {
        return new Chain(List.of(transforms));
    }

    /** {@link #chain(GradientTransform[])} of a list. */
    static Chain chain(List<GradientTransform<?>> transforms) {
        return new Chain(transforms);
    }

    /**
     * Applies this transform once from its initial state, measuring the gradients first: for a
     * one-off use outside a trainer (a custom loop, a test). Returns what it did.
     */
    default ClipReport applyInPlace(Map<String, Param> params) {
        return update(params, GradStats.of(params), init(params)).report();
    }

    private static void requireName(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("gradient transform: name must not be blank, got "
                    + (name == null ? "null" : "'" + name + "'"));
        }
    }
}
