package org.gradlab.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.gradlab.experiment.engine.Budget;
import org.gradlab.experiment.engine.RunResult;
import org.gradlab.experiment.engine.RunStore;
import org.gradlab.experiment.engine.StatusLine;
import org.gradlab.experiment.engine.Study;
import org.gradlab.experiment.jobs.StudyFolder;
import org.gradlab.experiment.report.Conclusions;
import org.gradlab.experiment.report.StudyReport;
import org.gradlab.experiment.spec.Design;
import org.gradlab.experiment.spec.RunSpec;
import org.gradlab.experiment.spec.Selection;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code gradlab study}: the article's experiment done properly (see {@link Design}); every run
 * saved as it ends, a killed study resumed, then tables, charts and a report with computed
 * conclusions. Bad options get a one-line error and exit code 2 before any run starts; a bad grid,
 * a run this machine cannot hold, or an output folder that cannot be used, one line and exit code 1.
 */
@Command(name = "study", sortOptions = false, sortSynopsis = false,
        description = "Run the study (baseline, schedules, clipping, structure, rnn) over seeds; write runs.csv, summary.csv, "
                + "charts and report.html. A killed study resumes where it stopped.")
final class StudyCommand implements Callable<Integer> {
    @Option(names = "--parts", split = ",", paramLabel = "PART", description = "parts to run (default: baseline, schedules, clipping, structure; all five with --quick; all of a grid)")
    List<String> parts;

    @Option(names = "--configs", split = ",", paramLabel = "CONFIG", description = "only these configurations, e.g. fixed_0.1,A_norm_1")
    List<String> configs;

    @Option(names = "--seeds", paramLabel = "S,S,...", description = "seeds (default 0,1,2; 0 with --quick)")
    String seeds;

    @Option(names = "--epochs", paramLabel = "N", description = "epochs per run (default 10, or a grid's own; 2 with --quick)")
    Integer epochs;

    @Option(names = "--quick", description = "seed 0 only, 2 epochs, 5 of the rnn part's configurations (what CI and the notebooks run)")
    boolean quick;

    @Option(names = "--grid", paramLabel = "FILE", description = "a JSON array of run specs instead of the default design")
    Path grid;

    @Option(names = "--workers", paramLabel = "N", description = "runs in parallel, one ND4J thread each (default: all cores)")
    int workers = Runtime.getRuntime().availableProcessors();

    @Option(names = "--out", paramLabel = "DIR", converter = OutFolder.class, description = "output folder (default runs/study)")
    Path out = Path.of("runs/study");

    @Option(names = "--fresh", description = "redo every run instead of resuming the saved ones; replace --out even if another "
            + "kind of job made it")
    boolean fresh;

    @ParentCommand
    private Main main;

    @Spec
    private CommandSpec spec;

    @Mixin
    private HelpOption help;

    /**
     * Checks the options (a bad one ends the command with exit code 2, one line and the usage),
     * the grid, the runs' bounds and the output folder (exit code 1 and one line), all before any
     * run; runs the study, prints its summary and conclusions, and swaps its tables, charts and
     * report into the folder. Stopped by Ctrl-C or SIGTERM, it says how many runs are saved.
     */
    @Override
    public Integer call() throws IOException, InterruptedException {
        List<RunSpec> runs;
        try {
            runs = runs();
        } catch (Selection.GridException e) {
            throw e;                           // a bad grid file is a failure of its file (exit 1), as a bad data file is
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        Budget.check(runs, workers);
        PrintStream stdout = main.out();
        try (StudyFolder folder = StudyFolder.open(out, fresh)) {
            long start = System.nanoTime();
            Path saved = out.resolve("runs");
            stdout.printf(Locale.ROOT, "study: %d runs on %d worker(s) into %s%n", runs.size(), Math.min(workers, runs.size()), out);
            StatusLine status = StatusLine.on(stdout, runs.size());
            Thread stopped = new Thread(() -> {
                stdout.printf(Locale.ROOT, "%nstopped: %d of %d runs saved in %s; run the same command to resume%n", status.done(),
                        runs.size(), saved);
                stdout.flush();
            }, "gradlab-study-stopped");
            Runtime.getRuntime().addShutdownHook(stopped);
            StudyReport report;
            List<Path> written;
            try {
                List<RunResult> results = Study.run(runs, new RunStore(folder.runs()), Study.local(workers), fresh, status);
                report = StudyReport.of(results);
                written = report.write(folder.staging());
                folder.commit();
            } finally {
                try {
                    Runtime.getRuntime().removeShutdownHook(stopped);
                } catch (IllegalStateException shuttingDown) {
                    // the hook is running: it says what was saved
                }
            }
            if (report.reducedNotice() != null) {
                stdout.println(Conclusions.wrap(report.reducedNotice(), 120, ""));
                stdout.println();
            }
            stdout.print(report.terminalSummary());
            stdout.println();
            stdout.print(Conclusions.text(report.claims()));
            stdout.println();
            stdout.println("wrote " + written.size() + " files to " + out + ": report.html, conclusions.json, runs.csv, "
                    + "summary.csv (every column) and the charts");
            stdout.printf(Locale.ROOT, "study: done in %.1f s%n", (System.nanoTime() - start) / 1e9);
            return 0;
        }
    }

    /** The runs the options ask for, or an {@link IllegalArgumentException} naming the bad option. */
    List<RunSpec> runs() {
        if (workers < 1) {
            throw new IllegalArgumentException("--workers must be >= 1, got " + workers);
        }
        return new Selection(parts, configs, seedList(), epochs, quick, grid).runs();
    }

    private List<Long> seedList() {
        if (seeds == null) {
            return null;
        }
        List<Long> list = new ArrayList<>();
        for (String s : seeds.split(",", -1)) {
            try {
                list.add(Long.parseLong(s.trim()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(seeds.isBlank() ? "--seeds is empty, expected at least one seed such as 0,1,2"
                        : "--seeds must be whole numbers separated by commas, got '" + s + "' in '" + seeds + "'");
            }
        }
        return list;
    }
}
