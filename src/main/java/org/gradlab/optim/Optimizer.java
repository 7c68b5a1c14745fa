package org.gradlab.optim;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.function.Predicate;
import org.gradlab.nn.Param;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Applies an {@link UpdateRule} to every parameter, keeping one state record per parameter
 * name. The learning rate is an argument of {@link #step}, never a field: the trainer asks the
 * schedule for it and passes it in. Parameter {@link Group}s give a subset of the parameters
 * another weight decay or a learning-rate multiplier, like PyTorch's param groups.
 *
 * <pre>{@code
 * Optimizer opt = Optimizer.of(AdamW.defaults()).withGroups(Optimizer.Group.noWeightDecay(model));
 * opt.step(model.namedParams(), 1e-3);
 * }</pre>
 */
public final class Optimizer {

    /**
     * Parameters selected by name that train with their own weight decay (when present) and a
     * multiple of the learning rate.
     */
    public record Group(String name, Predicate<String> members, OptionalDouble weightDecay, double lrScale) {
        public Group {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(members, "members");
            Objects.requireNonNull(weightDecay, "weightDecay");
            if (!(lrScale >= 0) || Double.isInfinite(lrScale)) {
                throw new IllegalArgumentException("group " + name + ": lrScale must be finite and >= 0, got " + lrScale);
            }
        }

        /** The parameters whose full names {@code members} accepts, trained like the others until changed. */
        public static Group of(String name, Predicate<String> members) {
            return new Group(name, members, OptionalDouble.empty(), 1.0);
        }

        /**
         * Biases and the parameters of normalisation layers (BatchNorm, LayerNorm) without weight
         * decay: decaying them only fights the normalisation (the usual practice since
         * Goyal et al. 2017 and BERT).
         */
        public static Group noWeightDecay(org.gradlab.nn.Layer model) {
            List<String> names = new ArrayList<>();
            collectNormAndBias(model, "", names);
            return of("no-weight-decay", names::contains).withWeightDecay(0);
        }

        private static void collectNormAndBias(org.gradlab.nn.Layer m, String prefix, List<String> out) {
            boolean norm = m instanceof org.gradlab.nn.BatchNorm || m instanceof org.gradlab.nn.LayerNorm;
            for (Param p : m.params()) {
                if (norm || p.name().equals("bias")) {
                    out.add(prefix + p.name());
                }
            }
            m.children().forEach((n, c) -> collectNormAndBias(c, prefix + n + ".", out));
        }

        public Group withWeightDecay(double wd) {
            return new Group(name, members, OptionalDouble.of(wd), lrScale);
        }

        public Group withLrScale(double scale) {
            return new Group(name, members, weightDecay, scale);
        }
    }

    private final UpdateRule<Record> rule;
    private final List<Group> groups;
    private final Map<String, Record> state = new LinkedHashMap<>();
    private final Map<String, Group> membership = new HashMap<>();

    @SuppressWarnings("unchecked")
    private Optimizer(UpdateRule<? extends Record> rule, List<Group> groups) {
        this.rule = (UpdateRule<Record>) Objects.requireNonNull(rule, "rule");
        this.groups = List.copyOf(groups);
    }

    public static Optimizer of(UpdateRule<? extends Record> rule) {
        return new Optimizer(rule, List.of());
    }

    /** A fresh optimizer with these groups; a parameter belongs to the first group that selects it. */
    public Optimizer withGroups(Group... g) {
        return new Optimizer(rule, List.of(g));
    }

    public UpdateRule<? extends Record> rule() {
        return rule;
    }

    public List<Group> groups() {
        return groups;
    }

    /** One update of every parameter from its current gradient at learning rate {@code lr}. */
    public void step(Map<String, Param> params, double lr) {
        step(params, lr, OptionalDouble.empty());
    }

    /** One update with the momentum (or Adam's beta1) that a cycling schedule sets for this step. */
    public void step(Map<String, Param> params, double lr, OptionalDouble momentum) {
        if (!(lr >= 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException("step: lr must be finite and >= 0, got " + lr);
        }
        UpdateRule<Record> base = momentum.isPresent() ? rule.withMomentum(momentum.getAsDouble()) : rule;
        for (Map.Entry<String, Param> e : params.entrySet()) {
            String name = e.getKey();
            Param p = e.getValue();
            Group g = membership.computeIfAbsent(name, this::groupOf);
            UpdateRule<Record> r = g.weightDecay().isPresent() ? base.withWeightDecay(g.weightDecay().getAsDouble()) : base;
            Record s = state.computeIfAbsent(name, k -> initOutsideWorkspaces(r, p));
            state.put(name, r.apply(p.value(), p.grad(), s, lr * g.lrScale()));
        }
    }

    /** The group of parameter {@code name}: the first that selects it, else the default group "all". */
    public Group groupOf(String name) {
        for (Group g : groups) {
            if (g.members().test(name)) {
                return g;
            }
        }
        return Group.of("all", n -> true);
    }

    /** State lives across steps, so it must not be allocated in a step's workspace. */
    private static Record initOutsideWorkspaces(UpdateRule<Record> r, Param p) {
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            return r.init(p.value());
        }
    }

    /**
     * The optimizer as a table, one row per group (as the article prints Adam's parameters during
     * training): group, parameters, the rate {@code lr} times the group's scale, the update rule's
     * hyperparameters (e.g. beta1, beta2, eps, weightDecay; the group's weight decay where it
     * overrides), and statistics of the state: for every array in the state records (e.g. Adam's
     * expAvg and expAvgSq) its norm over the group's parameters, and the largest step count.
     * Print it with {@code Tables.readable(optimizer.table(lr))} for rounded numbers.
     */
    public tech.tablesaw.api.Table table(double lr) {
        Map<String, List<String>> members = new java.util.LinkedHashMap<>();
        groups.forEach(g -> members.put(g.name(), new ArrayList<>()));
        members.putIfAbsent("all", new ArrayList<>());
        state.keySet().forEach(n -> members.computeIfAbsent(groupOf(n).name(), k -> new ArrayList<>()).add(n));
        members.values().removeIf(List::isEmpty);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Map.Entry<String, List<String>> e : members.entrySet()) {
            Group g = groupOf(e.getValue().get(0));
            Map<String, Object> row = new java.util.LinkedHashMap<>();
            row.put("group", e.getKey());
            row.put("params", (double) e.getValue().size());
            row.put("lr", lr * g.lrScale());
            UpdateRule<Record> r = g.weightDecay().isPresent() ? rule.withWeightDecay(g.weightDecay().getAsDouble()) : rule;
            States.components((Record) r).forEach((k, v) -> row.put(k, v instanceof Boolean b ? (b ? 1.0 : 0.0) : v));
            Map<String, Double> squares = new java.util.LinkedHashMap<>();
            for (String name : e.getValue()) {
                States.components(state.get(name)).forEach((k, v) -> {
                    if (v instanceof org.nd4j.linalg.api.ndarray.INDArray a) {
                        // summed in Java, in order: ND4J's norm2 splits by the OMP_NUM_THREADS the process started with
                        double sq = java.util.Arrays.stream(a.dup('c').data().asDouble()).map(x -> x * x).sum();
                        squares.merge(k + "_norm", sq, Double::sum);
                    } else if (v instanceof Number num) {
                        squares.merge(k, num.doubleValue(), Math::max);
                    }
                });
            }
            squares.forEach((k, v) -> row.put(k, k.endsWith("_norm") ? Math.sqrt(v) : v));
            rows.add(row);
        }
        tech.tablesaw.api.Table t = tech.tablesaw.api.Table.create("optimizer " + rule.getClass().getSimpleName());
        t.addColumns(tech.tablesaw.api.StringColumn.create("group", rows.stream().map(m -> (String) m.get("group")).toList()));
        rows.stream().flatMap(m -> m.keySet().stream()).distinct().filter(k -> !k.equals("group")).forEach(k ->
                t.addColumns(tech.tablesaw.api.DoubleColumn.create(k, rows.stream().mapToDouble(m -> m.get(k) instanceof Number n
                        ? n.doubleValue() : Double.NaN).toArray())));
        return t;
    }

    /** Per-parameter state by parameter name (read-only view); parameters appear after their first step. */
    public Map<String, Record> state() {
        return Collections.unmodifiableMap(state);
    }

    /**
     * Everything this optimizer changes, as a record: the rule (its type and hyperparameters, as
     * {@code rule().toString()}), the group of each parameter, and a deep copy of each parameter's
     * state (the rule's initial state for parameters not stepped yet).
     *
     * @param rule    the update rule, e.g. {@code "Adam[beta1=0.9, ...]"}
     * @param groups  each parameter's group: its name, weight decay and rate multiplier
     * @param params  each parameter's state record
     */
    public record State(String rule, Map<String, String> groups, Map<String, Record> params) {
    }

    /** A deep copy of the state of {@code params}, outside any workspace. */
    public State state(Map<String, Param> params) {
        Map<String, String> g = new LinkedHashMap<>();
        Map<String, Record> s = new LinkedHashMap<>();
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            params.forEach((n, p) -> {
                g.put(n, describe(groupOf(n)));
                Record r = state.get(n);
                s.put(n, r == null ? rule.init(p.value()) : r);
            });
        }
        return new State(rule.toString(), g, States.deepCopy(s));
    }

    /**
     * Continues from a saved {@link #state(Map)}: the rule, the groups and the parameters (names,
     * shapes, dtypes) must be this optimizer's (else {@link IllegalArgumentException} naming both);
     * nothing changes unless all fit; the records are copied in.
     */
    public void restore(State saved, Map<String, Param> params) {
        if (!saved.params().keySet().equals(params.keySet())) {
            throw new IllegalArgumentException("optimizer: the state covers parameters " + saved.params().keySet()
                    + " but the model has " + params.keySet());
        }
        saved.params().forEach((n, r) -> States.components(r).forEach((f, v) -> {
            INDArray want = params.get(n).value();
            if (v instanceof INDArray a && (!java.util.Arrays.equals(a.shape(), want.shape()) || a.dataType() != want.dataType())) {
                throw new IllegalArgumentException("optimizer: state " + n + "." + f + " is " + a.dataType()
                        + java.util.Arrays.toString(a.shape()) + ", expected " + want.dataType()
                        + java.util.Arrays.toString(want.shape()));
            }
        }));
        if (!saved.rule().equals(rule.toString())) {
            throw new IllegalArgumentException("optimizer: the state is for " + saved.rule() + " but this optimizer is " + rule);
        }
        saved.groups().forEach((n, g) -> {
            if (!g.equals(describe(groupOf(n)))) {
                throw new IllegalArgumentException("optimizer: parameter " + n + " was in group " + g
                        + " but is in " + describe(groupOf(n)) + " here");
            }
        });
        state.clear();
        state.putAll(States.deepCopy(saved.params()));
    }

    private static String describe(Group g) {
        return g.name() + "(weightDecay " + (g.weightDecay().isPresent() ? g.weightDecay().getAsDouble() : "default")
                + ", lrScale " + g.lrScale() + ")";
    }
}
