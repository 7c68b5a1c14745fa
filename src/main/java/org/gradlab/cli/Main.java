package org.gradlab.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.gradlab.data.Dataset;
import org.gradlab.data.Mnist;
import org.gradlab.experiment.Presets;
import org.gradlab.nn.Backend;
import org.gradlab.plot.Charts;
import org.gradlab.plot.Outputs;
import org.gradlab.plot.Report;
import org.gradlab.train.EpochResult;
import org.gradlab.train.History;
import org.gradlab.train.Trainer;
import org.gradlab.train.TrainingListener;

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
        try {
            Map<String, String> opts = options(args);
            return switch (args[0]) {
                case "article" -> article(opts, out);
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
