package org.gradlab.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.gradlab.Bits;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class GuardTest {

    private static INDArray batch() {
        return GradCheck.randn(Rng.seeded(4), 4, 6);
    }

    @Test
    void theInputGuardRejectsNamingRowAndFeature() {
        INDArray x = batch();
        x.putScalar(2, 3, Double.NaN);
        var e = assertThrows(IllegalArgumentException.class, () -> InputGuard.finite().forward(x));
        assertEquals("input guard: batch row 2, feature 3 is NaN; expected a finite value in [-Infinity, Infinity]", e.getMessage());
        INDArray y = batch().castTo(DataType.FLOAT);
        y.putScalar(1, 5, 7.5);
        var r = assertThrows(IllegalArgumentException.class,
                () -> InputGuard.range(-3, 3, InputGuard.Policy.REJECT).forward(y));
        assertEquals("input guard: batch row 1, feature 5 is 7.5; expected a finite value in [-3.0, 3.0]", r.getMessage());
        y.putScalar(1, 5, Double.POSITIVE_INFINITY);
        var c = assertThrows(IllegalArgumentException.class, () -> InputGuard.finite().forward(y));
        assertEquals("input guard: batch row 1, feature 5 is Infinity; expected a finite value in [-Infinity, Infinity]", c.getMessage());
        assertThrows(IllegalArgumentException.class, () -> InputGuard.range(0, Double.POSITIVE_INFINITY, InputGuard.Policy.CLAMP));
    }

    @Test
    void theInputGuardClampsByPolicyAndPassesCleanBatchesUntouched() {
        InputGuard g = InputGuard.range(-1, 1, InputGuard.Policy.CLAMP);
        INDArray clean = batch().mul(0.1);
        assertSame(clean, g.forward(clean));
        INDArray x = batch().mul(0.1);
        x.putScalar(0, 0, 4);
        x.putScalar(3, 5, Double.NEGATIVE_INFINITY);
        INDArray out = g.forward(x);
        assertEquals(1.0, out.getDouble(0, 0));
        assertEquals(-1.0, out.getDouble(3, 5));
        assertEquals(x.getDouble(1, 1), out.getDouble(1, 1));
        INDArray grad = g.backward(Nd4j.ones(DataType.DOUBLE, 4, 6));
        assertEquals(0.0, grad.getDouble(0, 0));
        assertEquals(0.0, grad.getDouble(3, 5));
        assertEquals(22.0, grad.sumNumber().doubleValue());
        INDArray nan = batch();
        nan.putScalar(0, 1, Double.NaN);
        assertThrows(IllegalArgumentException.class, () -> g.forward(nan), "NaN has no nearest value");
        INDArray inside = batch().mul(0.1);
        inside.putScalar(0, 0, 4);
        GradCheck.check(g, inside);     // clamped entries have zero gradient, the others pass through
    }

    @Test
    void theOutputGuardNamesTheLayerThatProducedNonFiniteLogits() {
        Rng rng = Rng.seeded(8);
        Sequential inner = Sequential.of(Dense.of(6, 5, rng), Activation.relu(), Dense.of(5, 3, rng));
        inner.to(DataType.DOUBLE);
        OutputGuard g = OutputGuard.around(inner);
        assertEquals(inner.namedParams().keySet(), g.namedParams().keySet());
        Bits.assertBitIdentical("clean output", inner.forward(batch()), g.forward(batch()));
        GradCheck.check(g, batch());

        inner.namedParams().get("2.weight").value().putScalar(1, 2, Double.POSITIVE_INFINITY);
        var e = assertThrows(NonFiniteOutputException.class, () -> g.forward(batch().mul(10)));
        assertEquals(true, e.getMessage().startsWith("output guard: layer 2 (") && e.getMessage().endsWith(
                ") produced a non-finite value at batch row 0, unit 1 from finite input"), e.getMessage());

        INDArray bad = batch();
        bad.putScalar(1, 0, Double.NaN);
        var i = assertThrows(NonFiniteOutputException.class, () -> g.forward(bad));
        assertEquals("output guard: the input already holds a non-finite value at batch row 1, unit 0", i.getMessage());
    }
}
