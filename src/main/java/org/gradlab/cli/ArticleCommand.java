package org.gradlab.cli;

import java.io.IOException;
import java.nio.file.Path;
import org.gradlab.experiment.jobs.ArticleJob;
import org.gradlab.experiment.jobs.Presets;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code gradlab article}: runs {@link ArticleJob}. */
@Command(name = "article", sortOptions = false, sortSynopsis = false,
        description = {"Train the article's MLP (784-64-64-10, ReLU, dropout 0.2/0.5, Adam lr 1e-3, batch 32) on the "
                + "bundled digits; print the epoch table and write tables (CSV), charts (PNG) and a report (HTML)."})
final class ArticleCommand extends JobCommand {
    @Option(names = "--epochs", paramLabel = "N", converter = PositiveInt.class,
            description = "Epochs, at least 1 (default: ${DEFAULT-VALUE}).")
    private int epochs = Presets.ARTICLE_EPOCHS;

    @Option(names = "--out", paramLabel = "DIR", converter = OutFolder.class, description = "Output folder (default: ${DEFAULT-VALUE}).")
    private Path out = Path.of("runs/article");

    @ArgGroup(exclusive = false, heading = "Other data (instead of the bundled digits):%n")
    private Data data;

    /** IDX files, both or neither. */
    static final class Data {
        @Option(names = "--images", paramLabel = "FILE", required = true,
                description = "IDX images of 28x28 (gzip or plain), e.g. the official MNIST training images.")
        Path images;

        @Option(names = "--labels", paramLabel = "FILE", required = true, description = "IDX labels that go with --images.")
        Path labels;
    }

    @Override
    public Integer call() throws IOException {
        ArticleJob.Options options = new ArticleJob.Options(seed, epochs, data == null ? null : data.images,
                data == null ? null : data.labels);
        ArticleJob.run(options, out, fresh, out());
        return 0;
    }
}
