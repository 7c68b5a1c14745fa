package org.gradlab.clip;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executor;
import org.gradlab.nn.Param;

/**
 * Gradient transforms applied in order, as one transform (Optax's {@code chain}): each sees the
 * statistics of the gradients as the previous one left them (measured again only after a
 * transform changed them, with the helper thread the chain was given, if any); a transform that
 * asks to skip the step ends the chain. Its state holds each transform's state under
 * {@code "position:name"} ({@code "1:autoClip(10.0)"}), so a saved state names what it belongs to
 * and cannot be restored into another chain.
 */
public final class Chain implements GradientTransform<Chain.State> {
    private final List<GradientTransform<?>> transforms;
    private final List<String> keys;
    private final Executor helper;

    /** The state of every transform of the chain, by {@code "position:name"}, in order. */
    public record State(Map<String, Record> transforms) {
        public State {
            transforms = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(transforms));
        }
    }

    Chain(List<GradientTransform<?>> transforms) {
        this(transforms, null);
    }

    private Chain(List<GradientTransform<?>> transforms, Executor helper) {
        this.transforms = List.copyOf(transforms);
        this.helper = helper;
        List<String> k = new ArrayList<>();
        for (int i = 0; i < this.transforms.size(); i++) {
            k.add(i + ":" + Objects.requireNonNull(this.transforms.get(i), "gradient transform " + i).name());
        }
        this.keys = List.copyOf(k);
    }

    /** The same chain measuring changed gradients with {@code helper} (a thread lent by the trainer, or null). */
    public Chain withHelper(Executor helper) {
        return new Chain(transforms, helper);
    }

    /** The transforms, in order. */
    public List<GradientTransform<?>> transforms() {
        return transforms;
    }

    /** {@code "position:name"} of each transform, the keys of its state. */
    public List<String> keys() {
        return keys;
    }

    public boolean isEmpty() {
        return transforms.isEmpty();
    }

    @Override
    public String name() {
        return "chain" + keys;
    }

    @Override
    public State init(Map<String, Param> params) {
        Map<String, Record> s = new LinkedHashMap<>();
        for (int i = 0; i < transforms.size(); i++) {
            s.put(keys.get(i), Objects.requireNonNull(transforms.get(i).init(params), keys.get(i) + ": init returned null"));
        }
        return new State(s);
    }

    @Override
    public Update<State> update(Map<String, Param> params, GradStats stats, State state) {
        requireFits(state);
        Map<String, Record> next = new LinkedHashMap<>(state.transforms());
        double before = Double.NaN;
        double after = Double.NaN;
        double scale = 1.0;
        int clipped = 0;
        boolean skip = false;
        String nonFinite = null;
        GradStats current = stats;
        for (int i = 0; i < transforms.size() && !skip; i++) {
            String key = keys.get(i);
            ClipReport r = step(transforms.get(i), params, current, next.get(key), next, key);
            if (i == 0) {
                before = r.totalNorm();
                nonFinite = r.nonFinite();
            }
            after = r.normAfter();
            scale = Math.min(scale, r.scale());
            clipped += r.clipped();
            skip = r.skip();
            if (r.wasClipped() && i + 1 < transforms.size()) {
                current = GradStats.of(params, helper);      // the next transform sees the clipped gradients
            }
        }
        return new Update<>(new ClipReport(before, after, scale, clipped, skip, nonFinite), new State(next));
    }

    @SuppressWarnings("unchecked")
    private static <S extends Record> ClipReport step(GradientTransform<S> t, Map<String, Param> params, GradStats stats,
            Record state, Map<String, Record> next, String key) {
        Update<S> u = t.update(params, stats, (S) state);
        next.put(key, u.state());
        return u.report();
    }

    /**
     * Checks that {@code state} is a state of this chain: the same transforms in the same order,
     * each state of its transform's type; {@link IllegalArgumentException} naming the difference.
     */
    public void requireFits(State state) {
        if (!keys.equals(new ArrayList<>(state.transforms().keySet()))) {
            throw new IllegalArgumentException("gradients: the state is for transforms " + state.transforms().keySet()
                    + " but this trainer has " + keys);
        }
    }

    @Override
    public String toString() {
        return name();
    }
}
