package org.gradlab.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.nd4j.linalg.api.buffer.DataType;
import org.junit.jupiter.api.Test;

class ScaleTest {
    @Test
    void backwardMatchesFiniteDifferences() {
        Rng rng = Rng.seeded(3);
        GradCheck.check(Scale.of(0.1), GradCheck.randn(rng, 4, 6));
        GradCheck.check(Residual.of(Sequential.of(Dense.of(6, 6, rng), Activation.relu(), Scale.of(0.3)))
                .to(DataType.DOUBLE), GradCheck.randn(rng, 3, 6));
    }

    @Test
    void scalesAndRejectsNonFinite() {
        assertEquals(-1.5, Scale.of(-0.5).forward(org.nd4j.linalg.factory.Nd4j.createFromArray(3.0)).getDouble(0), 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Scale.of(Double.NaN));
        assertEquals("Scale: factor must be finite, got NaN", e.getMessage());
    }
}
