package org.gradlab.experiment.jobs;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;
import org.gradlab.plot.Outputs;

/**
 * A result folder that never mixes two runs: it holds either the previous complete results or
 * the new complete results, never a blend, and only one job writes it at a time.
 *
 * <pre>{@code
 * try (RunFolder run = RunFolder.open(Path.of("runs/article"))) {  // refuses a file, an unwritable
 *                                                                  // place or a folder in use
 *     Outputs.csv(table, run.dir().resolve("epochs.csv"));         // goes to runs/article.partial/
 *     Outputs.text("more", run.dir().resolve("notes.txt"));        // (write as the run progresses)
 *     run.commit();                                                // runs/article is now this run
 * }                                                                // not committed: the partial
 *                                                                  // folder stays, marked PARTIAL
 * }</pre>
 *
 * <p>Beside a folder {@code F} it uses:
 * <ul>
 * <li>{@code F.partial/}: the run being written. A job that is killed, or fails, leaves it with
 *     every file it had finished and a {@value #PARTIAL_MARKER} file saying so; the next
 *     {@link #open} of {@code F} removes it.
 * <li>{@code F.lock}: locked from {@link #open} to {@link #close} ({@link FolderLock}: an
 *     operating-system lock, dropped when the process ends however it ends); it names the
 *     process that holds it.
 * <li>{@code F.old/}: the previous run, only during the two renames of {@link #commit}. If the
 *     process dies between them, the next {@link #open} puts it back.
 * </ul>
 */
public final class RunFolder implements Closeable {
    /** The file that marks {@code F.partial/} as the unfinished output of a run. */
    public static final String PARTIAL_MARKER = "PARTIAL";

    private final Path target;
    private final Path staging;
    private final Path old;
    private final FolderLock lock;
    private boolean committed;

    /** Another job holds the folder; the message names the folder and that job. */
    public static final class InUseException extends IOException {
        private static final long serialVersionUID = 1L;

        InUseException(String message) {
            super(message);
        }
    }

    private RunFolder(Path target, FolderLock lock) {
        this.target = target;
        this.staging = sibling(target, ".partial");
        this.old = sibling(target, ".old");
        this.lock = lock;
    }

    /**
     * Locks {@code folder} for this run, cleans what an earlier run left behind, and creates a
     * fresh {@code folder.partial/} to write into. Fails before anything is written if
     * {@code folder} is a file, lies under a file, cannot be written, contains the current
     * folder, or is held by another job ({@link InUseException}).
     */
    public static RunFolder open(Path folder) throws IOException {
        String name = folder.toString();
        Path target = folder.toAbsolutePath().normalize();
        Path parent = target.getParent();
        if (parent == null || Path.of("").toAbsolutePath().startsWith(target)) {
            throw new FileSystemException(name, null, "is the root or holds the current folder; results need a folder of their own");
        }
        Path file = FolderLock.fileInTheWay(target);
        if (file != null) {
            throw new FileSystemException(name, null, (file.equals(target) ? "" : file + " ") + "is a file, not a folder");
        }
        Files.createDirectories(parent);
        if (!Files.isWritable(parent)) {
            throw new AccessDeniedException(name, null, "cannot write in " + parent + " (permission denied)");
        }
        FolderLock lock = FolderLock.take(sibling(target, ".lock"), name);
        try {
            RunFolder run = new RunFolder(target, lock);
            run.prepare(lock.holder());
            return run;
        } catch (IOException | RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    /** Puts back what an interrupted commit moved, removes stale temporaries, starts a marked partial folder. */
    private void prepare(String holder) throws IOException {
        if (Files.isDirectory(old)) {
            if (Files.exists(target)) {
                deleteTree(old);
            } else {
                Files.move(old, target, StandardCopyOption.ATOMIC_MOVE);
            }
        }
        deleteTree(staging);
        Files.createDirectory(staging);
        Outputs.text("This folder holds a run that has not finished: " + holder + ".\n"
                + "If that process is gone, the run was killed or failed; the files here are those it had finished.\n"
                + "The complete results are in " + target + "; the next run there removes this folder.\n",
                staging.resolve(PARTIAL_MARKER));
    }

    /** The folder to write this run's files into ({@code F.partial/} until {@link #commit}). */
    public Path dir() {
        return committed ? target : staging;
    }

    /** The folder that holds the results once committed. */
    public Path target() {
        return target;
    }

    /**
     * Makes this run the folder's content: removes the {@value #PARTIAL_MARKER} file and swaps
     * {@code F.partial/} in for {@code F/} (two renames; the previous run is deleted after).
     * Returns the folder.
     */
    public Path commit() throws IOException {
        if (committed) {
            throw new IllegalStateException("commit: " + target + " is committed already");
        }
        Files.delete(staging.resolve(PARTIAL_MARKER));
        boolean replacing = Files.exists(target);
        if (replacing) {
            Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
        }
        Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
        committed = true;
        if (replacing) {
            deleteTree(old);
        }
        return target;
    }

    /** Releases the folder. Without {@link #commit}, {@code F.partial/} stays, marked {@value #PARTIAL_MARKER}. */
    @Override
    public void close() throws IOException {
        lock.close();
    }

    private static Path sibling(Path target, String suffix) {
        return target.resolveSibling(target.getFileName() + suffix);
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
