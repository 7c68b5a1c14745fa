package org.gradlab.experiment.jobs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A study's output folder, held for the study's duration: created if missing, refused if it is a
 * file (or lies under one), not writable, or locked by another study ({@link FolderLock} on
 * {@code .lock} inside it, released when the process ends, even if it is killed). Unlike a
 * {@link RunFolder} it is persistent: finished runs accumulate in {@code runs/} and nothing in it
 * is deleted.
 */
public final class StudyFolder implements AutoCloseable {
    private final Path dir;
    private final FolderLock lock;

    private StudyFolder(Path dir, FolderLock lock) {
        this.dir = dir;
        this.lock = lock;
    }

    /** Takes {@code dir} for a study, or an {@link IllegalArgumentException} naming why not. */
    public static StudyFolder open(Path dir) {
        if (FolderLock.fileInTheWay(dir) != null) {
            throw new IllegalArgumentException("--out " + dir + " is a file, expected a folder");
        }
        FolderLock lock = null;
        try {
            Files.createDirectories(dir.resolve("runs"));
            lock = FolderLock.take(dir.resolve(".lock"), "--out " + dir);
            Path probe = Files.createTempFile(dir.resolve("runs"), ".probe", ".tmp");
            Files.delete(probe);
            return new StudyFolder(dir, lock);
        } catch (RunFolder.InUseException e) {
            throw new IllegalArgumentException("--out " + dir + " is in use by another study (locked)");
        } catch (IOException | SecurityException e) {
            release(lock);
            throw new IllegalArgumentException("--out " + dir + " is not writable (" + e.getClass().getSimpleName() + ": "
                    + e.getMessage() + ")");
        }
    }

    public Path dir() {
        return dir;
    }

    /** Where each finished run is kept, one JSON file per run. */
    public Path runs() {
        return dir.resolve("runs");
    }

    @Override
    public void close() throws IOException {
        lock.close();
    }

    private static void release(FolderLock lock) {
        if (lock != null) {
            try {
                lock.close();
            } catch (IOException ignored) {
                // the lock goes with its channel; nothing else to undo
            }
        }
    }
}
