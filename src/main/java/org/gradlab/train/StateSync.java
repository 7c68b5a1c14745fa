package org.gradlab.train;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.gradlab.nn.Rng;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Takes a trainer's {@link TrainState} and puts one back: the live parts (parameters and buffers,
 * generators, the optimizer, the plateau, the callbacks) are copied out and in; the position and
 * the transforms' state are the trainer's own records, swapped whole. A restore checks every
 * part before it changes anything and puts back what it had changed if one part still fails.
 * Callbacks' states are keyed by {@code "position:name"}.
 */
final class StateSync {
    private StateSync() {
    }

    /** A deep copy of {@code t}'s state; without {@code all}, only what a roll-back restores (no history, no callbacks). */
    static TrainState capture(Trainer t, boolean all) {
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            Map<String, Long> rngs = new LinkedHashMap<>();
            t.model().namedRngs().forEach((n, r) -> rngs.put(n, r.state()));
            return new TrainState(t.position().withShuffle(t.shuffle().state()), t.model().stateDict(), rngs,
                    t.optimizer().state(t.params()), t.plateau() == null ? null : t.plateau().state(), t.transformState(),
                    all ? callbacks(t.callbacks()) : null, all ? t.history().state() : null);
        }
    }

    /** Puts {@code s} into {@code t}, all or nothing; without {@code all}, the roll-back parts and the step only. */
    static void restore(Trainer t, TrainState s, boolean all) {
        Objects.requireNonNull(s, "state");
        if (all && s.position().epochsDone() > t.epochs()) {
            throw new IllegalArgumentException("position: " + s.position().epochsDone() + " epochs are done but this trainer trains "
                    + t.epochs() + "; build it with epochs(" + s.position().epochsDone() + ") or more");
        }
        if ((s.plateau() != null) != (t.plateau() != null)) {
            throw new IllegalArgumentException(s.plateau() != null ? "plateau: the state has a plateau but this trainer has none"
                    : "plateau: the state has no plateau but this trainer has one");
        }
        t.gradients().requireFits(s.transforms());
        if (all) {
            List<String> keys = new ArrayList<>(callbacks(t.callbacks()).keySet());
            if (s.callbacks() == null || !keys.equals(new ArrayList<>(s.callbacks().keySet()))) {
                throw new IllegalArgumentException("callbacks: the state is for stateful callbacks "
                        + (s.callbacks() == null ? "(none)" : s.callbacks().keySet()) + " but this trainer has " + keys);
            }
        }
        Map<String, Rng> live = t.model().namedRngs();
        if (!live.keySet().equals(s.rngs().keySet())) {
            throw new IllegalArgumentException("rngs: the state has random generators " + s.rngs().keySet()
                    + " but the model has " + live.keySet());
        }
        TrainState undo = capture(t, all);
        try {
            apply(t, s, all, live);
        } catch (RuntimeException e) {
            apply(t, undo, all, live);
            throw e;
        }
    }

    private static void apply(Trainer t, TrainState s, boolean all, Map<String, Rng> live) {
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            t.model().loadStateDict(s.model());
            t.optimizer().restore(s.optimizer(), t.params());
            if (all) {
                List<Callback> callbacks = t.callbacks();
                for (int i = 0; i < callbacks.size(); i++) {
                    Record r = s.callbacks().get(i + ":" + callbacks.get(i).name());
                    if (r != null) {
                        callbacks.get(i).restore(r);
                    }
                }
            }
        }
        s.rngs().forEach((n, v) -> live.get(n).restore(v));
        if (t.plateau() != null) {
            t.plateau().restore(s.plateau());
        }
        if (all) {
            t.history().restore(s.history());
            t.resume(s.position(), s.transforms());
            t.shuffle().restore(s.position().shuffle());
        } else {
            TrainState.Position p = t.position();
            t.resume(new TrainState.Position(s.position().step(), p.epochsDone(), p.batchInEpoch(), p.epochShuffle(),
                    p.shuffle(), p.lrScale(), p.rollbacks(), p.epochLossSum(), p.epochScore()), s.transforms());
        }
    }

    /** The states of the stateful callbacks, by {@code "position:name"}. */
    private static Map<String, Record> callbacks(List<Callback> callbacks) {
        Map<String, Record> out = new LinkedHashMap<>();
        for (int i = 0; i < callbacks.size(); i++) {
            Record r = callbacks.get(i).state();
            if (r != null) {
                out.put(i + ":" + callbacks.get(i).name(), r);
            }
        }
        return out;
    }
}
