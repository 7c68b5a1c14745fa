package org.gradlab.experiment;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.gradlab.clip.Clip;
import org.gradlab.data.Dataset;
import org.gradlab.data.Mnist;
import org.gradlab.diagnostics.Alarm;
import org.gradlab.diagnostics.Doctor;
import org.gradlab.diagnostics.Monitor;
import org.gradlab.nn.Backend;
import org.gradlab.nn.Sequential;
import org.gradlab.plot.Charts;
import org.gradlab.plot.Outputs;
import org.gradlab.schedule.Schedule;
import org.gradlab.train.History;
import org.gradlab.train.Trainer;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.numbers.NumberColumnFormatter;

/**
 * A model that really explodes ({@link Presets#explodingModel}), trained five ways on the
 * bundled digits: fixed rate, fixed + global-norm clipping, warmup + cosine, warmup + cosine +
 * clipping, fixed with LayerNorm after each hidden layer. Prints a summary, and writes the
 * doctor's report on the fixed run (Markdown, HTML), each run's monitor tables (CSV) and a chart
 * of the gradient norms (PNG) to a {@link RunFolder}.
 *
 * <pre>{@code
 * ExplodeJob.Result r = ExplodeJob.run(ExplodeJob.Options.defaults(), Path.of("runs/explode"), System.out);
 * r.summary();                                // one row per run
 * }</pre>
 */
public final class ExplodeJob {
    private ExplodeJob() {
    }

    /** What to run: the seed (models, split and batch order) and the epochs per run (at least 1). */
    public record Options(long seed, int epochs) {
        public Options {
            if (epochs < 1) {
                throw new IllegalArgumentException("explode: epochs must be at least 1, got " + epochs);
            }
        }

        /** Seed 0, 2 epochs. */
        public static Options defaults() {
            return new Options(0, 2);
        }
    }

    /** The summary table (one row per run) and the files written (in the committed folder). */
    public record Result(Table summary, List<Path> files) {
    }

    /** Runs the five trainings, printing to {@code log}; {@code out} is checked before training. */
    public static Result run(Options options, Path out, PrintStream log) throws IOException {
        Backend.singleThreaded();
        long seed = options.seed();
        int epochs = options.epochs();
        Dataset.Split split = Mnist.bundled().split(seed);
        int perEpoch = (split.train().size() + Presets.ARTICLE_BATCH - 1) / Presets.ARTICLE_BATCH;
        Schedule warmCos = Schedule.cosine(0.1, (long) (epochs - 1) * perEpoch + perEpoch / 2, 1e-4).withWarmup(perEpoch / 2);
        Map<String, Trainer.Builder> variants = new LinkedHashMap<>();
        variants.put("fixed", Presets.explodingTrainer(seed));
        variants.put("fixed+clip", Presets.explodingTrainer(seed).gradients(Clip.globalNorm(1.0)));
        variants.put("warmup+cosine", Presets.explodingTrainer(seed).schedule(warmCos));
        variants.put("warmup+cosine+clip", Presets.explodingTrainer(seed).schedule(warmCos).gradients(Clip.globalNorm(1.0)));
        variants.put("fixed+layernorm", Presets.explodingTrainer(seed, true));
        try (RunFolder run = RunFolder.open(out)) {
            Path dir = run.dir();
            log.printf(Locale.ROOT, "An exploding model (8 ReLU layers of 128, N(0, 0.15^2) init, SGD momentum 0.9, peak lr 0.1), "
                    + "%d epochs on %d digits, five ways:%n", epochs, split.train().size());
            Table summary = Table.create("runs", StringColumn.create("run"), DoubleColumn.create("test_accuracy"),
                    DoubleColumn.create("max_grad_norm"), IntColumn.create("non_finite_steps"), DoubleColumn.create("clipped_share"),
                    IntColumn.create("alarms"), StringColumn.create("first_alarm"));
            Table norms = null;
            Map<String, Monitor> monitors = new LinkedHashMap<>();
            Map<String, Sequential> models = new LinkedHashMap<>();
            for (Map.Entry<String, Trainer.Builder> v : variants.entrySet()) {
                Monitor monitor = Monitor.create();
                Trainer t = v.getValue().epochs(epochs).monitor(monitor).build();
                History h = t.fit(split.train(), split.test());
                monitors.put(v.getKey(), monitor);
                models.put(v.getKey(), (Sequential) t.model());
                Table steps = monitor.steps();
                DoubleColumn g = steps.doubleColumn("grad_norm");
                List<Alarm> alarms = monitor.alarmList().stream().filter(a -> a.kind() != Alarm.Kind.UPDATE_RATIO).toList();
                summary.stringColumn("run").append(v.getKey());
                summary.doubleColumn("test_accuracy").append(h.last().testAccuracy());
                summary.doubleColumn("max_grad_norm").append(g.isMissing().isEmpty() ? g.max() : Double.POSITIVE_INFINITY);
                summary.intColumn("non_finite_steps").append((int) h.stepResults().stream().filter(r -> !Double.isFinite(r.loss())).count());
                summary.doubleColumn("clipped_share").append(steps.booleanColumn("clipped").asList().stream().filter(b -> b).count()
                        / (double) steps.rowCount());
                summary.intColumn("alarms").append(alarms.size());
                summary.stringColumn("first_alarm").append(alarms.isEmpty() ? "" : alarms.get(0).kind() + " at step "
                        + alarms.get(0).step() + " in " + alarms.get(0).layer());
                if (norms == null) {
                    norms = Table.create("gradient norm per step", steps.longColumn("step").copy());
                }
                norms.addColumns(g.copy().setName(v.getKey()));
                Outputs.csv(steps, dir.resolve(v.getKey() + "-steps.csv"));
                Outputs.csv(monitor.layers(), dir.resolve(v.getKey() + "-layers.csv"));
                Outputs.csv(monitor.alarms(), dir.resolve(v.getKey() + "-alarms.csv"));
            }
            summary.doubleColumn("test_accuracy").setPrintFormatter(NumberColumnFormatter.percent(2));
            summary.doubleColumn("clipped_share").setPrintFormatter(NumberColumnFormatter.percent(1));
            summary.doubleColumn("max_grad_norm").setPrintFormatter(NumberColumnFormatter.fixedWithGrouping(1));
            log.println(summary.print());
            Doctor.Diagnosis d = Doctor.diagnose(monitors.get("fixed"), models.get("fixed"));
            log.println();
            log.println(d.markdown().lines().limit(12).collect(Collectors.joining("\n")));
            List<Path> written = new ArrayList<>();
            written.add(Outputs.csv(summary, dir.resolve("runs.csv")));
            written.add(Outputs.png(Charts.logLines(norms, "Global gradient norm before clipping", "step", "norm"),
                    dir.resolve("grad-norms.png")));
            written.add(Outputs.text(d.markdown(), dir.resolve("doctor.md")));
            written.add(Outputs.text(d.html(), dir.resolve("doctor.html")));
            run.commit();
            List<Path> files = written.stream().map(p -> out.resolve(p.getFileName())).toList();
            log.println();
            files.forEach(p -> log.println("wrote " + p));
            log.println("and per run: <run>-steps.csv, <run>-layers.csv, <run>-alarms.csv in " + out);
            return new Result(summary, files);
        }
    }
}
