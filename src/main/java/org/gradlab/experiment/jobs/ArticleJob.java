package org.gradlab.experiment.jobs;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.gradlab.Words;
import org.gradlab.data.Dataset;
import org.gradlab.data.IdxFormatException;
import org.gradlab.data.Mnist;
import org.gradlab.nn.Backend;
import org.gradlab.plot.Charts;
import org.gradlab.plot.Figure;
import org.gradlab.plot.Outputs;
import org.gradlab.plot.Report;
import org.gradlab.train.EpochResult;
import org.gradlab.train.History;
import org.gradlab.train.Progress;
import org.gradlab.train.TrainingListener;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.Table;

/**
 * The article's experiment as a job: trains {@link Presets#articleModel} on the bundled digits
 * (or IDX files), prints the epoch table, and writes tables (CSV), charts (PNG) and a report
 * (HTML) to a {@link RunFolder}.
 *
 * <pre>{@code
 * ArticleJob.Result r = ArticleJob.run(ArticleJob.Options.defaults().withEpochs(3), Path.of("runs/article"), System.out);
 * r.history().epochs();                       // the epoch table
 * }</pre>
 */
public final class ArticleJob {
    private static final int IMAGE_SIZE = 784;

    private ArticleJob() {
    }

    /**
     * What to run: the seed (model, split and batch order), epochs (at least 1), and optionally
     * IDX images and labels instead of the bundled digits (both or neither).
     */
    public record Options(long seed, int epochs, Path images, Path labels) {
        public Options {
            if (epochs < 1) {
                throw new IllegalArgumentException("article: epochs must be at least 1, got " + epochs);
            }
            if ((images == null) != (labels == null)) {
                throw new IllegalArgumentException("article: images and labels go together, got only "
                        + (images == null ? "labels " + labels : "images " + images));
            }
        }

        /** Seed 0, the article's 10 epochs, the bundled digits. */
        public static Options defaults() {
            return new Options(0, Presets.ARTICLE_EPOCHS, null, null);
        }

        public Options withSeed(long seed) {
            return new Options(seed, epochs, images, labels);
        }

        public Options withEpochs(int epochs) {
            return new Options(seed, epochs, images, labels);
        }

        public Options withData(Path images, Path labels) {
            return new Options(seed, epochs, images, labels);
        }
    }

    /** The run's history and the files it wrote (in the committed folder). */
    public record Result(History history, List<Path> files) {
    }

    /**
     * Runs the experiment, printing progress to {@code log}. The data and {@code out} are checked
     * before training: IDX errors and images that are not 28x28 raise {@link IdxFormatException},
     * an unusable or busy folder, or one another kind of job made, an {@link IOException} from {@link RunFolder#open}. Each finished
     * epoch is in {@code out.partial/epochs.csv} while the job runs.
     */
    public static Result run(Options options, Path out, PrintStream log) throws IOException {
        return run(options, out, false, log);
    }

    /**
     * {@link #run(Options, Path, PrintStream)}; with {@code fresh}, {@code out} may hold another
     * kind of job's results, which this run replaces when it finishes.
     */
    public static Result run(Options options, Path out, boolean fresh, PrintStream log) throws IOException {
        Dataset data;
        String source;
        if (options.images() != null) {
            data = Mnist.load(options.images(), options.labels());
            source = options.images().toString();
            if (data.inputSize() != IMAGE_SIZE) {
                throw new IdxFormatException(source, "images have " + data.inputSize()
                        + " pixels; the article's model takes 28x28 = " + IMAGE_SIZE);
            }
        } else {
            data = Mnist.bundled();
            source = "the 10,000 bundled MNIST digits";
        }
        Dataset.Split split = data.split(options.seed());
        try (RunFolder run = RunFolder.open(out, "article", fresh)) {
            log.printf(Locale.ROOT, "The article's model on %s: %d train / %d test, seed %d, %s%n",
                    source, split.train().size(), split.test().size(), options.seed(), Words.count(options.epochs(), "epoch"));
            History h = Presets.articleTrainer(options.seed()).epochs(options.epochs())
                    .listener(Progress.bar(log))
                    .listener(new EpochFile(run.dir().resolve("epochs.csv"))).build()
                    .fit(split.train(), split.test());
            log.println();
            log.println(h.epochs().print());
            Path dir = run.dir();
            List<Path> written = new ArrayList<>();
            written.add(Outputs.csv(h.epochs(), dir.resolve("epochs.csv")));
            written.add(Outputs.csv(h.steps(), dir.resolve("steps.csv")));
            Figure loss = Figure.of(Charts.epochLoss(h.epochs()));
            Figure accuracy = Figure.of(Charts.epochAccuracy(h.epochs()));
            Figure stepLoss = Figure.of(Charts.stepLoss(h.steps()));
            written.add(Outputs.png(loss, dir.resolve("loss.png")));
            written.add(Outputs.png(accuracy, dir.resolve("accuracy.png")));
            written.add(Outputs.png(stepLoss, dir.resolve("step-loss.png")));
            written.add(Report.titled("The article's model, reproduced with gradlab")
                    .paragraph(String.format(Locale.ROOT, "784-64 ReLU, Dropout 0.2, 64 ReLU, Dropout 0.5, 10 logits; "
                            + "softmax cross-entropy; Adam lr 1e-3; batch 32; %s; %s split %d/%d with seed %d.",
                            Words.count(options.epochs(), "epoch"), source, split.train().size(), split.test().size(), options.seed()))
                    .paragraph(String.format(Locale.ROOT, "Final test accuracy: %.2f%%.", 100 * h.last().testScore()))
                    .table(h.epochs())
                    .chart(loss)
                    .chart(accuracy)
                    .chart(stepLoss)
                    .write(dir.resolve("report.html")));
            run.commit();
            log.printf(Locale.ROOT, "final test accuracy %.2f%%%n", 100 * h.last().testScore());
            List<Path> files = written.stream().map(p -> out.resolve(p.getFileName())).toList();
            files.forEach(p -> log.println("wrote " + p));
            return new Result(h, files);
        }
    }

    /** Rewrites the epoch table after each epoch, so a killed job keeps every finished epoch. */
    private static final class EpochFile implements TrainingListener {
        private final Path file;
        private final Table epochs = Table.create("epochs", IntColumn.create("epoch"), DoubleColumn.create("train_loss"),
                DoubleColumn.create("train_accuracy"), DoubleColumn.create("test_loss"), DoubleColumn.create("test_accuracy"),
                DoubleColumn.create("seconds"));

        EpochFile(Path file) {
            this.file = file;
        }

        @Override
        public void onEpochEnd(EpochResult e) {
            epochs.intColumn("epoch").append(e.epoch());
            epochs.doubleColumn("train_loss").append(e.trainLoss());
            epochs.doubleColumn("train_accuracy").append(e.trainScore());
            epochs.doubleColumn("test_loss").append(e.testLoss());
            epochs.doubleColumn("test_accuracy").append(e.testScore());
            epochs.doubleColumn("seconds").append(e.seconds());
            try {
                Outputs.csv(epochs, file);
            } catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
        }
    }
}
