package org.gradlab;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Exact comparisons: ND4J's INDArray.equals allows a 1e-5 tolerance, these allow none. */
public final class Bits {
    private Bits() {
    }

    public static void assertBitIdentical(String what, INDArray expected, INDArray actual) {
        assertEquals(expected.dataType(), actual.dataType(), what + " type");
        assertArrayEquals(expected.shape(), actual.shape(), what + " shape");
        long[] e = java.util.Arrays.stream(expected.castTo(DataType.DOUBLE).dup('c').data().asDouble())
                .mapToLong(Double::doubleToLongBits).toArray();
        long[] a = java.util.Arrays.stream(actual.castTo(DataType.DOUBLE).dup('c').data().asDouble())
                .mapToLong(Double::doubleToLongBits).toArray();
        assertArrayEquals(e, a, what + " differs");
    }

    public static void assertBitIdentical(Map<String, INDArray> expected, Map<String, INDArray> actual) {
        assertEquals(expected.keySet(), actual.keySet());
        expected.forEach((n, v) -> assertBitIdentical(n, v, actual.get(n)));
    }
}
