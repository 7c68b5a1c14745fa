package org.gradlab.experiment.spec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.gradlab.data.Dataset;
import org.gradlab.data.TableData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/** Every data source a spec can name: its shape, its split, and one line for a bad file. */
class DataSpecTest {
    private static final Path BLOBS = Path.of(System.getProperty("gradlab.basedir", "."), "data", "blobs.csv");
    private static final Path DIGITS = Path.of(System.getProperty("gradlab.basedir", "."), "data");

    @TempDir
    Path dir;

    @Test
    void theRepositorysCsvIsStandardisedOnItsTrainingPart() throws IOException {
        DataSpec csv = SpecCodec.read("{\"kind\": \"csv\", \"path\": \"" + BLOBS + "\", \"label\": \"label\", \"train\": 450}",
                DataSpec.class);
        DataSpec.Raw raw = csv.source().read();
        assertEquals(new ModelSpec.Shape(4, 3), raw.shape());
        assertArrayEquals(new int[] {200, 200, 200}, raw.all().classCounts(), "blob_a, blob_b, blob_c sorted as classes 0, 1, 2");
        Dataset.Split s = csv.split(raw, 7);
        assertEquals(450, s.train().size());
        assertEquals(150, s.test().size());
        INDArray f = s.train().features();
        for (int j = 0; j < 4; j++) {
            assertEquals(0, f.getColumn(j).meanNumber().doubleValue(), 1e-5, "feature " + j + " centred on the training part");
            assertEquals(1, f.getColumn(j).stdNumber().doubleValue(), 2e-3, "feature " + j + " scaled on the training part");
        }
        assertEquals(s.train(), csv.split(raw, 7).train(), "the same seed, the same split");
        assertTrue(!s.train().equals(csv.split(raw, 8).train()), "another seed, another split");
    }

    @Test
    void badCsvFilesGetOneLineNamingTheFileAndColumn() throws IOException {
        Path noLabel = Files.writeString(dir.resolve("a.csv"), "x,y\n1,2\n3,4\n");
        Path text = Files.writeString(dir.resolve("b.csv"), "x,label\n1,a\nbanana,b\n2,a\n");
        Path missing = Files.writeString(dir.resolve("c.csv"), "x,label\n1,a\n,b\n2,a\n");
        Path oneClass = Files.writeString(dir.resolve("d.csv"), "x,label\n1,a\n2,a\n");
        assertBad(noLabel, "no label column 'label' (columns: [x, y])");
        assertBad(text, "feature column 'x' is STRING, expected numbers");
        assertBad(missing, "feature column 'x', row 2: missing value");
        assertBad(oneClass, "label column 'label' has 1 class; need at least 2");
        assertBad(dir.resolve("none.csv"), "no such CSV file");
    }

    private static void assertBad(Path file, String expected) {
        Exception e = assertThrows(IOException.class, () -> TableData.readCsv(file, "label", List.of()));
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains(expected), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    }

    @Test
    void anyIdxPairWithOrWithoutATestPair() throws IOException {
        Path images = DIGITS.resolve("images-idx3-ubyte.gz");
        Path labels = DIGITS.resolve("labels-idx1-ubyte.gz");
        DataSpec seeded = new DataSpec.Idx(images, labels, null, null, 9_000, 32);
        DataSpec.Raw raw = seeded.source().read();
        assertEquals(new ModelSpec.Shape(784, 10), raw.shape());
        assertEquals(9_000, seeded.split(raw, 1).train().size());
        DataSpec fixed = new DataSpec.Idx(images, labels, images, labels, null, 32);
        Dataset.Split s = fixed.split(fixed.source().read(), 1);
        assertEquals(10_000, s.train().size());
        assertEquals(10_000, s.test().size());
        // EMNIST letters label 1..26: classes 0..26, the largest label + 1
        Path img = Files.write(dir.resolve("i"), idx(0x803, new int[] {3, 2, 2}, new byte[12]));
        Path lab = Files.write(dir.resolve("l"), idx(0x801, new int[] {3}, new byte[] {1, 5, 26}));
        assertEquals(27, new DataSpec.Idx(img, lab, null, null, 2, 1).source().read().all().numClasses());
        var e = assertThrows(IllegalArgumentException.class, () -> new DataSpec.Idx(images, labels, images, null, null, 32));
        assertEquals("testImages and testLabels go together", e.getMessage());
    }

    private static byte[] idx(int magic, int[] dims, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + payload.length);
        b.putInt(magic);
        for (int d : dims) {
            b.putInt(d);
        }
        return b.put(payload).array();
    }

    @Test
    void aTableFromJavaIsRegisteredAndSplitByTheSeed() throws IOException {
        Table t = Table.create("iris-like", DoubleColumn.create("a", 1, 2, 3, 4, 5, 6, 7, 8, 9, 10),
                DoubleColumn.create("b", 2, 1, 4, 3, 6, 5, 8, 7, 10, 9),
                StringColumn.create("kind", "x", "y", "x", "y", "x", "y", "x", "y", "x", "y"));
        DataRegistry.register("ten-rows", t, "kind");
        DataSpec reg = SpecCodec.read("{\"kind\": \"registered\", \"name\": \"ten-rows\", \"train\": 8, \"batch\": 4}",
                DataSpec.class);
        Dataset.Split s = reg.split(reg.source().read(), 3);
        assertEquals(8, s.train().size());
        assertEquals(2, s.train().numClasses());
        var e = assertThrows(IllegalArgumentException.class, () -> DataRegistry.register("ten-rows", t, "kind"));
        assertTrue(e.getMessage().startsWith("data registry: the name 'ten-rows' is taken"), e.getMessage());
        var missing = assertThrows(IllegalArgumentException.class,
                () -> SpecCodec.read("{\"kind\": \"registered\", \"name\": \"nothing\"}", DataSpec.class));
        assertTrue(missing.getMessage().startsWith("name: no dataset is registered as 'nothing'"), missing.getMessage());
    }
}
