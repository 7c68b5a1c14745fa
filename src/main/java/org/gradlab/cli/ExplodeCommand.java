package org.gradlab.cli;

import java.io.IOException;
import java.nio.file.Path;
import org.gradlab.experiment.jobs.ExplodeJob;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code gradlab explode}: runs {@link ExplodeJob}. */
@Command(name = "explode", sortOptions = false, sortSynopsis = false,
        description = {"Train a model that really explodes (8 ReLU layers, too-large init, SGD momentum at 0.1) five ways: "
                + "fixed rate, fixed + global-norm clipping, warmup + cosine, warmup + cosine + clipping, fixed with "
                + "LayerNorm after each hidden layer; let the doctor diagnose the fixed run and verify its fixes by "
                + "replay, then train a sixth run with its top fix. Print a summary and the ranked fixes; write the "
                + "doctor's report (Markdown, HTML), a side-by-side comparison (HTML), the monitors' tables (CSV) "
                + "and a chart of the gradient norms (PNG)."})
final class ExplodeCommand extends JobCommand {
    @Option(names = "--epochs", paramLabel = "N", converter = PositiveInt.class,
            description = "Epochs per run, at least 1 (default: ${DEFAULT-VALUE}).")
    private int epochs = ExplodeJob.Options.defaults().epochs();

    @Option(names = "--out", paramLabel = "DIR", converter = OutFolder.class, description = "Output folder (default: ${DEFAULT-VALUE}).")
    private Path out = Path.of("runs/explode");

    @Override
    public Integer call() throws IOException {
        ExplodeJob.run(new ExplodeJob.Options(seed, epochs), out, fresh, out());
        return 0;
    }
}
