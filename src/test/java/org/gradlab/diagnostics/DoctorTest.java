package org.gradlab.diagnostics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.gradlab.data.Dataset;
import org.gradlab.data.Mnist;
import org.gradlab.experiment.jobs.Presets;
import org.gradlab.plot.DoctorPage;
import org.gradlab.train.History;
import org.gradlab.train.Trainer;
import org.junit.jupiter.api.Test;

/** The doctor on a real exploding run: a deep ReLU net with a too-large init at a constant SGD rate of 0.1. */
class DoctorTest {
    @Test
    void onARealExplosionItNamesTheStepAndLayerAndRanksTheFixes() {
        Dataset.Split s = Mnist.bundled().split(8_000, 0);
        Monitor monitor = Monitor.create();
        Trainer t = Presets.explodingTrainer(0).epochs(3).callback(monitor).build();
        History h = t.fit(s.train().split(3_000, 1).train(), s.test().split(500, 2).train());

        long firstNaN = h.stepResults().stream().filter(r -> !Double.isFinite(r.loss())).mapToLong(r -> r.step())
                .findFirst().orElseThrow(() -> new AssertionError("the run was meant to explode"));
        Doctor.Diagnosis d = Doctor.diagnose(monitor, t.model());
        Alarm e = d.event();
        assertNotNull(e);
        assertEquals(Alarm.Kind.EXPLOSION, e.kind(), d.verdict());
        assertTrue(e.step() < firstNaN, "warned at " + e.step() + ", before the loss turned NaN at " + firstNaN);

        // independently: at the event step, among the parameters carrying at least the absolute floor and a
        // tenth of the global norm, the named one's norm is the largest multiple of its own median over the
        // steps before, and that multiple is well above the others' typical size
        List<LayerStats> ls = monitor.layerStats();
        double global = monitor.stepRecords().stream().filter(r -> r.step() == e.step()).findFirst().orElseThrow().gradNorm();
        String worst = null;
        double worstRatio = 0;
        for (String p : t.model().namedParams().keySet()) {
            double[] before = ls.stream().filter(l -> l.param().equals(p) && l.step() < e.step())
                    .mapToDouble(LayerStats::gradNorm).sorted().toArray();
            double now = ls.stream().filter(l -> l.param().equals(p) && l.step() == e.step()).findFirst().orElseThrow().gradNorm();
            double ratio = now >= Math.max(1, 0.1 * global) ? now / before[before.length / 2] : 0;
            if (ratio > worstRatio) {
                worstRatio = ratio;
                worst = p;
            }
        }
        assertEquals(worst, e.layer(), "the layer whose gradient jumped most against its own history");
        assertTrue(worstRatio > 3, "jump " + worstRatio);

        List<String> titles = d.fixes().stream().map(Doctor.Fix::title).toList();
        // the failure comes before any sensible warmup would end, so no warmup is proposed
        assertTrue(titles.get(0).startsWith("Lower the learning rate") || titles.get(0).startsWith("Clip"), titles.toString());
        assertTrue(titles.stream().noneMatch(x -> x.startsWith("Warm up")), titles.toString());
        assertTrue(titles.stream().anyMatch(x -> x.startsWith("Clip the global gradient norm at")), titles.toString());
        assertTrue(titles.contains("Add normalisation or residual connections"), titles.toString());
        assertTrue(DoctorPage.markdown(d).contains("step " + e.step()) && DoctorPage.markdown(d).contains(e.layer()));
        assertTrue(DoctorPage.page(d).contains("<td>suggested, not verified</td>"), "the fixes as a table");
        assertTrue(d.verdict().contains("Suspected cause (not verified by replay): "), d.verdict());
        long[] steps = d.alarms().longColumn("step").asLongArray();
        assertTrue(Arrays.equals(steps, Arrays.stream(steps).sorted().toArray()), "alarms in step order");
    }

    @Test
    void layerGainsFlagTheTooLargeInitAndLeaveTheModelAsItWas() {
        Dataset.Split s = Mnist.bundled().split(1_000, 0);
        org.gradlab.data.Batches.Batch b = org.gradlab.data.Batches.epoch(s.train(), 256, null).get(0);
        org.gradlab.nn.Sequential hot = Presets.explodingModel(0);
        java.util.Map<String, org.nd4j.linalg.api.ndarray.INDArray> before = hot.stateDict();
        LayerGain.Result g = LayerGain.measure(hot, b.features(), b.targets(), org.gradlab.nn.Loss.crossEntropy());
        assertEquals(9, g.table().rowCount());
        assertTrue(g.tooLarge() && g.forwardPerBlock() > LayerGain.TOO_LARGE, g.summary());
        // N(0, 0.15^2) on 128 ReLU inputs: sqrt(128 * 0.15^2 / 2) = 1.2 per hidden block, in theory
        assertEquals(1.2, g.table().doubleColumn("backward_gain").getDouble(4), 0.15);
        before.forEach((n, v) -> assertEquals(v, hot.stateDict().get(n), n));

        LayerGain.Result calm = LayerGain.measure(Presets.articleModel(0), b.features(), b.targets(),
                org.gradlab.nn.Loss.crossEntropy());
        assertFalse(calm.tooLarge(), calm.summary());
    }

    @Test
    void aHealthyRunIsCalledHealthy() {
        Dataset.Split s = Mnist.bundled().split(1_000, 3);
        Monitor monitor = Monitor.create();
        Trainer t = Presets.articleTrainer(3).epochs(1).callback(monitor).build();
        t.fit(s.train(), s.test().split(300, 4).train());
        Doctor.Diagnosis d = Doctor.diagnose(monitor, t.model());
        assertTrue(d.verdict().startsWith("healthy"), d.verdict());
        assertTrue(d.fixes().isEmpty());
    }
}
