package org.gradlab.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.gradlab.nn.Param;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

class OptimizerTest {
    private static Map<String, Param> one(double value, double grad) {
        Param p = new Param("w", Nd4j.create(new double[] {value, -value}));
        p.grad().assign(Nd4j.create(new double[] {grad, grad}));
        return Map.of("w", p);
    }

    @Test
    void adamAtRateZeroAdvancesTheMomentsButNotTheParameters() {
        Map<String, Param> params = one(1.0, 0.5);
        Optimizer opt = Optimizer.of(Adam.defaults());
        opt.step(params, 0.0);
        assertArrayEquals(new double[] {1.0, -1.0}, params.get("w").value().toDoubleVector(), 0.0);
        Adam.State s = (Adam.State) opt.state().get("w");
        assertEquals(1, s.step());
        assertEquals(0.1 * 0.5, s.expAvg().getDouble(0), 1e-15);
        // the next real step is the second Adam step: |update| = lr * m_hat / (sqrt(v_hat) + eps) = lr
        opt.step(params, 0.01);
        assertEquals(1.0 - 0.01, params.get("w").value().getDouble(0), 1e-9);
    }

    @Test
    void sgdStepIsMinusLrTimesGradient() {
        Map<String, Param> params = one(1.0, 2.0);
        Optimizer.of(Sgd.plain()).step(params, 0.1);
        assertArrayEquals(new double[] {0.8, -1.2}, params.get("w").value().toDoubleVector(), 1e-15);
    }

    @Test
    void badSettingsNameTheValue() {
        var e = assertThrows(IllegalArgumentException.class, () -> Sgd.momentum(-0.9));
        assertTrue(e.getMessage().contains("momentum") && e.getMessage().contains("-0.9"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Sgd.plain().withNesterov());
        assertThrows(IllegalArgumentException.class, () -> Adam.defaults().withBetas(1.0, 0.999));
        var lr = assertThrows(IllegalArgumentException.class, () -> Optimizer.of(Sgd.plain()).step(one(1, 1), -1e-3));
        assertTrue(lr.getMessage().contains("-0.001"), lr.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Optimizer.of(Sgd.plain()).step(one(1, 1), Double.NaN));
    }
}
