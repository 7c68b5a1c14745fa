package org.gradlab.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

/**
 * Reader for the IDX format of LeCun's MNIST files: two zero bytes, a type code, the number of
 * dimensions, then each dimension as a big-endian int32, then the data in row-major order.
 * Only unsigned bytes (type 0x08), which MNIST uses, are accepted. Files may be gzip-compressed
 * (detected from their first bytes, whatever their name).
 */
public final class Idx {
    private static final int UBYTE = 0x08;

    private Idx() {
    }

    /** The dimensions and unsigned-byte contents of an IDX file. */
    public record Array(int[] dims, byte[] data) {
        /** Number of items (the first dimension). */
        public int count() {
            return dims[0];
        }

        /** Size of one item: the product of the other dimensions. */
        public int itemSize() {
            int n = 1;
            for (int i = 1; i < dims.length; i++) {
                n *= dims[i];
            }
            return n;
        }
    }

    /** Reads {@code file}; {@link IdxFormatException} names the file and what is wrong with it. */
    public static Array read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "IDX file not found");
        }
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file.toString());
        }
    }

    /** Reads an IDX stream; {@code source} names it in error messages. */
    public static Array read(InputStream raw, String source) throws IOException {
        BufferedInputStream buffered = new BufferedInputStream(raw, 1 << 16);
        buffered.mark(2);
        int b0 = buffered.read();
        int b1 = buffered.read();
        buffered.reset();
        InputStream in = (b0 == 0x1f && b1 == 0x8b) ? new GZIPInputStream(buffered, 1 << 16) : buffered;
        DataInputStream data = new DataInputStream(in);
        int magic;
        try {
            magic = data.readInt();
        } catch (EOFException e) {
            throw new IdxFormatException(source, "file is shorter than the 4-byte IDX header");
        }
        int type = (magic >>> 8) & 0xff;
        int rank = magic & 0xff;
        if ((magic >>> 16) != 0 || rank == 0) {
            throw new IdxFormatException(source, String.format(
                    "wrong magic number 0x%08x: an IDX file starts with 0x0000, a type byte and a rank > 0", magic));
        }
        if (type != UBYTE) {
            throw new IdxFormatException(source, String.format(
                    "element type 0x%02x is not supported; expected 0x08 (unsigned byte)", type));
        }
        int[] dims = new int[rank];
        long total = 1;
        for (int i = 0; i < rank; i++) {
            try {
                dims[i] = data.readInt();
            } catch (EOFException e) {
                throw new IdxFormatException(source, "truncated header: " + rank + " dimensions announced, " + i + " present");
            }
            if (dims[i] < 0) {
                throw new IdxFormatException(source, "dimension " + i + " is negative: " + dims[i]);
            }
            total *= dims[i];
        }
        if (total > Integer.MAX_VALUE - 8) {
            throw new IdxFormatException(source, "dimensions " + Arrays.toString(dims) + " exceed 2^31 elements");
        }
        byte[] bytes = new byte[(int) total];
        int read = data.readNBytes(bytes, 0, bytes.length);
        if (read < bytes.length) {
            throw new IdxFormatException(source, "truncated data: dimensions " + Arrays.toString(dims)
                    + " need " + bytes.length + " bytes, file has " + read);
        }
        return new Array(dims, bytes);
    }
}
