package org.gradlab.experiment.jobs;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * An output folder's lock, shared by {@link RunFolder} and {@link StudyFolder}: an operating-system
 * lock ({@link FileChannel#tryLock}) on a lock file, held from {@link #take} to {@link #close}. The
 * OS drops it when the process ends, however it ends, so a killed job never blocks the next one.
 * The file names the process that holds it and stays (deleting it would let two jobs lock two
 * different files of one name).
 */
final class FolderLock implements Closeable {
    private final FileChannel channel;
    private final String holder;

    private FolderLock(FileChannel channel, String holder) {
        this.channel = channel;
        this.holder = holder;
    }

    /**
     * Locks {@code lockFile} for the folder shown to people as {@code name}, or throws
     * {@link RunFolder.InUseException} naming the folder and the job that holds it.
     */
    static FolderLock take(Path lockFile, String name) throws IOException {
        FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        try {
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;   // this process holds it already
            }
            if (lock == null) {
                String holder = Files.readString(lockFile, StandardCharsets.UTF_8).strip();
                throw new RunFolder.InUseException(name + " is in use by another job" + (holder.isEmpty() ? "" : " (" + holder + ")")
                        + "; wait for it to finish or write elsewhere");
            }
            String holder = "process " + ProcessHandle.current().pid() + ", started "
                    + Instant.now().truncatedTo(ChronoUnit.SECONDS);
            channel.truncate(0).write(ByteBuffer.wrap((holder + "\n").getBytes(StandardCharsets.UTF_8)), 0);
            return new FolderLock(channel, holder);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /**
     * The first of {@code folder} and the folders above it that exists as a file (so that
     * {@code folder} cannot be created there), or null.
     */
    static Path fileInTheWay(Path folder) {
        for (Path p = folder.toAbsolutePath().normalize(); p != null; p = p.getParent()) {
            if (Files.exists(p) && !Files.isDirectory(p)) {
                return p;
            }
        }
        return null;
    }

    /** Who holds the lock: "process PID, started TIME". */
    String holder() {
        return holder;
    }

    /** Releases the lock (the file stays). */
    @Override
    public void close() throws IOException {
        channel.close();
    }
}
