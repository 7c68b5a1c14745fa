package org.gradlab.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.gradlab.nn.Rng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MnistTest {
    @TempDir
    Path dir;

    /** An IDX file with the given magic, dims and payload. */
    private static byte[] idx(int magic, int[] dims, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + payload.length);
        b.putInt(magic);
        for (int d : dims) {
            b.putInt(d);
        }
        b.put(payload);
        return b.array();
    }

    private Path write(String name, byte[] bytes, boolean gzip) throws IOException {
        Path p = dir.resolve(name);
        if (gzip) {
            ByteArrayOutputStream bos = new ByteArrayOutputStream();
            try (OutputStream out = new GZIPOutputStream(bos)) {
                out.write(bytes);
            }
            bytes = bos.toByteArray();
        }
        return Files.write(p, bytes);
    }

    private static byte[] pixels(int n) {
        byte[] p = new byte[n * 4];
        for (int i = 0; i < p.length; i++) {
            p[i] = (byte) (i * 37);
        }
        return p;
    }

    @Test
    void bundledDigitsAreTenThousandRealImages() {
        Dataset d = Mnist.bundled();
        assertEquals(10_000, d.size());
        assertEquals(784, d.inputSize());
        assertArrayEquals(new int[] {1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978}, d.classCounts());
        assertEquals(0.0, d.features().minNumber().doubleValue());
        assertEquals(1.0, d.features().maxNumber().doubleValue());
        // a real digit: most pixels are background, a stroke of a few hundred bright ones
        double ink = d.features().getRow(0).gt(0.5).castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT).sumNumber().doubleValue();
        assertTrue(ink > 30 && ink < 400, "ink pixels: " + ink);
    }

    @Test
    void splitIsSeededAndDisjoint() {
        Dataset d = Mnist.bundled();
        Dataset.Split a = d.split(42);
        Dataset.Split b = d.split(42);
        assertEquals(8000, a.train().size());
        assertEquals(2000, a.test().size());
        assertArrayEquals(a.train().labels(), b.train().labels());
        assertEquals(a.train().features(), b.train().features());
        assertNotEquals(java.util.Arrays.toString(a.test().labels()), java.util.Arrays.toString(d.split(43).test().labels()));
        assertThrows(IllegalArgumentException.class, () -> d.split(0, 1));
        assertThrows(IllegalArgumentException.class, () -> d.split(10_000, 1));
    }

    @Test
    void readsPlainAndGzipFilesOfAnyCount() throws IOException {
        int[] labels = {3, 1, 4};
        for (boolean gzip : new boolean[] {false, true}) {
            Path img = write("img" + gzip, idx(0x803, new int[] {3, 2, 2}, pixels(3)), gzip);
            Path lab = write("lab" + gzip, idx(0x801, new int[] {3}, new byte[] {3, 1, 4}), gzip);
            Dataset d = Mnist.load(img, lab);
            assertArrayEquals(labels, d.labels());
            assertEquals(4, d.inputSize());
            assertEquals((37 & 0xff) / 255.0, d.features().getDouble(0, 1), 1e-7);
            assertEquals(((5 * 37) & 0xff) / 255.0, d.features().getDouble(1, 1), 1e-7);
        }
    }

    @Test
    void errorsNameTheFileAndTheProblem() throws IOException {
        Path lab = write("labels", idx(0x801, new int[] {2}, new byte[] {1, 2}), true);
        Path missing = dir.resolve("nope.gz");
        var e0 = assertThrows(NoSuchFileException.class, () -> Mnist.load(missing, lab));
        assertTrue(e0.getMessage().contains("nope.gz"), e0.getMessage());

        Path badMagic = write("magic", idx(0x12345678, new int[] {}, new byte[0]), false);
        var e1 = assertThrows(IdxFormatException.class, () -> Mnist.load(badMagic, lab));
        assertTrue(e1.getMessage().contains("magic") && e1.getMessage().contains("0x12345678"), e1.getMessage());

        Path floats = write("floats", idx(0x0D03, new int[] {2, 2, 2}, new byte[32]), false);
        var e2 = assertThrows(IdxFormatException.class, () -> Mnist.load(floats, lab));
        assertTrue(e2.getMessage().contains("0x0d"), e2.getMessage());

        byte[] full = idx(0x803, new int[] {2, 2, 2}, pixels(2));
        Path truncated = write("truncated", java.util.Arrays.copyOf(full, full.length - 3), true);
        var e3 = assertThrows(IdxFormatException.class, () -> Mnist.load(truncated, lab));
        assertTrue(e3.getMessage().contains("truncated") && e3.getMessage().contains("need 8 bytes, file has 5"), e3.getMessage());

        Path three = write("three", idx(0x803, new int[] {3, 2, 2}, pixels(3)), false);
        var e4 = assertThrows(IdxFormatException.class, () -> Mnist.load(three, lab));
        assertTrue(e4.getMessage().contains("3 images but 2 labels"), e4.getMessage());
        assertTrue(e4.getMessage().startsWith(three.toString()), e4.getMessage());

        Path empty = write("empty", new byte[0], false);
        assertThrows(IdxFormatException.class, () -> Mnist.load(empty, lab));

        Path badLabel = write("badlabel", idx(0x801, new int[] {2}, new byte[] {1, 12}), false);
        Path two = write("two", idx(0x803, new int[] {2, 2, 2}, pixels(2)), false);
        var e5 = assertThrows(IdxFormatException.class, () -> Mnist.load(two, badLabel));
        assertTrue(e5.getMessage().contains("badlabel") && e5.getMessage().contains("label 12"), e5.getMessage());
    }

    /** Bytes allocated by this thread while {@code r} runs. */
    private static long allocated(Runnable r) {
        var bean = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long before = bean.getThreadAllocatedBytes(Thread.currentThread().getId());
        r.run();
        return bean.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;
    }

    private String failure(Path images, Path labels) {
        var e = assertThrows(IOException.class, () -> Mnist.load(images, labels));
        assertTrue(e.getMessage().startsWith(images.toString()) || e.getMessage().startsWith(labels.toString()), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        return e.getMessage();
    }

    @Test
    void everyFlippedByteOfTheGzipIsCaught() throws IOException {
        byte[] good = Files.readAllBytes(Path.of("data/images-idx3-ubyte.gz"));
        Path labels = Path.of("data/labels-idx1-ubyte.gz");
        java.util.Random random = new java.util.Random(7);
        // past the gzip header (its time stamp and file name are not checked), through the CRC and
        // length trailer; not the deflate stream's last byte, which may hold padding bits
        int[] positions = {40, good.length / 3, good.length / 2, good.length - 20, good.length - 5, good.length - 1,
            40 + random.nextInt(good.length - 50), 40 + random.nextInt(good.length - 50)};
        for (int pos : positions) {
            byte[] bad = good.clone();
            bad[pos] ^= 0x10;
            Path file = Files.write(dir.resolve("flipped-" + pos + ".gz"), bad);
            String m = failure(file, labels);   // names the file; says "damaged gzip data" or what the damage made
            assertTrue(m.contains("gzip") || m.contains("data"), pos + ": " + m);
        }
    }

    @Test
    void truncatedGzipNamesTheFile() throws IOException {
        byte[] full = Files.readAllBytes(write("full", idx(0x803, new int[] {3, 2, 2}, pixels(3)), true));
        Path lab = write("lab", idx(0x801, new int[] {3}, new byte[] {3, 1, 4}), false);
        for (int cut : new int[] {4, 8, 12, full.length - 8, full.length - 1}) {
            Path file = Files.write(dir.resolve("cut" + cut + ".gz"), java.util.Arrays.copyOf(full, full.length - cut));
            String m = failure(file, lab);
            assertTrue(m.contains("truncated") || m.contains("damaged"), cut + ": " + m);
        }
    }

    @Test
    void malformedHeadersFailWithoutAllocatingWhatTheyClaim() throws IOException {
        Path lab = write("lab", idx(0x801, new int[] {2}, new byte[] {1, 2}), false);
        Path zero = write("zero", idx(0x803, new int[] {0, 28, 28}, new byte[0]), false);
        assertTrue(failure(zero, lab).contains("dimension 0 is 0: the file holds no data"));
        Path negative = write("negative", idx(0x803, new int[] {2, -28, 28}, new byte[0]), false);
        assertTrue(failure(negative, lab).contains("dimension 1 is -28"));
        Path overflow = write("overflow", idx(0x804, new int[] {65536, 65536, 65536, 65536}, new byte[16]), false);
        assertTrue(failure(overflow, lab).contains("multiply to more than"), failure(overflow, lab));
        // a 16-byte file whose header claims 46340 x 46340 = 2.1e9 bytes
        for (boolean gzip : new boolean[] {false, true}) {
            Path huge = write("huge" + gzip, idx(0x803, new int[] {1, 46340, 46340}, new byte[0]), gzip);
            long bytes = allocated(() -> assertTrue(failure(huge, lab).contains("need 2147395600 bytes, file has 0")));
            assertTrue(bytes < 20_000_000, "allocated " + bytes + " bytes for a " + Files.size(huge) + "-byte file");
        }
        Path header = write("header", java.util.Arrays.copyOf(idx(0x803, new int[] {2, 2, 2}, pixels(2)), 10), false);
        assertTrue(failure(header, lab).contains("truncated header"));
        Path extra = write("extra", idx(0x803, new int[] {2, 2, 2}, pixels(3)), false);
        assertTrue(failure(extra, lab).contains("4 bytes follow the 8 bytes"), failure(extra, lab));
    }

    @Test
    void foldersAndUnreadableFilesAreNamed() throws IOException {
        Path lab = write("lab", idx(0x801, new int[] {2}, new byte[] {1, 2}), false);
        Path folder = Files.createDirectory(dir.resolve("folder"));
        assertEquals(folder + ": is a folder, not an IDX file", failure(folder, lab));
        assertEquals(dir.resolve("none") + ": no such file", failure(dir.resolve("none"), lab));
        Path locked = write("locked", idx(0x803, new int[] {2, 2, 2}, pixels(2)), false);
        Files.setPosixFilePermissions(locked, java.util.Set.of());
        org.junit.jupiter.api.Assumptions.assumeFalse(Files.isReadable(locked), "root reads any file");
        assertEquals(locked + ": cannot be read (permission denied)", failure(locked, lab));
    }

    @Test
    void batchesCoverEveryExampleOnceAndReshuffle() {
        Dataset d = Mnist.bundled().split(100, 1).train();
        Rng rng = Rng.seeded(5);
        List<Batches.Batch> e1 = Batches.epoch(d, 32, rng);
        List<Batches.Batch> e2 = Batches.epoch(d, 32, rng);
        assertEquals(List.of(32, 32, 32, 4), e1.stream().map(Batches.Batch::size).toList());
        int[] counts = new int[10];
        for (Batches.Batch b : e1) {
            for (int i = 0; i < b.size(); i++) {
                counts[b.labels()[i]]++;
                assertEquals(1.0, b.targets().getDouble(i, b.labels()[i]));
            }
            assertEquals(b.size(), b.targets().sumNumber().intValue());
        }
        assertArrayEquals(d.classCounts(), counts);
        assertNotEquals(java.util.Arrays.toString(e1.get(0).labels()), java.util.Arrays.toString(e2.get(0).labels()));
        assertThrows(IllegalArgumentException.class, () -> Batches.epoch(d, 0, rng));
    }

    @Test
    void datasetRejectsNanAndBadLabels() {
        var nan = org.nd4j.linalg.factory.Nd4j.create(new double[][] {{1, Double.NaN}, {0, 0}});
        var e = assertThrows(IllegalArgumentException.class, () -> new Dataset(nan, new int[] {0, 1}, 2));
        assertTrue(e.getMessage().contains("NaN"), e.getMessage());
        var ok = org.nd4j.linalg.factory.Nd4j.zeros(2, 2);
        var e2 = assertThrows(IllegalArgumentException.class, () -> new Dataset(ok, new int[] {0, 5}, 2));
        assertTrue(e2.getMessage().contains("label 5 at index 1"), e2.getMessage());
    }
}
