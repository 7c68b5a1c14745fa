package org.gradlab.experiment.jobs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.gradlab.experiment.engine.Cluster;
import org.gradlab.experiment.engine.RunStore;

/**
 * Where a study keeps its runs and writes its report. {@code --out} is a folder of this machine,
 * held for the study as a {@link StudyFolder} (locked, the report staged beside it and swapped in
 * whole); or, for a study on a {@link Cluster}, a URI with a scheme ({@code hdfs://nn/studies/a},
 * {@code s3a://bucket/a}, {@code file:///data/a}) of a filesystem the cluster reaches: the runs are
 * saved in its {@code runs/} as they arrive (and verified before reuse, as a folder's are), and the
 * report is staged in a local folder, then copied up by {@link #commit()} file by file, each whole
 * or not at all. A URI folder is not locked: keep two studies off one.
 *
 * <pre>{@code
 * try (StudyOutput out = StudyOutput.open("runs/study", null, false)) {
 *     List<RunResult> results = Study.run(runs, out.store(), Study.local(2), false, Study.Listener.NONE);
 *     StudyReport.of(results).write(out.staging());
 *     out.commit();
 * }
 * }</pre>
 */
public final class StudyOutput implements AutoCloseable {
    private final StudyFolder local;
    private final RunStore store;
    private final Path staging;
    private final RunStore.Folder remote;
    private final String runs;

    private StudyOutput(StudyFolder local, RunStore store, Path staging, RunStore.Folder remote, String runs) {
        this.local = local;
        this.store = store;
        this.staging = staging;
        this.remote = remote;
        this.runs = runs;
    }

    /** Whether {@code out} is a URI ({@code scheme://...}) rather than a folder of this machine. */
    public static boolean isUri(String out) {
        return out.matches("[A-Za-z][A-Za-z0-9+.-]*://.*");
    }

    /**
     * Takes {@code out} for a study ({@code cluster} may be null, for a study on this machine):
     * a folder through {@link StudyFolder#open(Path, boolean)} (an {@link IOException} naming it
     * when it cannot be used); a URI through the cluster (an {@link IllegalArgumentException} when
     * there is no cluster, an {@link IOException} naming it when it cannot be written).
     */
    public static StudyOutput open(String out, Cluster cluster, boolean fresh) throws IOException {
        if (!isUri(out)) {
            StudyFolder folder = StudyFolder.open(Path.of(out), fresh);
            return new StudyOutput(folder, new RunStore(folder.runs()), null, null, folder.runs().toString());
        }
        if (cluster == null) {
            throw new IllegalArgumentException("--out " + out + " is a URI; only a study on a cluster (--spark) writes to one");
        }
        Path staging = null;
        try {
            String runs = out + (out.endsWith("/") ? "" : "/") + "runs";
            RunStore.Folder top = cluster.folder(out);
            RunStore.Folder saved = cluster.folder(runs);
            staging = Files.createTempDirectory("gradlab-report");
            return new StudyOutput(null, new RunStore(saved), staging, top, runs);
        } catch (IOException | RuntimeException e) {
            deleteQuietly(staging);
            String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
            throw new IOException("--out " + out + " is not writable (" + m + ")", e);
        }
    }

    /** The study's saved runs. */
    public RunStore store() {
        return store;
    }

    /** Where the saved runs are, for people: a path or a URI. */
    public String runs() {
        return runs;
    }

    /** The folder of this machine to write this study's tables, charts and report into before {@link #commit()}. */
    public Path staging() {
        return local != null ? local.staging() : staging;
    }

    /**
     * Makes the staged report the study's: swapped into the folder with the saved runs
     * ({@link StudyFolder#commit()}), or copied to the URI file by file, each atomically.
     */
    public void commit() throws IOException {
        if (local != null) {
            local.commit();
            return;
        }
        List<Path> files;
        try (Stream<Path> all = Files.walk(staging)) {
            files = all.filter(Files::isRegularFile).sorted().toList();
        }
        for (Path p : files) {
            remote.write(staging.relativize(p).toString(), Files.readAllBytes(p));
        }
    }

    /** Releases the folder (its lock), or removes the local copy of the report. */
    @Override
    public void close() throws IOException {
        if (local != null) {
            local.close();
        } else {
            deleteQuietly(staging);
        }
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException ignored) {
            // a temporary folder left behind is harmless
        }
    }
}
