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

    @Test
    void groupsSelectNoDecayParametersAndScaleTheRate() {
        org.gradlab.nn.Rng rng = org.gradlab.nn.Rng.seeded(1);
        org.gradlab.nn.Sequential model = org.gradlab.nn.Sequential.of(org.gradlab.nn.Dense.of(3, 4, rng),
                org.gradlab.nn.LayerNorm.of(4), org.gradlab.nn.Dense.of(4, 2, rng));
        Optimizer.Group noDecay = Optimizer.Group.noWeightDecay(model);
        assertEquals(java.util.List.of("0.bias", "1.weight", "1.bias", "2.bias"),
                model.namedParams().keySet().stream().filter(noDecay.members()).toList());
        Optimizer opt = Optimizer.of(Sgd.plain().withWeightDecay(0.5))
                .withGroups(noDecay, Optimizer.Group.of("head", n -> n.startsWith("2.")).withLrScale(10));
        var params = model.namedParams();
        params.values().forEach(p -> p.grad().assign(0));
        var before = new java.util.HashMap<String, double[]>();
        params.forEach((n, p) -> before.put(n, p.value().castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).data().asDouble()));
        opt.step(params, 0.1);
        // zero gradients: only weight decay moves a parameter, p <- p (1 - lr * wd * lrScale)
        assertArrayEquals(before.get("0.bias"), params.get("0.bias").value().castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).toDoubleVector(), 0.0);
        assertEquals(before.get("0.weight")[0] * 0.95, params.get("0.weight").value().getDouble(0, 0), 1e-7);
        assertEquals(before.get("2.weight")[0] * 0.5, params.get("2.weight").value().getDouble(0, 0), 1e-7);
        assertEquals("head", opt.groupOf("2.weight").name());
        assertEquals("all", opt.groupOf("0.weight").name());
    }

    @Test
    void aCyclingScheduleSetsMomentumPerStep() {
        Map<String, Param> params = one(1.0, 1.0);
        Optimizer opt = Optimizer.of(Sgd.momentum(0.9));
        opt.step(params, 0.1, java.util.OptionalDouble.of(0.5));
        opt.step(params, 0.1, java.util.OptionalDouble.of(0.5));
        // buf = 1, then 0.5 * 1 + 1 = 1.5: p = 1 - 0.1 - 0.15
        assertEquals(0.75, params.get("w").value().getDouble(0), 1e-12);
        var e = assertThrows(UnsupportedOperationException.class,
                () -> Optimizer.of(Adagrad.defaults()).step(one(1, 1), 0.1, java.util.OptionalDouble.of(0.9)));
        assertTrue(e.getMessage().contains("Adagrad has no momentum"), e.getMessage());
    }
}
