package org.gradlab.experiment.jobs;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.gradlab.train.AtomicFile;

/**
 * A study's output folder {@code F}: a {@link RunFolder} of job {@code study} whose saved runs
 * ({@code F/runs/}, one file per run) stay across studies. The runs are saved into
 * {@code F/runs/} as they end, so a killed study resumes; the tables, charts and report are
 * written to {@link #staging()} ({@code F.partial/}) and swapped in with the runs by
 * {@link #commit()}, so {@code F} always holds one study's report, never files of two, and a study
 * that is killed or fails while writing them leaves the previous report whole.
 *
 * <pre>{@code
 * try (StudyFolder folder = StudyFolder.open(Path.of("runs/study"))) {
 *     List<RunResult> results = Study.run(runs, new RunStore(folder.runs()), Study.local(2), false, Study.Listener.NONE);
 *     StudyReport.of(results).write(folder.staging());
 *     folder.commit();
 * }
 * }</pre>
 */
public final class StudyFolder implements AutoCloseable {
    /** The job name in the folder's marker. */
    public static final String JOB = "study";
    private static final String RUNS = "runs";
    private final RunFolder folder;

    private StudyFolder(RunFolder folder) {
        this.folder = folder;
    }

    /** {@link #open(Path, boolean)} refusing a folder another kind of job made. */
    public static StudyFolder open(Path dir) throws IOException {
        return open(dir, false);
    }

    /**
     * Takes {@code dir} for a study (see {@link RunFolder#open(Path, String, boolean)} for what is
     * refused, with an {@link IOException} naming the folder): makes {@code dir/runs/}, and removes
     * the temporary files a killed study left there.
     */
    public static StudyFolder open(Path dir, boolean fresh) throws IOException {
        RunFolder f = RunFolder.open(dir, JOB, fresh, List.of(RUNS));
        try {
            removeTemporaries(f.target().resolve(RUNS));
            removeTemporaries(f.target());
            return new StudyFolder(f);
        } catch (IOException | RuntimeException e) {
            f.close();
            throw e;
        }
    }

    /** Deletes {@link AtomicFile}'s temporaries in {@code dir}: nobody else writes there while the folder is held. */
    private static void removeTemporaries(Path dir) throws IOException {
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, ".*" + AtomicFile.TEMPORARY_SUFFIX)) {
            for (Path p : s) {
                if (Files.isRegularFile(p)) {
                    Files.delete(p);
                }
            }
        }
    }

    /** The folder the study's results are in once committed. */
    public Path dir() {
        return folder.target();
    }

    /** Where each finished run is kept, one JSON file per run. */
    public Path runs() {
        return folder.target().resolve(RUNS);
    }

    /** Where to write this study's tables, charts and report before {@link #commit()}. */
    public Path staging() {
        return folder.dir();
    }

    /** Swaps the staged report in, with the saved runs; returns the study's folder. */
    public Path commit() throws IOException {
        return folder.commit();
    }

    @Override
    public void close() throws IOException {
        folder.close();
    }
}
