package org.gradlab.experiment.jobs;

import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.gradlab.plot.Outputs;

/**
 * A job's result folder, which always holds one complete result of one job: the previous one or
 * the new one, never a blend, and only one job writes it at a time. Every job writes through one
 * ({@link ArticleJob}, {@link ExplodeJob}, and {@link StudyFolder} for a study).
 *
 * <pre>{@code
 * try (RunFolder run = RunFolder.open(Path.of("runs/article"), "article")) {  // refuses a file, an unwritable
 *                                                                            // place, a folder in use or
 *                                                                            // another job's results
 *     Outputs.csv(table, run.dir().resolve("epochs.csv"));                   // goes to runs/article.partial/
 *     Outputs.text("more", run.dir().resolve("notes.txt"));                   // (write as the run progresses)
 *     run.commit();                                                          // runs/article is now this run
 * }                                                                          // not committed: the partial
 *                                                                            // folder stays, marked PARTIAL
 * }</pre>
 *
 * <p>For a folder {@code F} it uses:
 * <ul>
 * <li>{@code F.partial/}: the result being written. A job that is killed, or fails, leaves it with
 *     every file it had finished and a {@value #PARTIAL_MARKER} file saying so; the next
 *     {@link #open} of {@code F} removes it.
 * <li>{@code F/.gradlab}: which job made {@code F} ({@value #MARKER}). A job never replaces a folder
 *     another kind of job made unless opened {@code fresh} (the command line's {@code --fresh}), and
 *     never one gradlab did not make.
 * <li>{@code F.old/}: the previous result, only during the renames of {@link #commit}. If the
 *     process dies between them, the next {@link #open} finishes or undoes the commit.
 * <li>a {@link FolderLock}, held from {@link #open} to {@link #close}, which also refuses a folder
 *     inside or around one another job holds.
 * </ul>
 *
 * <p>A folder may keep subfolders across commits ({@link #open(Path, String, boolean, List)}): a
 * study's saved runs live in {@code F/runs/} while it runs, and move into the new result when it
 * is swapped in.
 */
public final class RunFolder implements Closeable {
    /** The file that marks {@code F.partial/} as the unfinished output of a run. */
    public static final String PARTIAL_MARKER = "PARTIAL";
    /** The file in a result folder that names the job that made it. */
    public static final String MARKER = ".gradlab";
    /** The files of each job before folders carried a {@value #MARKER} (gradlab 0.1), so they are still recognised. */
    private static final Map<String, Pattern> EARLIER_LAYOUT = Map.of(
            "article", Pattern.compile("epochs\\.csv|steps\\.csv|loss\\.png|accuracy\\.png|step-loss\\.png|report\\.html"),
            "explode", Pattern.compile("runs\\.csv|comparison\\.html|doctor\\.(md|html)|grad-norms\\.png|.+-(steps|layers|alarms)\\.csv"),
            "study", Pattern.compile("runs|runs\\.csv|summary\\.csv|report\\.html|.+\\.png|\\.lock|\\..+\\.tmp"));

    private final Path target;
    private final Path staging;
    private final Path old;
    private final String job;
    private final List<String> kept;
    private final FolderLock lock;
    private boolean committed;

    /** Another job holds the folder, one above it or one inside it; the message names the folders and that job. */
    public static final class InUseException extends IOException {
        private static final long serialVersionUID = 1L;

        InUseException(String message) {
            super(message);
        }
    }

    private RunFolder(Path target, String job, List<String> kept, FolderLock lock) {
        this.target = target;
        this.staging = sibling(target, ".partial");
        this.old = sibling(target, ".old");
        this.job = job;
        this.kept = List.copyOf(kept);
        this.lock = lock;
    }

    /** {@link #open(Path, String, boolean)} that refuses a folder another kind of job made. */
    public static RunFolder open(Path folder, String job) throws IOException {
        return open(folder, job, false);
    }

    /**
     * Locks {@code folder} for a run of {@code job}, repairs what an interrupted earlier run left,
     * and creates a fresh {@code folder.partial/} to write into. Fails before anything is written
     * if {@code folder} is a file, lies under a file, cannot be written, contains the current
     * folder, is held by another job (or lies inside or around a folder another job holds:
     * {@link InUseException}), holds files gradlab did not write, or holds another kind of job's
     * results and {@code fresh} is false.
     */
    public static RunFolder open(Path folder, String job, boolean fresh) throws IOException {
        return open(folder, job, fresh, List.of());
    }

    /** {@link #open(Path, String, boolean)} keeping the subfolders {@code kept} of {@code folder} across commits. */
    static RunFolder open(Path folder, String job, boolean fresh, List<String> kept) throws IOException {
        if (!job.matches("[a-z][a-z0-9-]*")) {
            throw new IllegalArgumentException("job must be a lower-case word, got '" + job + "'");
        }
        String name = folder.toString();
        if (name.isEmpty()) {
            throw new FileSystemException("''", null, "an empty name is not a folder; name the output folder");
        }
        Path target = folder.toAbsolutePath().normalize();
        Path parent = target.getParent();
        if (parent == null || Path.of("").toAbsolutePath().startsWith(target)) {
            throw new FileSystemException(name, null, "is the root or holds the current folder; results need a folder of their own");
        }
        Path file = FolderLock.fileInTheWay(target);
        if (file != null) {
            throw new FileSystemException(name, null, (file.equals(target) ? "" : file + " ") + "is a file, not a folder");
        }
        try {
            Files.createDirectories(parent);
        } catch (AccessDeniedException e) {
            throw new AccessDeniedException(name, null, "cannot create " + e.getFile() + " (permission denied)");
        }
        if (!Files.isWritable(parent) || Files.isDirectory(target) && !Files.isWritable(target)) {
            throw new AccessDeniedException(name, null, "cannot write in " + (Files.isWritable(parent) ? target : parent)
                    + " (permission denied)");
        }
        FolderLock lock = FolderLock.take(target, job, name);
        try {
            RunFolder run = new RunFolder(target, job, kept, lock);
            try {
                run.requireReplaceable(name, fresh);   // before anything is touched
                run.repair();
                run.prepare();
            } catch (FileSystemException e) {
                throw unusable(name, e);
            }
            return run;
        } catch (IOException | RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    /** A failure to write in the folder, named as the user named it ({@code runs/x: cannot write /abs/runs/x.partial (...)}). */
    private static FileSystemException unusable(String name, FileSystemException e) {
        if (e.getFile() == null || e.getFile().equals(name)) {
            return e;
        }
        String why = e instanceof java.nio.file.NoSuchFileException ? "no such file or folder"
                : e instanceof AccessDeniedException ? "permission denied"
                : e.getReason() != null ? e.getReason() : e.getClass().getSimpleName();
        FileSystemException named = new FileSystemException(name, null, "cannot write " + e.getFile() + " (" + why + ")");
        named.initCause(e);
        return named;
    }

    /** Finishes or undoes a commit a killed process left half done, and removes its partial folder. */
    private void repair() throws IOException {
        if (Files.isDirectory(old)) {
            if (!Files.exists(target) && Files.isDirectory(staging) && !Files.exists(staging.resolve(PARTIAL_MARKER))) {
                Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);     // died between the two renames
            } else if (!Files.exists(target)) {
                Files.move(old, target, StandardCopyOption.ATOMIC_MOVE);
            }
            moveKept(old, target);
            deleteTree(old);
        }
        if (Files.isDirectory(staging)) {
            moveKept(staging, target);                // died after moving the kept folders in, before the swap
            deleteTree(staging);
        }
        for (Path earlierLock : List.of(sibling(target, ".lock"), target.resolve(".lock"))) {   // gradlab 0.1's lock files
            if (Files.isRegularFile(earlierLock, LinkOption.NOFOLLOW_LINKS) && Files.size(earlierLock) < 200
                    && Files.readString(earlierLock, StandardCharsets.UTF_8).startsWith("process ")) {
                Files.delete(earlierLock);
            }
        }
    }

    /** Moves the kept subfolders of {@code from} back into {@code to} where {@code to} lacks them. */
    private void moveKept(Path from, Path to) throws IOException {
        for (String k : kept) {
            if (Files.isDirectory(from.resolve(k)) && !Files.exists(to.resolve(k))) {
                Files.createDirectories(to);
                Files.move(from.resolve(k), to.resolve(k), StandardCopyOption.ATOMIC_MOVE);
            }
        }
    }

    /** Refuses a folder gradlab did not make, or another job's unless {@code fresh}. */
    private void requireReplaceable(String name, boolean fresh) throws IOException {
        String maker = maker(Files.exists(target) || !Files.isDirectory(old) ? target : old);   // old: a commit was cut short
        if (maker == null || maker.equals(job)) {
            return;
        }
        if (maker.isEmpty()) {
            throw new FileSystemException(name, null, "holds files gradlab did not write (no " + MARKER + " file); gradlab "
                    + job + " would replace them: write elsewhere, or empty the folder first");
        }
        if (!fresh) {
            throw new FileSystemException(name, null, "holds the results of gradlab " + maker + "; gradlab " + job
                    + " would replace them: write elsewhere, or add --fresh to replace them");
        }
    }

    /**
     * Which job made {@code folder}: its {@value #MARKER} file, else the layout of an earlier
     * gradlab; null for a folder that does not exist or is empty, "" for one gradlab did not make.
     */
    static String maker(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            return null;
        }
        Path marker = folder.resolve(MARKER);
        if (Files.isRegularFile(marker, LinkOption.NOFOLLOW_LINKS) && Files.size(marker) < 200) {
            String text = Files.readString(marker, StandardCharsets.UTF_8);
            if (text.startsWith("job=")) {
                return text.lines().findFirst().orElse("").substring(4).strip();
            }
        }
        List<String> names;
        try (Stream<Path> s = Files.list(folder)) {
            names = s.map(p -> p.getFileName().toString()).toList();
        }
        if (names.isEmpty()) {
            return null;
        }
        for (Map.Entry<String, Pattern> e : EARLIER_LAYOUT.entrySet()) {
            boolean study = e.getKey().equals("study");
            if (names.stream().allMatch(n -> e.getValue().matcher(n).matches() && (n.equals("runs") || !Files.isDirectory(folder.resolve(n))))
                    && (!study || Files.isDirectory(folder.resolve("runs")))) {
                return e.getKey();
            }
        }
        return "";
    }

    /** Starts a marked partial folder; makes the folder and its kept subfolders if the job keeps some. */
    private void prepare() throws IOException {
        Files.createDirectory(staging);
        Outputs.text("This folder holds a run that has not finished: " + lock.holder() + ".\n"
                + "If that process is gone, the run was killed or failed; the files here are those it had finished.\n"
                + "The complete results are in " + target + "; the next run there removes this folder.\n",
                staging.resolve(PARTIAL_MARKER));
        mark(staging);
        if (!kept.isEmpty()) {
            for (String k : kept) {
                Files.createDirectories(target.resolve(k));
            }
            mark(target);
        }
    }

    private void mark(Path folder) throws IOException {
        Outputs.text("job=" + job + "\n# made by gradlab " + job + "; gradlab's other jobs will not replace this folder "
                + "unless told to (--fresh)\n", folder.resolve(MARKER));
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
     * Makes this run the folder's content: removes the {@value #PARTIAL_MARKER} file, moves the
     * kept subfolders into {@code F.partial/} and swaps it in for {@code F/} (renames; the previous
     * result is deleted after). Returns the folder.
     */
    public synchronized Path commit() throws IOException {
        if (committed) {
            throw new IllegalStateException("commit: " + target + " is committed already");
        }
        if (lock.isClosed()) {
            throw new IllegalStateException("commit: " + target + " was released (the process is stopping)");
        }
        Files.delete(staging.resolve(PARTIAL_MARKER));
        for (String k : kept) {
            if (Files.isDirectory(target.resolve(k))) {
                Files.move(target.resolve(k), staging.resolve(k), StandardCopyOption.ATOMIC_MOVE);
            }
        }
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
    public synchronized void close() throws IOException {
        lock.close();
    }

    private static Path sibling(Path target, String suffix) {
        return target.resolveSibling(target.getFileName() + suffix);
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
