package org.gradlab.train;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
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

    public static Path write(Path file, Content content) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = create(dir, "." + file.getFileName() + ".");
        try {
            try (OutputStream out = Files.newOutputStream(tmp, StandardOpenOption.WRITE)) {
                content.writeTo(out);
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return file;
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
