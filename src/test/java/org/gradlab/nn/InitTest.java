package org.gradlab.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

class InitTest {
    private static double std(INDArray a) {
        return a.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).stdNumber().doubleValue();
    }

    @Test
    void variancesMatchTheirFormulas() {
        int in = 400;
        int out = 300;
        Rng rng = Rng.seeded(1);
        assertEquals(1 / Math.sqrt(3 * in), std(Dense.of(in, out, rng).weight().value()), 2e-3);
        assertEquals(Math.sqrt(2.0 / (in + out)), std(Dense.of(in, out, Init.xavierUniform(), rng).weight().value()), 2e-3);
        assertEquals(Math.sqrt(2.0 / (in + out)), std(Dense.of(in, out, Init.xavierNormal(), rng).weight().value()), 2e-3);
        assertEquals(Math.sqrt(2.0 / in), std(Dense.of(in, out, Init.heNormal(), rng).weight().value()), 2e-3);
        assertEquals(Math.sqrt(2.0 / in), std(Dense.of(in, out, Init.heUniform(), rng).weight().value()), 2e-3);
        assertEquals(Math.sqrt(1.0 / in), std(Dense.of(in, out, Init.lecunNormal(), rng).weight().value()), 2e-3);
        assertEquals(0.5, std(Dense.of(in, out, Init.normal(0.5), rng).weight().value()), 5e-3);
    }

    @Test
    void pytorchDefaultBoundsWeightsAndBiases() {
        Dense d = Dense.of(16, 8, Rng.seeded(2));
        assertTrue(d.weight().value().amaxNumber().doubleValue() <= 0.25);
        assertTrue(d.bias().value().amaxNumber().doubleValue() <= 0.25);
        assertTrue(d.bias().value().amaxNumber().doubleValue() > 0);
        assertEquals(0.0, Dense.of(16, 8, Init.heNormal(), Rng.seeded(2)).bias().value().amaxNumber().doubleValue());
    }

    @Test
    void sameSeedSameWeights() {
        assertEquals(Dense.of(5, 4, Rng.seeded(9)).weight().value(), Dense.of(5, 4, Rng.seeded(9)).weight().value());
        assertThrows(IllegalArgumentException.class, () -> Init.normal(-1));
    }
}
