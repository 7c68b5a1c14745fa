package org.gradlab.experiment.report;

import org.gradlab.experiment.spec.RunSpec;
import org.gradlab.experiment.engine.RunResult;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Conclusions on made-up results whose answers are known. */
class ConclusionsTest {
    private static RunResult result(String part, String config, List<RunSpec.Grad> clips, long seed, double acc,
            long diverged, long over, double[] layers0) {
        RunSpec spec = new RunSpec(part, config, RunSpec.Model.article(), RunSpec.Optim.sgdMomentum(),
                RunSpec.Sched.of(config.startsWith("fixed") ? "constant" : "onecycle", 0.1), clips, null, seed, 2);
        double[] norms = {1, over >= 0 ? 1e4 : 2};
        return new RunResult(spec, acc, 0.5, new double[] {acc, acc}, new double[] {0.6, 0.5}, diverged, 1, 1.5,
                over >= 0 ? 1e4 : 2, over, 0, List.of("0", "1", "2"), layers0, new double[0], 1, 1, norms, new double[] {0.1, 0.1}, 1,
                new double[][] {layers0}, 0, over, over, new double[0]);
    }

    private static List<RunResult> seeds(String part, String config, List<RunSpec.Grad> clips, double[] accs, long diverged,
            long over, double[] layers0) {
        List<RunResult> r = new ArrayList<>();
        for (int s = 0; s < accs.length; s++) {
            r.add(result(part, config, clips, s, accs[s], diverged, over, layers0));
        }
        return r;
    }

    private static final double[] FLAT = {1, 1, 1};

    @Test
    void schedulesWinOnlyByMoreThanTwoStandardErrors() {
        List<RunResult> rs = new ArrayList<>();
        rs.addAll(seeds("s", "fixed_0.01", List.of(), new double[] {0.90, 0.91, 0.92}, -1, -1, FLAT));
        rs.addAll(seeds("s", "fixed_0.1", List.of(), new double[] {0.94, 0.95, 0.96}, -1, -1, FLAT));
        // mean 0.95 vs 0.91: difference 0.04 > 2 * sqrt(2 * 0.01^2 / 3) = 0.0163
        rs.addAll(seeds("s", "onecycle_0.1", List.of(), new double[] {0.94, 0.95, 0.96}, -1, -1, FLAT));
        List<String> c = Conclusions.of(rs);
        assertTrue(c.contains("onecycle_0.1 (95.0% +- 1.0) beats fixed_0.01 by more than two standard errors; not fixed_0.1."), c.toString());
        assertTrue(c.contains("No schedule beats every fixed rate by more than two standard errors."), c.toString());
        assertTrue(Conclusions.beats(rs.subList(6, 9), rs.subList(0, 3)));
        assertFalse(Conclusions.beats(rs.subList(6, 9), rs.subList(3, 6)));
    }

    @Test
    void clipsRescueOrNot() {
        RunSpec.Grad norm = new RunSpec.Grad("norm", 1);
        RunSpec.Grad value = new RunSpec.Grad("value", 0.1);
        List<RunResult> rs = new ArrayList<>();
        rs.addAll(seeds("c", "A_none", List.of(), new double[] {0.1, 0.1}, 3, 1, FLAT));
        rs.addAll(seeds("c", "A_norm_1", List.of(norm), new double[] {0.9, 0.8}, -1, -1, FLAT));
        rs.addAll(seeds("c", "A_value_0.1", List.of(value), new double[] {0.9, 0.1}, -1, -1, FLAT));
        List<String> c = Conclusions.of(rs);
        assertTrue(c.contains("A without clipping: diverged 2/2, collapsed 2/2, 10.0% +- 0.0. Rescued by norm_1 (85.0% +- 7.1); "
                + "not rescued by value_0.1 (50.0% +- 56.6, diverged 0/2, collapsed 1/2)."), c.toString());
    }

    @Test
    void outcomesAreTrainedDivergedExplodedVanishedOrStalled() {
        assertEquals(Conclusions.Outcome.TRAINED, Conclusions.outcome(seeds("p", "x", List.of(), new double[] {0.9, 0.1, 0.9}, -1, -1, FLAT)));
        assertEquals(Conclusions.Outcome.TRAINED_AFTER_EXPLODING,
                Conclusions.outcome(seeds("p", "x", List.of(), new double[] {0.9}, -1, 5, FLAT)));
        assertEquals(Conclusions.Outcome.DIVERGED, Conclusions.outcome(seeds("p", "x", List.of(), new double[] {0.9}, 4, 3, FLAT)));
        assertEquals(Conclusions.Outcome.EXPLODED, Conclusions.outcome(seeds("p", "x", List.of(), new double[] {0.1}, -1, 3, FLAT)));
        assertEquals(Conclusions.Outcome.VANISHED,
                Conclusions.outcome(seeds("p", "x", List.of(), new double[] {0.1}, -1, -1, new double[] {1e-5, 1, 1})));
        assertEquals(Conclusions.Outcome.STALLED, Conclusions.outcome(seeds("p", "x", List.of(), new double[] {0.1}, -1, -1, FLAT)));
        List<String> c = Conclusions.of(seeds("p", "x", List.of(), new double[] {0.1}, -1, -1, new double[] {1e-5, 1, 1}));
        assertEquals("Vanished (collapsed; at step 0 the first layer's gradient was < 1% of the last layer's): x (10.0%).", c.get(0));
        assertEquals("No configuration's gradient norm went above 1e3: the largest (median over seeds) was 2.00 in x.", c.get(2));
        // a configuration most of whose seeds trained says how many did not
        List<String> mixed = Conclusions.of(seeds("p", "y", List.of(), new double[] {0.9, 0.1, 0.9}, -1, -1, FLAT));
        assertEquals("Trained: y (63.3% +- 46.2, 1/3 seeds collapsed).", mixed.get(0));
    }
}
