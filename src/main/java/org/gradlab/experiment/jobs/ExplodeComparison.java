package org.gradlab.experiment.jobs;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import org.gradlab.clip.Clip;
import org.gradlab.data.Dataset;
import org.gradlab.data.Mnist;
import org.gradlab.diagnostics.Alarm;
import org.gradlab.diagnostics.Doctor;
import org.gradlab.diagnostics.Monitor;
import org.gradlab.diagnostics.Tables;
import org.gradlab.plot.Charts;
import org.gradlab.plot.DoctorPage;
import org.gradlab.plot.Figure;
import org.gradlab.plot.Outputs;
import org.gradlab.plot.Report;
import org.gradlab.schedule.Schedule;
import org.gradlab.diagnostics.FixReplay;
import org.gradlab.train.History;
import org.gradlab.train.Progress;
import org.gradlab.train.StepResult;
import org.gradlab.train.Trainer;
import org.gradlab.train.TrainerBuilder;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.LongColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.numbers.NumberColumnFormatter;

/**
 * The {@code explode} study: the exploding model ({@link Presets#explodingModel}) trained five
 * ways (fixed rate; fixed with clipping; warmup + cosine; warmup + cosine with clipping; fixed
 * with LayerNorm), the doctor's diagnosis of the fixed run verified by replay
 * ({@link FixReplay}, with the LayerNorm model as the structural alternative), and a sixth run
 * that applies the doctor's top verified fix from the first step. Writes per run its monitor's
 * tables (CSV), the doctor's report (Markdown; HTML with charts; every alarm in
 * {@code fixed-alarms.csv}) and a side-by-side comparison (HTML: loss, accuracy and gradient norm
 * on shared axes, each run's first non-finite step marked).
 *
 * <pre>{@code
 * ExplodeComparison.Result r = ExplodeComparison.run(0, 2, Path.of("runs/explode"), Progress.bar(System.out));
 * System.out.println(r.summary().print());
 * }</pre>
 */
public final class ExplodeComparison {
    /** Name of the sixth run in the summary. */
    public static final String AUTO_FIX = "doctor's fix";

    private ExplodeComparison() {
    }

    /** The summary table (one row per run), the verified diagnosis of the fixed run, each run's history and monitor, and the files written. */
    public record Result(Table summary, Doctor.Diagnosis diagnosis, Map<String, History> histories,
            Map<String, Monitor> monitors, List<Path> written) {
    }

    /** Runs the study with {@code seed} for {@code epochs} epochs, writing into {@code dir}, reporting to {@code progress}. */
    public static Result run(long seed, int epochs, Path dir, Progress progress) throws IOException {
        if (epochs <= 0) {
            throw new IllegalArgumentException("explode: epochs must be > 0, got " + epochs);
        }
        Dataset.Split split = Mnist.bundled().split(seed);
        int perEpoch = (split.train().size() + Presets.ARTICLE_BATCH - 1) / Presets.ARTICLE_BATCH;
        Schedule warmCos = Schedule.cosine(0.1, (long) (epochs - 1) * perEpoch + perEpoch / 2, 1e-4).withWarmup(perEpoch / 2);
        Map<String, Supplier<TrainerBuilder>> variants = new LinkedHashMap<>();
        variants.put("fixed", () -> Presets.explodingTrainer(seed).epochs(epochs));
        variants.put("fixed+clip", () -> Presets.explodingTrainer(seed).epochs(epochs).gradients(Clip.globalNorm(1.0)));
        variants.put("warmup+cosine", () -> Presets.explodingTrainer(seed).epochs(epochs).schedule(warmCos));
        variants.put("warmup+cosine+clip", () -> Presets.explodingTrainer(seed).epochs(epochs).schedule(warmCos)
                .gradients(Clip.globalNorm(1.0)));
        variants.put("fixed+layernorm", () -> Presets.explodingTrainer(seed, true).epochs(epochs));

        Table summary = Table.create("Six ways to train the exploding model", StringColumn.create("run"),
                DoubleColumn.create("test_accuracy"), DoubleColumn.create("final_train_loss"), DoubleColumn.create("max_grad_norm"),
                LongColumn.create("first_non_finite_step"), IntColumn.create("non_finite_steps"),
                DoubleColumn.create("clipped_share"), IntColumn.create("alarms"), StringColumn.create("first_alarm"));
        Map<String, History> histories = new LinkedHashMap<>();
        Map<String, Monitor> monitors = new LinkedHashMap<>();
        List<Path> written = new ArrayList<>();
        Trainer fixed = null;
        for (Map.Entry<String, Supplier<TrainerBuilder>> v : variants.entrySet()) {
            Trainer t = train(v.getKey(), v.getValue().get(), split, progress, summary, histories, monitors, dir, written);
            fixed = fixed == null ? t : fixed;
        }
        FixReplay.Setup setup = FixReplay.Setup.of(variants.get("fixed"), split.train())
                .withAlternative(variants.get("fixed+layernorm")).withProgress(progress.named("doctor"));
        Doctor.Diagnosis d = FixReplay.diagnose(monitors.get("fixed"), fixed.model(), setup);
        if (!d.recommended().isEmpty()) {
            Doctor.Fix top = d.recommended().get(0);
            train(AUTO_FIX + ": " + top.title(), FixReplay.apply(top, setup), split, progress, summary, histories, monitors,
                    dir, written);
        }
        summary.doubleColumn("test_accuracy").setPrintFormatter(NumberColumnFormatter.percent(1));
        summary.doubleColumn("clipped_share").setPrintFormatter(NumberColumnFormatter.percent(1));
        summary.doubleColumn("final_train_loss").setPrintFormatter(Tables.significant(3));
        summary.doubleColumn("max_grad_norm").setPrintFormatter(Tables.significant(3));

        written.add(Outputs.csv(summary, dir.resolve("runs.csv")));
        written.add(Outputs.text(DoctorPage.markdown(d), dir.resolve("doctor.md")));
        written.add(Report.doctor(d).write(dir.resolve("doctor.html")));
        written.add(comparison(summary, histories, d).write(dir.resolve("comparison.html")));
        return new Result(summary, d, histories, monitors, written);
    }

    private static Trainer train(String name, TrainerBuilder b, Dataset.Split split, Progress progress, Table summary,
            Map<String, History> histories, Map<String, Monitor> monitors, Path dir, List<Path> written) throws IOException {
        Monitor monitor = Monitor.create();
        Trainer t = b.callback(monitor).listener(progress.named(name)).build();
        History h = t.fit(split.train(), split.test());
        histories.put(name, h);
        monitors.put(name, monitor);
        Table steps = monitor.steps();
        DoubleColumn g = steps.doubleColumn("grad_norm");
        List<Alarm> alarms = monitor.alarmList().stream().filter(a -> a.kind() != Alarm.Kind.UPDATE_RATIO).toList();
        List<StepResult> bad = h.stepResults().stream().filter(r -> !Double.isFinite(r.loss())).toList();
        summary.stringColumn("run").append(name);
        summary.doubleColumn("test_accuracy").append(h.last().testScore());
        summary.doubleColumn("final_train_loss").append(h.last().trainLoss());
        summary.doubleColumn("max_grad_norm").append(g.isMissing().isEmpty() ? g.max() : Double.POSITIVE_INFINITY);
        summary.longColumn("first_non_finite_step").append(bad.isEmpty() ? -1 : bad.get(0).step());
        summary.intColumn("non_finite_steps").append(bad.size());
        summary.doubleColumn("clipped_share").append(steps.booleanColumn("clipped").asList().stream().filter(x -> x).count()
                / (double) steps.rowCount());
        summary.intColumn("alarms").append(alarms.size());
        summary.stringColumn("first_alarm").append(alarms.isEmpty() ? "none" : alarms.get(0).kind().name().toLowerCase(Locale.ROOT)
                .replace('_', ' ') + " at step " + alarms.get(0).step() + " in " + alarms.get(0).layer());
        String file = name.replaceAll("[^A-Za-z0-9+.-]+", "-");
        written.add(Outputs.csv(steps, dir.resolve(file + "-steps.csv")));
        written.add(Outputs.csv(monitor.layers(), dir.resolve(file + "-layers.csv")));
        written.add(Outputs.csv(monitor.alarms().sortOn("step"), dir.resolve(file + "-alarms.csv")));
        return t;
    }

    /** The side-by-side report: summary, then loss, accuracy and gradient norm of every run on shared axes. */
    private static Report comparison(Table summary, Map<String, History> histories, Doctor.Diagnosis d) {
        Table loss = null;
        Table norm = null;
        Table accuracy = null;
        Map<String, Long> marks = new LinkedHashMap<>();
        for (Map.Entry<String, History> e : histories.entrySet()) {
            Table s = e.getValue().steps();
            Table ep = e.getValue().epochs();
            loss = loss == null ? Table.create("loss", s.column("step").copy()) : loss;
            norm = norm == null ? Table.create("norm", s.column("step").copy()) : norm;
            accuracy = accuracy == null ? Table.create("accuracy", ep.column("epoch").copy()) : accuracy;
            loss.addColumns(aligned(s, "loss", loss.rowCount(), e.getKey()));
            norm.addColumns(aligned(s, "grad_norm", norm.rowCount(), e.getKey()));
            accuracy.addColumns(aligned(ep, "test_accuracy", accuracy.rowCount(), e.getKey()));
            e.getValue().stepResults().stream().filter(r -> !Double.isFinite(r.loss())).findFirst()
                    .ifPresent(r -> marks.put(e.getKey() + ": first non-finite step " + r.step(), r.step()));
        }
        return Report.titled("The exploding model, six ways")
                .paragraph("8 ReLU layers of 128 with a too-large N(0, 0.15^2) initialisation, SGD momentum 0.9 at 0.1; "
                        + "the sixth run applies the doctor's top verified fix from the first step.")
                .table(summary)
                .chart(Figure.of(Charts.markSteps(Charts.logLines(loss, "Training loss per step (shared axes)", "step",
                        "batch loss (log scale)"), marks)))
                .chart(Figure.of(Charts.markSteps(Charts.logLines(norm, "Global gradient norm per step (shared axes)", "step",
                        "gradient norm (log scale)"), marks)))
                .chart(Figure.of(Charts.lines(accuracy, "Test accuracy per epoch (shared axes)", "epoch", "test accuracy",
                        histories.keySet().toArray(String[]::new))))
                .heading("The doctor on the fixed run").paragraph(d.verdict())
                .paragraph(d.ranking().replace("\n", " "));
    }

    /** Column {@code y} of {@code t} named {@code name}, padded with NaN (or cut) to {@code rows}. */
    private static DoubleColumn aligned(Table t, String y, int rows, String name) {
        double[] v = ((tech.tablesaw.api.NumericColumn<?>) t.column(y)).asDoubleArray();
        double[] out = new double[rows];
        for (int i = 0; i < rows; i++) {
            out[i] = i < v.length ? v[i] : Double.NaN;
        }
        return DoubleColumn.create(name, out);
    }
}
