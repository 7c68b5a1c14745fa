package org.gradlab.experiment;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A study's output folder, held for the study's duration: created if missing, refused if it is a
 * file, not writable, or locked by another study (an OS lock on {@code .lock} inside it, released
 * when the process ends, even if it is killed). Nothing in it is deleted.
 */
public final class StudyFolder implements AutoCloseable {
    private final Path dir;
    private final FileChannel channel;
    private final FileLock lock;

    private StudyFolder(Path dir, FileChannel channel, FileLock lock) {
        this.dir = dir;
        this.channel = channel;
        this.lock = lock;
    }

    /** Takes {@code dir} for a study, or an {@link IllegalArgumentException} naming why not. */
    public static StudyFolder open(Path dir) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new IllegalArgumentException("--out " + dir + " is a file, expected a folder");
        }
        FileChannel ch = null;
        try {
            Files.createDirectories(dir.resolve("runs"));
            ch = FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = ch.tryLock();
            if (lock == null) {
                throw new IllegalArgumentException("--out " + dir + " is in use by another study (locked)");
            }
            Path probe = Files.createTempFile(dir.resolve("runs"), ".probe", ".tmp");
            Files.delete(probe);
            return new StudyFolder(dir, ch, lock);
        } catch (OverlappingFileLockException e) {
            close(ch);
            throw new IllegalArgumentException("--out " + dir + " is in use by another study (locked)");
        } catch (IOException | SecurityException e) {
            close(ch);
            throw new IllegalArgumentException("--out " + dir + " is not writable (" + e.getClass().getSimpleName() + ": "
                    + e.getMessage() + ")");
        } catch (IllegalArgumentException e) {
            close(ch);
            throw e;
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
        lock.release();
        channel.close();
    }

    private static void close(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // the lock goes with the channel; nothing else to undo
            }
        }
    }
}
