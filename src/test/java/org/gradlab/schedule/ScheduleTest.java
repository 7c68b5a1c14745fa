package org.gradlab.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import tech.tablesaw.api.Table;

class ScheduleTest {
    @Test
    void plateauCutsAfterPatienceThenWaitsOutTheCooldown() {
        Plateau p = Plateau.of(Plateau.Config.defaults().withFactor(0.5).withPatience(1).withCooldown(1));
        double[] metrics = {1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.5};
        double[] lr = new double[metrics.length];
        for (int i = 0; i < metrics.length; i++) {
            p.observe(metrics[i], 0.1);
            lr[i] = p.apply(0.1);
        }
        // bad counts 0,1,2 -> cut at the third; cooldown eats the 4th; 5th bad=1; 6th bad=2 -> cut
        assertEquals(List.of(0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025),
                java.util.Arrays.stream(lr).boxed().map(v -> Math.round(v * 1e9) / 1e9).toList());
        assertEquals(2, p.state().reductions());
        assertEquals(0.5, p.state().best());
    }

    @Test
    void plateauRespectsMinLrEpsAndNaN() {
        Plateau p = Plateau.of(Plateau.Config.defaults().withFactor(0.1).withPatience(0).withMinLr(0.003));
        p.observe(1.0, 0.1);
        assertTrue(p.observe(Double.NaN, 0.1), "NaN is never better: a bad epoch");
        assertEquals(0.01, p.apply(0.1), 1e-15);
        assertTrue(p.observe(2.0, 0.1));
        assertEquals(0.003, p.apply(0.1), 0.0);      // clamped at minLr
        assertFalse(p.observe(2.0, 0.1), "at minLr a cut changes nothing, so none is counted");
        Plateau tiny = Plateau.of(Plateau.Config.defaults().withPatience(0).withEps(1e-3));
        tiny.observe(1, 1e-3);
        assertFalse(tiny.observe(2, 1e-3), "a change of at most eps is skipped");
        assertEquals(1.0, tiny.scale());
    }

    @Test
    void plateauStateRoundTrips() {
        Plateau a = Plateau.of(Plateau.Config.defaults().withPatience(0).withMode(Plateau.Mode.MAX));
        a.observe(0.9, 1);
        a.observe(0.8, 1);
        Plateau b = Plateau.of(a.config());
        b.restore(a.state());
        a.observe(0.7, 1);
        b.observe(0.7, 1);
        assertEquals(a.state(), b.state());
    }

    @Test
    void warmupCosineAndPlateauCompose() {
        Schedule s = Schedule.cosine(0.1, 90, 0.0).withWarmup(10);
        assertEquals(0.01, s.at(0), 1e-15);
        assertEquals(0.1, s.at(9), 1e-15);
        assertEquals(0.1, s.at(10), 1e-15);
        assertEquals(0.05, s.at(55), 1e-15);
        Plateau p = Plateau.of(Plateau.Config.defaults().withPatience(0).withFactor(0.5));
        p.observe(1, s.at(20));
        p.observe(1, s.at(20));
        assertEquals(s.at(30) * 0.5, p.apply(s.at(30)), 0.0);
    }

    @Test
    void compositionAndPreview() {
        Schedule s = Schedule.exponential(0.1, 0.5).times(2);
        assertEquals(0.05, s.at(2), 1e-15);
        Schedule seq = Schedule.sequence(List.of(Schedule.constant(1), Schedule.step(0.5, 1, 0.5)), 3);
        assertEquals(1.0, seq.at(2));
        assertEquals(0.5, seq.at(3));
        assertEquals(0.25, seq.at(4));
        Table t = Schedule.oneCycle(1, 10).table(10);
        assertEquals(List.of("step", "lr", "momentum"), t.columnNames());
        assertEquals(10, t.rowCount());
        assertEquals(List.of("step", "lr"), Schedule.constant(1).table(3).columnNames());
        assertEquals(1.0, Schedule.lambda(2, k -> 1.0 / (k + 2)).at(0));
    }

    @Test
    void badArgumentsNameTheSettingAndTheValue() {
        assertMessage(() -> Schedule.constant(0), "lr must be finite and > 0, got 0.0");
        assertMessage(() -> Schedule.step(0.1, 10, -1), "gamma must be > 0, got -1.0");
        assertMessage(() -> Schedule.multiStep(0.1, new long[] {30, 10}, 0.1), "strictly increasing, got [30, 10]");
        assertMessage(() -> Schedule.cosine(0.1, 0, 0), "tMax must be > 0, got 0");
        assertMessage(() -> Schedule.oneCycle(1, 100).withPctStart(1.5), "pctStart must be in (0, 1), got 1.5");
        assertMessage(() -> Schedule.constant(0.1).at(-1), "step must be >= 0, got -1");
        assertMessage(() -> Schedule.oneCycle(1, 100).at(101), "step 101 is past totalSteps 100");
        assertMessage(() -> Schedule.sequence(List.of(Schedule.constant(1)), 5), "one milestone fewer than schedules");
        assertMessage(() -> Plateau.Config.defaults().withFactor(1.0), "factor must be in (0, 1), got 1.0");
        assertMessage(() -> Schedule.constant(1).withWarmup(0), "steps must be > 0, got 0");
    }

    private static void assertMessage(org.junit.jupiter.api.function.Executable e, String fragment) {
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class, e);
        assertTrue(x.getMessage().contains(fragment), x.getMessage());
    }
}
