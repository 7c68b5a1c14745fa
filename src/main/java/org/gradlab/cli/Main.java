package org.gradlab.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.gradlab.clip.Clip;
import org.gradlab.data.Dataset;
import org.gradlab.diagnostics.Alarm;
import org.gradlab.diagnostics.Doctor;
import org.gradlab.diagnostics.Monitor;
import org.gradlab.data.Mnist;
import org.gradlab.experiment.Presets;
import org.gradlab.nn.Backend;
import org.gradlab.plot.Charts;
import org.gradlab.plot.Outputs;
import org.gradlab.nn.Sequential;
import org.gradlab.plot.Report;
import org.gradlab.schedule.Schedule;
import org.gradlab.train.EpochResult;
import org.gradlab.train.History;
import org.gradlab.train.Trainer;
import org.gradlab.train.TrainingListener;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.numbers.NumberColumnFormatter;

/**
 * gradlab's command line.
 *
 * <pre>
 * java -jar target/notebook/classpath.jar article [--seed N] [--epochs N] [--out DIR]
 *                                                 [--images FILE --labels FILE]
 * </pre>
 */
public final class Main {
    private static final String USAGE = """
            usage: gradlab <command> [options]

            commands:
              article   train the article's MLP (784-64-64-10, ReLU, dropout 0.2/0.5, Adam lr 1e-3,
                        batch 32, 10 epochs) on the bundled digits; print the epoch table and write
                        tables (CSV), charts (PNG) and a report (HTML)
                          --seed N         model, split and batch-order seed (default 0)
                          --epochs N       epochs (default 10)
                          --out DIR        output folder (default runs/article)
                          --images FILE    IDX images instead of the bundled digits (e.g. official MNIST)
                          --labels FILE    IDX labels that go with --images
              explode   train a model that really explodes (8 ReLU layers, too-large init, SGD momentum at
                        0.1) five ways: fixed rate, fixed + global-norm clipping, warmup + cosine,
                        warmup + cosine + clipping, fixed with LayerNorm after each hidden layer;
                        print a summary, write the doctor's report on the fixed run (Markdown,
                        HTML), the monitors' tables (CSV) and a chart of the gradient norms (PNG)
                          --seed N         model, split and batch-order seed (default 0)
                          --epochs N       epochs (default 2)
                          --out DIR        output folder (default runs/explode)
              study     the experiment: fixed against scheduled learning rates, clipping and structure,
                        over seeds, in parallel, resumable; writes runs.csv, summary.csv, charts, report.html
                        (options: gradlab study --help)
              help      this text
            """;

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs a command; returns the process exit code (0 ok, 2 bad usage, 1 failure). */
    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].equals("help") || args[0].equals("--help")) {
            out.print(USAGE);
            return args.length == 0 ? 2 : 0;
        }
        if (args[0].equals("study")) {
            return StudyCommand.run(java.util.Arrays.copyOfRange(args, 1, args.length), out, err);
        }
        try {
            Map<String, String> opts = options(args);
            return switch (args[0]) {
                case "article" -> article(opts, out);
                case "explode" -> explode(opts, out);
                default -> throw new IllegalArgumentException("unknown command '" + args[0] + "'");
            };
        } catch (IllegalArgumentException e) {
            err.println("gradlab: " + e.getMessage());
            err.print(USAGE);
            return 2;
        } catch (IOException e) {
            err.println("gradlab: " + e.getMessage());
            return 1;
        }
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> opts = new LinkedHashMap<>();
        for (int i = 1; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --option value, got '" + args[i] + "'");
            }
            opts.put(args[i].substring(2), args[++i]);
        }
        return opts;
    }

    private static int article(Map<String, String> opts, PrintStream out) throws IOException {
        Backend.singleThreaded();
        List<String> known = List.of("seed", "epochs", "out", "images", "labels");
        for (String k : opts.keySet()) {
            if (!known.contains(k)) {
                throw new IllegalArgumentException("article: unknown option --" + k + " (known: " + known + ")");
            }
        }
        long seed = number(opts, "seed", 0);
        int epochs = (int) number(opts, "epochs", Presets.ARTICLE_EPOCHS);
        Path dir = Path.of(opts.getOrDefault("out", "runs/article"));
        Dataset data;
        String source;
        if (opts.containsKey("images") != opts.containsKey("labels")) {
            throw new IllegalArgumentException("article: --images and --labels go together");
        } else if (opts.containsKey("images")) {
            data = Mnist.load(Path.of(opts.get("images")), Path.of(opts.get("labels")));
            source = opts.get("images");
        } else {
            data = Mnist.bundled();
            source = "the 10,000 bundled MNIST digits";
        }
        Dataset.Split split = data.split(seed);
        out.printf(Locale.ROOT, "The article's model on %s: %d train / %d test, seed %d, %d epochs%n",
                source, split.train().size(), split.test().size(), seed, epochs);
        Trainer trainer = Presets.articleTrainer(seed).epochs(epochs).listener(new TrainingListener() {
            @Override
            public void onEpochEnd(EpochResult e) {
                out.printf(Locale.ROOT, "epoch %2d  train loss %.4f  test loss %.4f  test accuracy %.2f%%  (%.1f s)%n",
                        e.epoch(), e.trainLoss(), e.testLoss(), 100 * e.testAccuracy(), e.seconds());
            }
        }).build();
        History h = trainer.fit(split.train(), split.test());
        out.println();
        out.println(h.epochs().print());

        List<Path> written = new ArrayList<>();
        written.add(Outputs.csv(h.epochs(), dir.resolve("epochs.csv")));
        written.add(Outputs.csv(h.steps(), dir.resolve("steps.csv")));
        written.add(Outputs.png(Charts.epochLoss(h.epochs()), dir.resolve("loss.png")));
        written.add(Outputs.png(Charts.epochAccuracy(h.epochs()), dir.resolve("accuracy.png")));
        written.add(Outputs.png(Charts.stepLoss(h.steps()), dir.resolve("step-loss.png")));
        written.add(Report.titled("The article's model, reproduced with gradlab")
                .paragraph(String.format(Locale.ROOT, "784-64 ReLU, Dropout 0.2, 64 ReLU, Dropout 0.5, 10 logits; "
                        + "softmax cross-entropy; Adam lr 1e-3; batch 32; %d epochs; %s split %d/%d with seed %d.",
                        epochs, source, split.train().size(), split.test().size(), seed))
                .paragraph(String.format(Locale.ROOT, "Final test accuracy: %.2f%%.", 100 * h.last().testAccuracy()))
                .table(h.epochs())
                .chart(Charts.epochLoss(h.epochs()))
                .chart(Charts.epochAccuracy(h.epochs()))
                .chart(Charts.stepLoss(h.steps()))
                .write(dir.resolve("report.html")));
        out.printf(Locale.ROOT, "final test accuracy %.2f%%%n", 100 * h.last().testAccuracy());
        written.forEach(p -> out.println("wrote " + p));
        return 0;
    }

    private static int explode(Map<String, String> opts, PrintStream out) throws IOException {
        Backend.singleThreaded();
        List<String> known = List.of("seed", "epochs", "out");
        for (String k : opts.keySet()) {
            if (!known.contains(k)) {
                throw new IllegalArgumentException("explode: unknown option --" + k + " (known: " + known + ")");
            }
        }
        long seed = number(opts, "seed", 0);
        int epochs = (int) number(opts, "epochs", 2);
        Path dir = Path.of(opts.getOrDefault("out", "runs/explode"));
        Dataset.Split split = Mnist.bundled().split(seed);
        int perEpoch = (split.train().size() + Presets.ARTICLE_BATCH - 1) / Presets.ARTICLE_BATCH;
        Schedule warmCos = Schedule.cosine(0.1, (long) (epochs - 1) * perEpoch + perEpoch / 2, 1e-4).withWarmup(perEpoch / 2);
        Map<String, Trainer.Builder> variants = new LinkedHashMap<>();
        variants.put("fixed", Presets.explodingTrainer(seed));
        variants.put("fixed+clip", Presets.explodingTrainer(seed).gradients(Clip.globalNorm(1.0)));
        variants.put("warmup+cosine", Presets.explodingTrainer(seed).schedule(warmCos));
        variants.put("warmup+cosine+clip", Presets.explodingTrainer(seed).schedule(warmCos).gradients(Clip.globalNorm(1.0)));
        variants.put("fixed+layernorm", Presets.explodingTrainer(seed, true));
        out.printf(Locale.ROOT, "An exploding model (8 ReLU layers of 128, N(0, 0.15^2) init, SGD momentum 0.9, peak lr 0.1), "
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
        out.println(summary.print());
        Doctor.Diagnosis d = Doctor.diagnose(monitors.get("fixed"), models.get("fixed"));
        out.println();
        out.println(d.markdown().lines().limit(12).collect(java.util.stream.Collectors.joining("\n")));
        List<Path> written = new ArrayList<>();
        written.add(Outputs.csv(summary, dir.resolve("runs.csv")));
        written.add(Outputs.png(Charts.logLines(norms, "Global gradient norm before clipping", "step", "norm"),
                dir.resolve("grad-norms.png")));
        written.add(Outputs.text(d.markdown(), dir.resolve("doctor.md")));
        written.add(Outputs.text(d.html(), dir.resolve("doctor.html")));
        out.println();
        written.forEach(p -> out.println("wrote " + p));
        out.println("and per run: <run>-steps.csv, <run>-layers.csv, <run>-alarms.csv in " + dir);
        return 0;
    }

    private static long number(Map<String, String> opts, String key, long fallback) {
        String v = opts.get(key);
        if (v == null) {
            return fallback;
        }
        try {
            long n = Long.parseLong(v);
            if (key.equals("epochs") && n <= 0) {
                throw new IllegalArgumentException("--epochs must be > 0, got " + n);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + key + " must be a whole number, got '" + v + "'");
        }
    }
}
