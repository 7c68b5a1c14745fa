package org.gradlab.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reader for the IDX format of LeCun's MNIST files: two zero bytes, a type code, the number of
 * dimensions, then each dimension as a big-endian int32, then the data in row-major order.
 * Only unsigned bytes (type 0x08), which MNIST uses, are accepted. Files may be gzip-compressed
 * (detected from their first bytes, whatever their name).
 */
public final class Idx {
    private static final int UBYTE = 0x08;
    private static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;

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

    /**
     * Reads {@code file}; a missing, unreadable or malformed file raises an exception whose
     * message names the file and what is wrong ({@link IdxFormatException} for the content).
     */
    public static Array read(Path file) throws IOException {
        String name = file.toString();
        if (Files.isDirectory(file)) {
            throw new FileSystemException(name, null, "is a folder, not an IDX file");
        }
        if (!Files.exists(file)) {
            throw new NoSuchFileException(name, null, "no such file");
        }
        if (!Files.isReadable(file)) {
            throw new AccessDeniedException(name, null, "cannot be read (permission denied)");
        }
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, name, Files.size(file));
        }
    }

    /** Reads an IDX stream of unknown length; {@code source} names it in error messages. */
    public static Array read(InputStream raw, String source) throws IOException {
        return read(raw, source, -1);
    }

    /**
     * Reads an IDX stream of {@code length} bytes (-1: unknown). Allocates only as data arrives,
     * so a header that claims more than the stream holds costs no more memory than the stream.
     * Gzip is read to its end, so its CRC-32 and length trailer are checked.
     */
    private static Array read(InputStream raw, String source, long length) throws IOException {
        BufferedInputStream buffered = new BufferedInputStream(raw, 1 << 16);
        buffered.mark(2);
        int b0 = buffered.read();
        int b1 = buffered.read();
        buffered.reset();
        boolean gzip = b0 == 0x1f && b1 == 0x8b;
        try {
            DataInputStream data = new DataInputStream(gzip ? new GZIPInputStream(buffered, 1 << 16) : buffered);
            return read(data, source, gzip ? -1 : length);
        } catch (ZipException e) {
            throw new IdxFormatException(source, "damaged gzip data (" + e.getMessage() + ")");
        } catch (EOFException e) {
            throw new IdxFormatException(source, "truncated gzip data: the file ends before the gzip end marker");
        }
    }

    private static Array read(DataInputStream data, String source, long length) throws IOException {
        int first = data.read();
        if (first < 0) {
            throw new IdxFormatException(source, "empty file; an IDX file starts with a 4-byte header");
        }
        int[] dims;
        try {
            dims = header(data, source, first);
        } catch (EOFException e) {
            throw new IdxFormatException(source, "truncated header: the file ends inside the IDX header");
        }
        long total = 1;
        for (int d : dims) {
            total = total > MAX_ELEMENTS ? total : total * d;   // both < 2^31: no long overflow
        }
        if (total > MAX_ELEMENTS) {
            throw new IdxFormatException(source, "dimensions " + Arrays.toString(dims) + " multiply to more than "
                    + MAX_ELEMENTS + " bytes, the most one array can hold");
        }
        long payload = length - 4L - 4L * dims.length;
        if (length >= 0 && payload != total) {
            throw new IdxFormatException(source, payload < total
                    ? "truncated data: dimensions " + Arrays.toString(dims) + " need " + total + " bytes, file has " + payload
                    : (payload - total) + " bytes follow the " + total + " bytes that dimensions " + Arrays.toString(dims)
                            + " describe");
        }
        byte[] bytes = readUpTo(data, (int) total);
        if (bytes.length < total) {
            throw new IdxFormatException(source, "truncated data: dimensions " + Arrays.toString(dims) + " need "
                    + total + " bytes, file has " + bytes.length);
        }
        if (data.read() >= 0) {   // reading on to the end makes a gzip stream check its CRC and length
            throw new IdxFormatException(source, "more data follows the " + total + " bytes that dimensions "
                    + Arrays.toString(dims) + " describe");
        }
        return new Array(dims, bytes);
    }

    /** The dimensions from the header, after the magic number's first byte. */
    private static int[] header(DataInputStream data, String source, int first) throws IOException {
        int magic = (first << 24) | (data.readUnsignedByte() << 16) | data.readUnsignedShort();
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
        for (int i = 0; i < rank; i++) {
            dims[i] = data.readInt();
            if (dims[i] <= 0) {
                throw new IdxFormatException(source, "dimension " + i + " is " + dims[i]
                        + (dims[i] == 0 ? ": the file holds no data" : "; every dimension must be > 0"));
            }
        }
        return dims;
    }

    /** Reads up to {@code n} bytes, growing the buffer as they arrive rather than trusting {@code n}. */
    private static byte[] readUpTo(InputStream in, int n) throws IOException {
        byte[] buf = new byte[Math.min(n, 1 << 16)];
        int filled = 0;
        while (filled < n) {
            if (filled == buf.length) {
                buf = Arrays.copyOf(buf, (int) Math.min(n, 2L * buf.length));
            }
            int r = in.read(buf, filled, buf.length - filled);
            if (r < 0) {
                break;
            }
            filled += r;
        }
        return filled == buf.length ? buf : Arrays.copyOf(buf, filled);
    }
}
