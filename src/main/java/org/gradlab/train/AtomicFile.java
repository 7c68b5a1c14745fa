package org.gradlab.train;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes a file atomically: into a temporary file beside the target, then renamed over it, so a
 * crash or a full disk never leaves a half-written file where a good one was. The file gets the
 * usual permissions (0644 under a umask of 022), like any file the process creates; a temporary
 * left by a killed process starts with {@code .} and ends with {@value #TEMPORARY_SUFFIX}.
 */
public final class AtomicFile {
    /** How the names of temporaries end. */
    public static final String TEMPORARY_SUFFIX = ".tmp";

    private AtomicFile() {
    }

    /** What writes the content. */
    @FunctionalInterface
    public interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    /**
     * Writes {@code file} with {@code content}. A failure of the file system (a full disk, a folder
     * that cannot be written) is a {@link FileSystemException} naming {@code file} and the reason
     * ({@code runs/study/summary.csv: No space left on device}); the temporary is removed.
     */
    public static Path write(Path file, Content content) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = create(dir, "." + file.getFileName() + ".");
            try (OutputStream out = Files.newOutputStream(tmp, StandardOpenOption.WRITE)) {
                content.writeTo(out);
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileSystemException e) {
            throw named(file, e, e.getReason() != null ? e.getReason() : reason(e));
        } catch (IOException e) {
            throw named(file, e, deepest(e));
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the folder went away or became read-only: the write's own failure says why
                }
            }
        }
        return file;
    }

    /** The message of the innermost I/O failure: an image writer's "I/O error writing PNG file!" wraps "No space left on device". */
    private static String deepest(IOException e) {
        String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
            if (c instanceof IOException && c.getMessage() != null) {
                why = c.getMessage();
            }
        }
        return why;
    }

    private static String reason(FileSystemException e) {
        return e instanceof AccessDeniedException ? "permission denied"
                : e instanceof NoSuchFileException ? "no such folder"
                : e instanceof FileSystemLoopException || e instanceof NotDirectoryException ? "not a folder"
                : e.getClass().getSimpleName();
    }

    private static FileSystemException named(Path file, IOException cause, String reason) {
        FileSystemException e = cause instanceof AccessDeniedException ? new AccessDeniedException(file.toString(), null, reason)
                : new FileSystemException(file.toString(), null, reason);
        e.initCause(cause);
        return e;
    }

    /**
     * Creates a new empty file with a random name; unlike {@link Files#createTempFile} (always
     * 0600) it gets the permissions the umask gives.
     */
    private static Path create(Path dir, String prefix) throws IOException {
        while (true) {
            Path tmp = dir.resolve(prefix + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36) + TEMPORARY_SUFFIX);
            try {
                return Files.createFile(tmp);
            } catch (FileAlreadyExistsException e) {
                // another writer drew the same name: draw again
            }
        }
    }
}
