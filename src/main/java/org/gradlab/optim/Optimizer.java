package org.gradlab.optim;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.gradlab.nn.Param;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Applies an {@link UpdateRule} to every parameter, keeping one state record per parameter
 * name. The learning rate is an argument of {@link #step}, never a field: the trainer asks the
 * schedule for it and passes it in.
 *
 * <pre>{@code
 * Optimizer opt = Optimizer.of(Adam.defaults());
 * opt.step(model.namedParams(), 1e-3);
 * }</pre>
 */
public final class Optimizer {
    private final UpdateRule<Record> rule;
    private final Map<String, Record> state = new LinkedHashMap<>();

    @SuppressWarnings("unchecked")
    private Optimizer(UpdateRule<? extends Record> rule) {
        this.rule = (UpdateRule<Record>) java.util.Objects.requireNonNull(rule, "rule");
    }

    public static Optimizer of(UpdateRule<? extends Record> rule) {
        return new Optimizer(rule);
    }

    public UpdateRule<? extends Record> rule() {
        return rule;
    }

    /** One update of every parameter from its current gradient at learning rate {@code lr}. */
    public void step(Map<String, Param> params, double lr) {
        if (!(lr >= 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException("step: lr must be finite and >= 0, got " + lr);
        }
        for (Map.Entry<String, Param> e : params.entrySet()) {
            Param p = e.getValue();
            Record s = state.computeIfAbsent(e.getKey(), k -> initOutsideWorkspaces(p));
            state.put(e.getKey(), rule.apply(p.value(), p.grad(), s, lr));
        }
    }

    /** State lives across steps, so it must not be allocated in a step's workspace. */
    private Record initOutsideWorkspaces(Param p) {
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            return rule.init(p.value());
        }
    }

    /** Per-parameter state by parameter name (read-only view). */
    public Map<String, Record> state() {
        return Collections.unmodifiableMap(state);
    }
}
