package org.gradlab.experiment.jobs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.gradlab.experiment.engine.Cluster;
import org.gradlab.experiment.engine.RunStore;

/**
 * Where a study keeps its runs and writes its report. {@code --out} is a folder of this machine,
 * held for the study as a {@link StudyFolder} (created, checked, locked); or, for a study on a
 * {@link Cluster}, a URI with a scheme ({@code hdfs://nn/studies/a}, {@code s3a://bucket/a},
 * {@code file:///data/a}) of a filesystem the cluster reaches: the runs are saved in its
 * {@code runs/} as they arrive, and the report is written into a local folder first, then copied
 * up file by file, each whole or not at all. A URI folder is not locked: keep two studies off one.
 */
public final class StudyOutput implements AutoCloseable {
    private final StudyFolder local;
    private final RunStore store;
    private final Path reportDir;
    private final RunStore.Folder remote;

    private StudyOutput(StudyFolder local, RunStore store, Path reportDir, RunStore.Folder remote) {
        this.local = local;
        this.store = store;
        this.reportDir = reportDir;
        this.remote = remote;
    }

    /** Whether {@code out} is a URI ({@code scheme://...}) rather than a folder of this machine. */
    public static boolean isUri(String out) {
        return out.matches("[A-Za-z][A-Za-z0-9+.-]*://.*");
    }

    /**
     * Takes {@code out} for a study ({@code cluster} may be null, for a study on this machine), or an
     * {@link IllegalArgumentException} naming it and why not.
     */
    public static StudyOutput open(String out, Cluster cluster) {
        if (!isUri(out)) {
            StudyFolder folder = StudyFolder.open(Path.of(out));
            return new StudyOutput(folder, new RunStore(folder.runs()), folder.dir(), null);
        }
        if (cluster == null) {
            throw new IllegalArgumentException("--out " + out + " is a URI; only a study on a cluster (--spark) writes to one");
        }
        Path staging = null;
        try {
            RunStore.Folder top = cluster.folder(out);
            RunStore.Folder runs = cluster.folder(out + (out.endsWith("/") ? "" : "/") + "runs");
            staging = Files.createTempDirectory("gradlab-report");
            return new StudyOutput(null, new RunStore(runs), staging, top);
        } catch (IOException | RuntimeException e) {
            deleteQuietly(staging);
            String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
            throw new IllegalArgumentException("--out " + out + " is not writable (" + m + ")", e);
        }
    }

    /** The study's saved runs. */
    public RunStore store() {
        return store;
    }

    /** The folder of this machine the report is written into. */
    public Path reportDir() {
        return reportDir;
    }

    /**
     * Where the report's files (written into {@link #reportDir}) are for good: copied to the URI,
     * each atomically, when the output is one.
     */
    public List<String> publish(List<Path> written) throws IOException {
        List<String> where = new ArrayList<>();
        for (Path p : written) {
            if (remote == null) {
                where.add(p.toString());
            } else {
                String name = reportDir.relativize(p).toString();
                remote.write(name, Files.readAllBytes(p));
                where.add(remote.where(name));
            }
        }
        return where;
    }

    /** Releases the folder (its lock), or removes the local copy of the report. */
    @Override
    public void close() throws IOException {
        if (local != null) {
            local.close();
        } else {
            deleteQuietly(reportDir);
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
