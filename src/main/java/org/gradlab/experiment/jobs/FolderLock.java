package org.gradlab.experiment.jobs;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The lock every job takes on its output folder, held from {@link #take} to {@link #close}: one
 * convention for every job, so an {@code article} and a {@code study} exclude each other, and a
 * folder inside or around one a job holds is refused too (a study on {@code X/runs} while an
 * article writes {@code X}, and the reverse).
 *
 * <p>The locks are files in one per-user folder ({@link #DIR}: {@code gradlab.locks}, else
 * {@code <java.io.tmpdir>/gradlab-locks-<user>}), never in or beside the output folders: one file
 * per folder held, named by a hash of the folder's real path, holding that path and who holds it
 * ({@code process 4242, started 2026-12-04T10:00:00Z, study}), locked with an operating-system
 * lock ({@link FileChannel#tryLock}). The operating system drops that lock when the process ends,
 * however it ends. A clean exit (or SIGTERM, SIGINT) deletes the file; after {@code kill -9} the
 * file stays unlocked, and the next job to take a lock deletes it.
 *
 * <p>Every take and release happens while holding the folder's {@code registry} lock (a file that
 * is never deleted), so a job never locks a file another job is deleting, and two jobs that start
 * at once on nested folders cannot both miss each other.
 */
final class FolderLock implements Closeable {
    /** The system property that names the lock folder. */
    static final String DIR = "gradlab.locks";
    /** How long {@link #take} waits for another job's take or release to finish. */
    private static final long REGISTRY_WAIT_MS = 10_000;
    private static final int MAX_LOCK_FILE = 8192;
    /** The locks this process holds, by lock file: never opened twice (closing a second channel would drop the lock). */
    private static final Map<Path, FolderLock> HELD = new LinkedHashMap<>();
    private static boolean hooked;

    private final Path file;
    private final Path folder;
    private final FileChannel channel;
    private final String holder;
    private boolean closed;

    private FolderLock(Path file, Path folder, FileChannel channel, String holder) {
        this.file = file;
        this.folder = folder;
        this.channel = channel;
        this.holder = holder;
    }

    /**
     * Locks {@code folder} for a job named {@code job}, or throws {@link RunFolder.InUseException}
     * naming the folder as {@code name}, the folder held and the process that holds it: the same
     * folder, a folder above it or a folder inside it.
     */
    static FolderLock take(Path folder, String job, String name) throws IOException {
        Path key = realPath(folder);
        synchronized (FolderLock.class) {
            Path dir = dir();
            try (FileChannel registry = FileChannel.open(dir.resolve("registry"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                    FileLock ignored = lockRegistry(registry, dir)) {
                refuseHeld(dir, key, name);
                Path file = dir.resolve(hash(key) + ".lock");
                FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
                try {
                    if (channel.tryLock() == null) {
                        throw new RunFolder.InUseException(name + " is in use by another job; wait for it to finish or write elsewhere");
                    }
                    String holder = "process " + ProcessHandle.current().pid() + ", started "
                            + Instant.now().truncatedTo(ChronoUnit.SECONDS) + ", " + job;
                    channel.truncate(0).write(ByteBuffer.wrap((key + "\n" + holder + "\n").getBytes(StandardCharsets.UTF_8)), 0);
                    FolderLock lock = new FolderLock(file, key, channel, holder);
                    HELD.put(file, lock);
                    hook();
                    return lock;
                } catch (IOException | RuntimeException e) {
                    channel.close();
                    throw e;
                }
            }
        }
    }

    /** Refuses {@code key} if a job holds it, a folder above it or one inside it; deletes the files of locks nobody holds. */
    private static void refuseHeld(Path dir, Path key, String name) throws IOException {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.lock")) {
            for (Path f : files) {
                FolderLock mine = HELD.get(f);
                List<String> lines = mine != null ? List.of(mine.folder.toString(), mine.holder) : read(f);
                if (mine == null && !heldByAnother(f)) {
                    Files.deleteIfExists(f);   // its process is gone
                    continue;
                }
                if (lines.size() < 2) {
                    continue;                  // being written: cannot happen while we hold the registry
                }
                Path other;
                try {
                    other = Path.of(lines.get(0));
                } catch (java.nio.file.InvalidPathException e) {
                    continue;                  // not a lock file of ours
                }
                String who = " (" + lines.get(1) + ")";
                if (other.equals(key)) {
                    throw new RunFolder.InUseException(name + " is in use by another job" + who
                            + "; wait for it to finish or write elsewhere");
                }
                if (key.startsWith(other)) {
                    throw new RunFolder.InUseException(name + " lies inside " + other + ", which another job is writing" + who
                            + "; write elsewhere");
                }
                if (other.startsWith(key)) {
                    throw new RunFolder.InUseException(name + " holds " + other + ", which another job is writing" + who
                            + "; write elsewhere");
                }
            }
        }
    }

    /** Whether another process holds {@code f} (tried with a lock taken and dropped at once). */
    private static boolean heldByAnother(Path f) throws IOException {
        try (FileChannel c = FileChannel.open(f, StandardOpenOption.WRITE)) {
            FileLock l = c.tryLock();
            if (l == null) {
                return true;
            }
            l.release();
            return false;
        } catch (NoSuchFileException e) {
            return false;
        } catch (OverlappingFileLockException e) {
            return true;
        }
    }

    private static List<String> read(Path f) throws IOException {
        try (InputStream in = Files.newInputStream(f)) {
            return new String(in.readNBytes(MAX_LOCK_FILE), StandardCharsets.UTF_8).lines().toList();
        } catch (NoSuchFileException e) {
            return List.of();
        }
    }

    private static FileLock lockRegistry(FileChannel registry, Path dir) throws IOException {
        long deadline = System.nanoTime() + REGISTRY_WAIT_MS * 1_000_000;
        while (true) {
            FileLock l = registry.tryLock();
            if (l != null) {
                return l;
            }
            if (System.nanoTime() > deadline) {
                throw new FileSystemException(dir.resolve("registry").toString(), null,
                        "another gradlab process has held this lock for " + REGISTRY_WAIT_MS / 1000 + " s; is it stopped?");
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while waiting for " + dir.resolve("registry"));
            }
        }
    }

    /** The per-user folder of lock files, created readable by its owner only. */
    static Path dir() throws IOException {
        String set = System.getProperty(DIR);
        Path dir = set != null && !set.isBlank() ? Path.of(set)
                : Path.of(System.getProperty("java.io.tmpdir"), "gradlab-locks-" + System.getProperty("user.name", "user")
                        .replaceAll("[^A-Za-z0-9._-]", "_"));
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            try {
                if (dir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                    Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                } else {
                    Files.createDirectories(dir);
                }
            } catch (IOException e) {
                throw new FileSystemException(dir.toString(), null, "cannot create gradlab's lock folder (" + e.getMessage()
                        + "); set -D" + DIR + "=DIR to a folder of your own");
            }
        }
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS) || !Files.isWritable(dir)) {
            throw new FileSystemException(dir.toString(), null, "gradlab's lock folder is not a writable folder; set -D" + DIR
                    + "=DIR to a folder of your own");
        }
        return dir;
    }

    /** {@code folder} absolute, with the links of the part that exists resolved: one name per folder. */
    static Path realPath(Path folder) throws IOException {
        Path p = folder.toAbsolutePath().normalize();
        Path existing = p;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        return existing == null ? p : existing.toRealPath().resolve(existing.relativize(p)).normalize();
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

    private static String hash(Path key) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(key.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Releases every lock still held when the JVM shuts down (SIGTERM, SIGINT, System.exit), deleting its file. */
    private static void hook() {
        if (!hooked) {
            hooked = true;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                List<FolderLock> open;
                synchronized (FolderLock.class) {
                    open = List.copyOf(HELD.values());
                }
                for (FolderLock l : open) {
                    try {
                        l.close();
                    } catch (IOException ignored) {
                        // the operating system drops the lock with the process anyway
                    }
                }
            }, "gradlab-folder-locks"));
        }
    }

    /** Whether {@link #close} ran (by the job, or by the shutdown hook). */
    boolean isClosed() {
        synchronized (FolderLock.class) {
            return closed;
        }
    }

    /** Who holds the lock: "process PID, started TIME, JOB". */
    String holder() {
        return holder;
    }

    /** Releases the lock and deletes its file (under the registry lock, so no other job can be opening it). */
    @Override
    public void close() throws IOException {
        synchronized (FolderLock.class) {
            if (closed) {
                return;
            }
            closed = true;
            HELD.remove(file);
            Path dir = file.getParent();
            try (FileChannel registry = FileChannel.open(dir.resolve("registry"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                    FileLock ignored = lockRegistry(registry, dir)) {
                Files.deleteIfExists(file);
            } finally {
                channel.close();
            }
        }
    }
}
