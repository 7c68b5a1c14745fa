package org.gradlab.experiment.spec;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.gradlab.experiment.spec.RunSpec.Grad;
import org.gradlab.experiment.spec.RunSpec.Model;
import org.gradlab.experiment.spec.RunSpec.Optim;
import org.gradlab.experiment.spec.RunSpec.Sched;

/**
 * The study's default design, part by part: each part is a list of configurations (runs at seed 0
 * and {@link #EPOCHS} epochs) that {@link #expand} turns into runs, one per seed. A new part is one
 * more entry in {@link #parts()}.
 *
 * <ul>
 *   <li>{@code baseline}: the article's model, Adam 1e-3.
 *   <li>{@code schedules}: the article's model with SGD momentum 0.9: fixed rates against warmup +
 *       cosine, MultiStep, OneCycle and Plateau at peaks 0.05, 0.1 (and 0.2).
 *   <li>{@code clipping}: a 12-layer ReLU MLP made to explode two ways (A: 1.5x He's init at lr
 *       0.02; B: He's init at lr 0.1), each without clipping and with global norm 1 and 10, value
 *       0.1 and 0.01, and AGC 0.01.
 *   <li>{@code structure}: the same MLP without clipping, with other inits, LayerNorm, BatchNorm
 *       and residual connections, at lr 0.02 and 0.1.
 *   <li>{@code rnn}: the digits read as 28 rows by a tanh RNN, a GRU or an LSTM of 128 units, the last
 *       hidden state into Linear(128, 10): the tanh RNN with SGD 0.2 unclipped and clipped at global
 *       norm 1 and 10, the gated cells at SGD 0.2, the RNN at SGD 0.05, RNN (also clipped at 1) and GRU
 *       at SGD 0.02 momentum 0.9, the RNN with Adam 1e-3 and 5e-3 (also clipped at 1), the GRU with
 *       Adam 5e-3.
 * </ul>
 */
public final class Design {
    /** The seeds and epochs of the default study. */
    public static final List<Long> SEEDS = List.of(0L, 1L, 2L);
    public static final int EPOCHS = 10;
    /**
     * The configurations a quick study (seed 0, 2 epochs) runs of parts it does not run whole: the
     * {@code rnn} part's 13 recurrent runs would double a quick study's time, so it runs the tanh RNN
     * at SGD 0.2 unclipped and clipped at 1 and 10 and the gated cells at SGD 0.2.
     */
    public static final Map<String, List<String>> QUICK = Map.of("rnn",
            List.of("rnn_sgd0.2", "rnn_sgd0.2_norm1", "rnn_sgd0.2_norm10", "gru_sgd0.2", "lstm_sgd0.2"));

    /**
     * The parts a full study runs when none are named: the article's experiment (issue 10's
     * design). The {@code rnn} part (39 recurrent runs, several times the cost of the rest) runs
     * when named ({@code --parts rnn}); a quick study covers it too.
     */
    public static final List<String> DEFAULT_PARTS = List.of("baseline", "schedules", "clipping", "structure");

    private Design() {
    }

    /** Every part of the default design, in report order, as configurations at seed 0. */
    public static Map<String, List<RunSpec>> parts() {
        Map<String, List<RunSpec>> parts = new LinkedHashMap<>();
        parts.put("baseline", baseline());
        parts.put("schedules", schedules());
        parts.put("clipping", clipping());
        parts.put("structure", structure());
        parts.put("rnn", rnn());
        return Collections.unmodifiableMap(parts);
    }

    /** The configurations of {@code part} a quick study runs: those {@link #QUICK} names, else all. */
    public static List<RunSpec> quick(String part, List<RunSpec> configs) {
        List<String> names = QUICK.get(part);
        return names == null ? configs : configs.stream().filter(c -> names.contains(c.config())).toList();
    }

    /** One run per configuration and seed, configurations first, each at {@code epochs} epochs. */
    public static List<RunSpec> expand(List<RunSpec> configs, List<Long> seeds, int epochs) {
        return expand(configs.stream().map(c -> c.withEpochs(epochs)).toList(), seeds);
    }

    /** One run per configuration and seed, configurations first, at the configurations' epochs. */
    public static List<RunSpec> expand(List<RunSpec> configs, List<Long> seeds) {
        if (seeds.isEmpty()) {
            throw new IllegalArgumentException("seeds: need at least one seed, got none");
        }
        List<RunSpec> runs = new ArrayList<>();
        for (RunSpec c : configs) {
            for (long s : seeds) {
                runs.add(c.withSeed(s));
            }
        }
        return runs;
    }

    static List<RunSpec> baseline() {
        return List.of(run("baseline", "adam_0.001", Model.article(), Optim.adam(), Sched.of("constant", 1e-3)));
    }

    static List<RunSpec> schedules() {
        List<RunSpec> runs = new ArrayList<>();
        for (double lr : new double[] {0.001, 0.01, 0.03, 0.05, 0.1, 0.2}) {
            runs.add(sgd("fixed_" + num(lr), Sched.of("constant", lr)));
        }
        for (double peak : new double[] {0.05, 0.1}) {
            for (String kind : List.of("warmup_cosine", "multistep", "onecycle", "plateau")) {
                runs.add(sgd(kind + "_" + num(peak), Sched.of(kind, peak)));
            }
        }
        runs.add(sgd("onecycle_0.1_nocycle", new Sched("onecycle", 0.1, false)));
        runs.add(sgd("warmup_cosine_0.2", Sched.of("warmup_cosine", 0.2)));
        runs.add(sgd("onecycle_0.2", Sched.of("onecycle", 0.2)));
        return runs;
    }

    static List<RunSpec> clipping() {
        List<RunSpec> runs = new ArrayList<>();
        for (String way : List.of("A", "B")) {
            Model model = Model.deep(way.equals("A") ? "A" : "he");
            Sched lr = Sched.of("constant", way.equals("A") ? 0.02 : 0.1);
            runs.add(run("clipping", way + "_none", model, Optim.sgdMomentum(), lr));
            for (Grad g : List.of(new Grad("norm", 1), new Grad("norm", 10), new Grad("value", 0.1),
                    new Grad("value", 0.01), new Grad("agc", 0.01))) {
                runs.add(run("clipping", way + "_" + g.kind() + "_" + num(g.threshold()), model, Optim.sgdMomentum(), lr, g));
            }
        }
        return runs;
    }

    static List<RunSpec> structure() {
        Model a = Model.deep("A");
        Model he = Model.deep("he");
        Map<String, Model> models = new LinkedHashMap<>();
        models.put("A", a);
        models.put("he", he);
        models.put("pytorch", Model.deep("pytorch"));
        models.put("ln_A", a.withNorm("layernorm"));
        models.put("ln_he", he.withNorm("layernorm"));
        models.put("bn_A", a.withNorm("batchnorm"));
        models.put("bn_he", he.withNorm("batchnorm"));
        models.put("res1_he", he.withBlock("residual", 1));
        models.put("res0.1_he", he.withBlock("residual", 0.1));
        models.put("res0.1_A", a.withBlock("residual", 0.1));
        models.put("resln_he", he.withBlock("residual_layernorm", 1));
        List<RunSpec> runs = new ArrayList<>();
        for (String m : models.keySet()) {
            runs.add(deep(m, models.get(m), 0.02));
        }
        for (String m : List.of("he", "bn_A", "bn_he", "ln_he", "res0.1_he", "res0.1_A", "resln_he")) {
            runs.add(deep(m, models.get(m), 0.1));
        }
        return runs;
    }

    static List<RunSpec> rnn() {
        Optim sgd = new Optim("sgd", 0);
        Optim momentum = Optim.sgdMomentum();
        Grad clip1 = new Grad("norm", 1);
        return List.of(
                recurrent("rnn", sgd, 0.2), recurrent("rnn", sgd, 0.2, clip1), recurrent("rnn", sgd, 0.2, new Grad("norm", 10)),
                recurrent("gru", sgd, 0.2), recurrent("lstm", sgd, 0.2),
                recurrent("rnn", sgd, 0.05),
                recurrent("rnn", momentum, 0.02), recurrent("rnn", momentum, 0.02, clip1), recurrent("gru", momentum, 0.02),
                recurrent("rnn", Optim.adam(), 0.001),
                recurrent("rnn", Optim.adam(), 0.005), recurrent("rnn", Optim.adam(), 0.005, clip1),
                recurrent("gru", Optim.adam(), 0.005));
    }

    /**
     * A run of the {@code rnn} part, named cell, optimizer and rate, then its clip:
     * {@code rnn_sgd0.2}, {@code gru_sgd0.02_mom0.9}, {@code rnn_adam0.005_norm1}.
     */
    private static RunSpec recurrent(String cell, Optim optimizer, double lr, Grad... gradients) {
        StringBuilder name = new StringBuilder(cell + "_" + optimizer.kind() + num(lr));
        if (optimizer.momentum() > 0) {
            name.append("_mom").append(num(optimizer.momentum()));
        }
        for (Grad g : gradients) {
            name.append('_').append(g.kind()).append(num(g.threshold()));
        }
        return run("rnn", name.toString(), Model.recurrent(cell, 128), optimizer, Sched.of("constant", lr), gradients);
    }

    private static RunSpec sgd(String name, Sched schedule) {
        return run("schedules", name, Model.article(), Optim.sgdMomentum(), schedule);
    }

    private static RunSpec deep(String name, Model model, double lr) {
        return run("structure", name + "_lr" + num(lr), model, Optim.sgdMomentum(), Sched.of("constant", lr));
    }

    private static RunSpec run(String part, String config, Model model, Optim optimizer, Sched schedule, Grad... gradients) {
        return new RunSpec(part, config, model, optimizer, schedule, List.of(gradients), RunSpec.Data.DIGITS, 0, EPOCHS);
    }

    /** A number as people write it: 0.001, 0.1, 10. */
    public static String num(double v) {
        return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }
}
