package org.gradlab.experiment.jobs;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.gradlab.nn.Backend;
import org.gradlab.plot.Charts;
import org.gradlab.plot.Outputs;
import org.gradlab.train.Progress;
import tech.tablesaw.api.Table;

/**
 * The {@code explode} job: {@link ExplodeComparison} (a model that really explodes, trained five
 * ways, the doctor's diagnosis of the fixed run verified by replay, and a sixth run with the
 * doctor's top verified fix) written to a {@link RunFolder}, with a progress bar and the summary,
 * verdict and ranked fixes printed.
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

    /** Runs the comparison, printing progress and results to {@code log}; {@code out} is checked before training. */
    public static Result run(Options options, Path out, PrintStream log) throws IOException {
        return run(options, out, false, log);
    }

    /** {@link #run(Options, Path, PrintStream)}; with {@code fresh}, {@code out} may hold another kind of job's results. */
    public static Result run(Options options, Path out, boolean fresh, PrintStream log) throws IOException {
        try (RunFolder run = RunFolder.open(out, "explode", fresh)) {
            log.printf(Locale.ROOT, "An exploding model (8 ReLU layers of 128, N(0, 0.15^2) init, SGD momentum 0.9 at 0.1), "
                    + "%d epochs per run: five ways, then the doctor's verified fix%n", options.epochs());
            ExplodeComparison.Result r = ExplodeComparison.run(options.seed(), options.epochs(), run.dir(), Progress.bar(log));
            Outputs.png(Charts.logLines(gradNorms(r), "Global gradient norm before clipping", "step", "gradient norm (log scale)"),
                    run.dir().resolve("grad-norms.png"));
            run.commit();
            log.println(r.summary().print());
            log.println();
            log.println("Doctor: " + r.diagnosis().verdict());
            log.println(r.diagnosis().ranking());
            log.println();
            List<Path> files;
            try (var s = java.nio.file.Files.list(out)) {
                files = s.filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
            }
            log.println("wrote " + files.size() + " files to " + out + ": runs.csv, comparison.html, doctor.html, doctor.md, "
                    + "grad-norms.png, and per run <run>-steps.csv, <run>-layers.csv, <run>-alarms.csv");
            return new Result(r.summary(), files);
        }
    }

    /** One column of gradient norms per run, by step. */
    private static Table gradNorms(ExplodeComparison.Result r) {
        Table norms = null;
        for (var e : r.monitors().entrySet()) {
            Table steps = e.getValue().steps();
            if (norms == null) {
                norms = Table.create("gradient norm per step", steps.column("step").copy());
            }
            if (steps.rowCount() == norms.rowCount()) {
                norms.addColumns(steps.doubleColumn("grad_norm").copy().setName(e.getKey()));
            }
        }
        return norms;
    }
}
