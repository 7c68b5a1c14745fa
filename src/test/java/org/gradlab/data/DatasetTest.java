package org.gradlab.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class DatasetTest {

    /** A [7, 3] dataset whose feature (r, c) is 10 r + c and whose label is r mod 3. */
    private static Dataset small(DataType type) {
        INDArray f = Nd4j.create(IntStream.range(0, 21).mapToDouble(i -> 10 * (i / 3) + i % 3).toArray(), new long[] {7, 3},
                DataType.DOUBLE).castTo(type);
        return new Dataset(f, IntStream.range(0, 7).map(r -> r % 3).toArray(), 3);
    }

    @Test
    void selectTakesTheRowsInTheOrderAsked() {
        int[] rows = {6, 0, 3, 3, 5};
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE, DataType.HALF}) {
            Dataset d = small(type);
            Dataset s = d.select(rows);
            assertEquals(type, s.features().dataType());
            assertArrayEquals(new long[] {5, 3}, s.features().shape());
            for (int i = 0; i < rows.length; i++) {
                assertArrayEquals(new double[] {10 * rows[i], 10 * rows[i] + 1, 10 * rows[i] + 2},
                        s.features().getRow(i).toDoubleVector(), 0, type + " row " + i);
                assertEquals(rows[i] % 3, s.labels()[i]);
            }
            assertEquals(d.features().getRows(rows), s.features(), type.toString());
        }
    }

    @Test
    void aSplitPartitionsTheExamplesWithTheirLabels() {
        Dataset d = Mnist.bundled();
        Dataset.Split split = d.split(8_000, 3);
        assertEquals(8_000, split.train().size());
        assertEquals(2_000, split.test().size());
        float[] all = d.features().reshape(-1).toFloatVector();
        int dims = d.inputSize();
        Map<Long, Integer> left = new HashMap<>();      // examples by a hash of their pixels and label, with their counts
        for (int i = 0; i < d.size(); i++) {
            left.merge(key(all, i * dims, dims, d.labels()[i]), 1, Integer::sum);
        }
        for (Dataset part : new Dataset[] {split.train(), split.test()}) {
            float[] f = part.features().reshape(-1).toFloatVector();
            for (int i = 0; i < part.size(); i++) {
                long k = key(f, i * dims, dims, part.labels()[i]);
                assertTrue(left.merge(k, -1, Integer::sum) >= 0, "example " + i + " of a part, with its label, is one of the digits");
            }
        }
        assertTrue(left.values().stream().allMatch(c -> c == 0), "every digit in exactly one part");
    }

    private static long key(float[] f, int at, int n, int label) {
        long h = label;
        for (int j = 0; j < n; j++) {
            h = 31 * h + Float.floatToIntBits(f[at + j]);
        }
        return h;
    }

    @Test
    void selectNamesAnIndexOutsideTheData() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> small(DataType.FLOAT).select(new int[] {2, 7}));
        assertEquals("select: index 7 (at position 1) is outside [0, 7)", e.getMessage());
    }
}
