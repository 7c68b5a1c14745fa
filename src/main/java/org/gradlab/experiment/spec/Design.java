package org.gradlab.experiment.spec;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.gradlab.clip.Clip;
import org.gradlab.experiment.spec.ModelSpec.Mlp;
import org.gradlab.experiment.spec.ScheduleSpec.Constant;
import org.gradlab.train.TrainerBuilder;

/**
 * The study's default design, part by part: each part is a list of configurations (runs at seed 0
 * and {@link #EPOCHS} epochs) that {@link Selection} expands into runs, one per seed. A new part is
 * one more entry in {@link #parts()}.
 *
 * <ul>
 *   <li>{@code baseline}: the article's model, Adam 1e-3.
 *   <li>{@code schedules}: the article's model with SGD momentum 0.9: fixed rates against warmup +
 *       cosine, MultiStep, OneCycle and Plateau at peaks 0.05, 0.1 (and 0.2); seed 0 of the fixed
 *       rates 0.01, 0.1, 0.2 and of the schedules at 0.1 samples the sharpness every
 *       {@value #SHARPNESS_EVERY} steps.
 *   <li>{@code clipping}: a 12-layer ReLU MLP made to explode two ways (A: 1.5x He's init at lr
 *       0.02; B: He's init at lr 0.1), each without clipping and with global norm 1 and 10, value
 *       0.1 and 0.01, and AGC 0.01; seed 0 of each unclipped run measures the Jacobian spectrum at init.
 *   <li>{@code structure}: the same MLP without clipping, with other inits, LayerNorm, BatchNorm
 *       and residual connections, at lr 0.02 and 0.1; seed 0 of each structure at lr 0.02 measures
 *       the Jacobian spectrum at init.
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
     * The parts a full study runs when none are named: the article's experiment. The {@code rnn}
     * part (39 recurrent runs, several times the cost of the rest) runs when named
     * ({@code --parts rnn}); a quick study covers it too.
     */
    public static final List<String> DEFAULT_PARTS = List.of("baseline", "schedules", "clipping", "structure");

    /** What each part of the default design asks, and its title, for the report. */
    public record Question(String title, String question) {
    }

    private static final Map<String, Question> QUESTIONS = Map.of(
            "baseline", new Question("The article's model",
                    "Does the article's model (784-64-64-10, dropout, Adam 1e-3) train on the digits as the article says?"),
            "schedules", new Question("Fixed against scheduled learning rates",
                    "Do learning-rate schedules beat a fixed rate on the article's model, and how high a peak rate do they tolerate?"),
            "clipping", new Question("Gradient clipping",
                    "Does clipping rescue a 12-layer network that explodes (A: too large an init; B: too high a rate), and which clip?"),
            "structure", new Question("Network structure",
                    "Do the initialisation, normalisation and residual connections decide whether the 12-layer network trains?"),
            "rnn", new Question("Recurrent networks",
                    "Does clipping tame the textbook explosion through time in a tanh RNN, and do gated cells (GRU, LSTM) avoid it?"));

    /** The title and question of a part of the default design, or a generic one for a grid's part. */
    public static Question question(String part) {
        return QUESTIONS.getOrDefault(part, new Question(part, "How do the configurations of part '" + part + "' compare?"));
    }

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

    static List<RunSpec> baseline() {
        return List.of(run("baseline", "adam_0.001", ModelSpec.article(), OptimizerSpec.adam(), new Constant(1e-3)));
    }

    static List<RunSpec> schedules() {
        List<RunSpec> runs = new ArrayList<>();
        for (double lr : new double[] {0.001, 0.01, 0.03, 0.05, 0.1, 0.2}) {
            runs.add(sgd("fixed_" + num(lr), new Constant(lr)));
        }
        for (double peak : new double[] {0.05, 0.1}) {
            runs.add(sgd("warmup_cosine_" + num(peak), warmupCosine(peak)));
            runs.add(sgd("multistep_" + num(peak), multiStep(peak)));
            runs.add(sgd("onecycle_" + num(peak), oneCycle(peak, true)));
            runs.add(sgd("plateau_" + num(peak), plateau(peak)));
        }
        runs.add(sgd("onecycle_0.1_nocycle", oneCycle(0.1, false)));
        runs.add(sgd("warmup_cosine_0.2", warmupCosine(0.2)));
        runs.add(sgd("onecycle_0.2", oneCycle(0.2, true)));
        return runs.stream().map(r -> sampled(r.schedule()) ? r.withProbes(ProbeSpec.sharpness(SHARPNESS_EVERY)) : r).toList();
    }

    /** Steps between the sharpness samples of the schedules part (seed 0). */
    public static final int SHARPNESS_EVERY = 50;

    /** The schedules whose sharpness the study samples: the fixed rates 0.01, 0.1 and 0.2, and every schedule peaking at 0.1. */
    private static boolean sampled(ScheduleSpec s) {
        return s instanceof Constant c ? List.of(0.01, 0.1, 0.2).contains(c.lr()) : s.peakLr() == 0.1;
    }

    /** Linear warmup over the first epoch, then cosine to 0 over the rest of the run, step by step. */
    public static ScheduleSpec warmupCosine(double peak) {
        return new ScheduleSpec.Warmup(1, ScheduleSpec.Interval.EPOCH,
                new ScheduleSpec.Cosine(peak, null, 0, ScheduleSpec.Interval.STEP));
    }

    /** x0.1 after epochs 5 and 8. */
    public static ScheduleSpec multiStep(double lr) {
        return new ScheduleSpec.MultiStep(lr, new long[] {5, 8}, 0.1, ScheduleSpec.Interval.EPOCH);
    }

    /** PyTorch's OneCycleLR over the whole run, with or without momentum cycling. */
    public static ScheduleSpec oneCycle(double peak, boolean cycleMomentum) {
        ScheduleSpec.OneCycleSpec s = ScheduleSpec.OneCycleSpec.of(peak);
        return cycleMomentum ? s : s.withoutMomentumCycling();
    }

    /** A constant rate cut x0.1 whenever an epoch's mean training loss fails to improve by 1e-4 relative (patience 0). */
    public static ScheduleSpec plateau(double lr) {
        return new ScheduleSpec.PlateauSpec(new Constant(lr), TrainerBuilder.Metric.TRAIN_LOSS, 0.1, 0, 1e-4,
                org.gradlab.schedule.Plateau.ThresholdMode.REL, 0, 0, 1e-8);
    }

    static List<RunSpec> clipping() {
        List<RunSpec> runs = new ArrayList<>();
        for (String way : List.of("A", "B")) {
            Mlp model = ModelSpec.deep(way.equals("A") ? initA() : InitSpec.of(InitSpec.Kind.HE_NORMAL));
            Constant lr = new Constant(way.equals("A") ? 0.02 : 0.1);
            runs.add(run("clipping", way + "_none", model, OptimizerSpec.sgd(0.9), lr).withProbes(ProbeSpec.jacobianAtInit()));
            runs.add(run("clipping", way + "_norm_1", model, OptimizerSpec.sgd(0.9), lr, norm(1)));
            runs.add(run("clipping", way + "_norm_10", model, OptimizerSpec.sgd(0.9), lr, norm(10)));
            runs.add(run("clipping", way + "_value_0.1", model, OptimizerSpec.sgd(0.9), lr, new TransformSpec.Value(0.1)));
            runs.add(run("clipping", way + "_value_0.01", model, OptimizerSpec.sgd(0.9), lr, new TransformSpec.Value(0.01)));
            runs.add(run("clipping", way + "_agc_0.01", model, OptimizerSpec.sgd(0.9), lr,
                    new TransformSpec.Agc(0.01, 1e-3, Clip.VectorUnits.ELEMENTS)));
        }
        return runs;
    }

    /** The study's init A: He's normal init times 1.5, too large for 12 layers. */
    public static InitSpec initA() {
        return new InitSpec(InitSpec.Kind.HE_NORMAL, 1.5);
    }

    /** Global L2-norm clipping at {@code maxNorm}, PyTorch's {@code clip_grad_norm_}. */
    public static TransformSpec norm(double maxNorm) {
        return new TransformSpec.GlobalNorm(maxNorm, 2, Clip.NonFinite.PROPAGATE);
    }

    static List<RunSpec> structure() {
        Mlp a = ModelSpec.deep(initA());
        Mlp he = ModelSpec.deep(InitSpec.of(InitSpec.Kind.HE_NORMAL));
        Map<String, Mlp> models = new LinkedHashMap<>();
        models.put("A", a);
        models.put("he", he);
        models.put("pytorch", ModelSpec.deep(InitSpec.of(InitSpec.Kind.PYTORCH)));
        models.put("ln_A", a.withNorm(Mlp.Norm.LAYERNORM));
        models.put("ln_he", he.withNorm(Mlp.Norm.LAYERNORM));
        models.put("bn_A", a.withNorm(Mlp.Norm.BATCHNORM));
        models.put("bn_he", he.withNorm(Mlp.Norm.BATCHNORM));
        models.put("res1_he", he.withBlock(Mlp.Block.RESIDUAL, 1));
        models.put("res0.1_he", he.withBlock(Mlp.Block.RESIDUAL, 0.1));
        models.put("res0.1_A", a.withBlock(Mlp.Block.RESIDUAL, 0.1));
        models.put("resln_he", he.withBlock(Mlp.Block.RESIDUAL_LAYERNORM, 1));
        List<RunSpec> runs = new ArrayList<>();
        for (String m : models.keySet()) {   // each structure once: its Jacobian spectrum at init
            runs.add(deep(m, models.get(m), 0.02).withProbes(ProbeSpec.jacobianAtInit()));
        }
        for (String m : List.of("he", "bn_A", "bn_he", "ln_he", "res0.1_he", "res0.1_A", "resln_he")) {
            runs.add(deep(m, models.get(m), 0.1));
        }
        return runs;
    }

    static List<RunSpec> rnn() {
        OptimizerSpec sgd = OptimizerSpec.sgd(0);
        OptimizerSpec momentum = OptimizerSpec.sgd(0.9);
        OptimizerSpec adam = OptimizerSpec.adam();
        LayerSpec.Cell tanh = LayerSpec.Cell.RNN_TANH;
        return List.of(
                recurrent("rnn", tanh, sgd, 0.2), recurrent("rnn", tanh, sgd, 0.2, 1), recurrent("rnn", tanh, sgd, 0.2, 10),
                recurrent("gru", LayerSpec.Cell.GRU, sgd, 0.2), recurrent("lstm", LayerSpec.Cell.LSTM, sgd, 0.2),
                recurrent("rnn", tanh, sgd, 0.05),
                recurrent("rnn", tanh, momentum, 0.02), recurrent("rnn", tanh, momentum, 0.02, 1),
                recurrent("gru", LayerSpec.Cell.GRU, momentum, 0.02),
                recurrent("rnn", tanh, adam, 0.001),
                recurrent("rnn", tanh, adam, 0.005), recurrent("rnn", tanh, adam, 0.005, 1),
                recurrent("gru", LayerSpec.Cell.GRU, adam, 0.005));
    }

    /**
     * A run of the {@code rnn} part, named cell, optimizer and rate, then its clip:
     * {@code rnn_sgd0.2}, {@code gru_sgd0.02_mom0.9}, {@code rnn_adam0.005_norm1}.
     */
    private static RunSpec recurrent(String name, LayerSpec.Cell cell, OptimizerSpec optimizer, double lr, double... clips) {
        StringBuilder config = new StringBuilder(name + "_" + (optimizer instanceof OptimizerSpec.AdamSpec ? "adam" : "sgd")
                + num(lr));
        if (optimizer instanceof OptimizerSpec.SgdSpec s && s.momentum() > 0) {
            config.append("_mom").append(num(s.momentum()));
        }
        List<TransformSpec> gradients = new ArrayList<>();
        for (double c : clips) {
            config.append("_norm").append(num(c));
            gradients.add(norm(c));
        }
        return new RunSpec("rnn", config.toString(), new ModelSpec.RecurrentNet(cell, 128, 1, 28), optimizer, new Constant(lr),
                gradients, DataSpec.Digits.DEFAULT, new LossSpec.CrossEntropy(0), 0, EPOCHS);
    }

    private static RunSpec sgd(String name, ScheduleSpec schedule) {
        return run("schedules", name, ModelSpec.article(), OptimizerSpec.sgd(0.9), schedule);
    }

    private static RunSpec deep(String name, ModelSpec model, double lr) {
        return run("structure", name + "_lr" + num(lr), model, OptimizerSpec.sgd(0.9), new Constant(lr));
    }

    private static RunSpec run(String part, String config, ModelSpec model, OptimizerSpec optimizer, ScheduleSpec schedule,
            TransformSpec... gradients) {
        return new RunSpec(part, config, model, optimizer, schedule, List.of(gradients), DataSpec.Digits.DEFAULT,
                new LossSpec.CrossEntropy(0), 0, EPOCHS);
    }

    /** A number as people write it: 0.001, 0.1, 10. */
    public static String num(double v) {
        return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }
}
