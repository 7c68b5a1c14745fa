package org.gradlab.diagnostics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.gradlab.data.Dataset;
import org.gradlab.data.Mnist;
import org.gradlab.experiment.Presets;
import org.gradlab.train.History;
import org.gradlab.train.Trainer;
import org.junit.jupiter.api.Test;

/** The doctor on a real exploding run: a deep ReLU net with a too-large init at a constant SGD rate of 0.1. */
class DoctorTest {
    @Test
    void onARealExplosionItNamesTheStepAndLayerAndRanksTheFixes() {
        Dataset.Split s = Mnist.bundled().split(8_000, 0);
        Monitor monitor = Monitor.create();
        Trainer t = Presets.explodingTrainer(0).epochs(3).monitor(monitor).build();
        History h = t.fit(s.train().split(3_000, 1).train(), s.test().split(500, 2).train());

        long firstNaN = h.stepResults().stream().filter(r -> !Double.isFinite(r.loss())).mapToLong(r -> r.step())
                .findFirst().orElseThrow(() -> new AssertionError("the run was meant to explode"));
        Doctor.Diagnosis d = Doctor.diagnose(monitor, t.model());
        Alarm e = d.event();
        assertNotNull(e);
        assertEquals(Alarm.Kind.EXPLOSION, e.kind(), d.verdict());
        assertTrue(e.step() < firstNaN, "warned at " + e.step() + ", before the loss turned NaN at " + firstNaN);

        // independently: at the event step, the named parameter's norm is the largest multiple of its own
        // median over the steps before, and that multiple is well above the others' typical size
        List<LayerStats> ls = monitor.layerStats();
        String worst = null;
        double worstRatio = 0;
        for (String p : t.model().namedParams().keySet()) {
            double[] before = ls.stream().filter(l -> l.param().equals(p) && l.step() < e.step())
                    .mapToDouble(LayerStats::gradNorm).sorted().toArray();
            double now = ls.stream().filter(l -> l.param().equals(p) && l.step() == e.step()).findFirst().orElseThrow().gradNorm();
            double ratio = now / before[before.length / 2];
            if (ratio > worstRatio) {
                worstRatio = ratio;
                worst = p;
            }
        }
        assertEquals(worst, e.layer(), "the layer whose gradient jumped most against its own history");
        assertTrue(worstRatio > 3, "jump " + worstRatio);

        List<String> titles = d.fixes().stream().map(Doctor.Fix::title).toList();
        assertTrue(titles.get(0).equals("Warm up the learning rate") || titles.get(0).startsWith("Clip"), titles.toString());
        assertTrue(titles.stream().anyMatch(x -> x.startsWith("Clip the global gradient norm at")), titles.toString());
        assertTrue(titles.contains("Add normalisation or residual connections"), titles.toString());
        assertTrue(d.markdown().contains("step " + e.step()) && d.markdown().contains(e.layer()));
        assertTrue(Arrays.stream(d.html().split("\n")).anyMatch(l -> l.contains("<li><b>")));
    }

    @Test
    void aHealthyRunIsCalledHealthy() {
        Dataset.Split s = Mnist.bundled().split(1_000, 3);
        Monitor monitor = Monitor.create();
        Trainer t = Presets.articleTrainer(3).epochs(1).monitor(monitor).build();
        t.fit(s.train(), s.test().split(300, 4).train());
        Doctor.Diagnosis d = Doctor.diagnose(monitor, t.model());
        assertTrue(d.verdict().startsWith("healthy"), d.verdict());
        assertTrue(d.fixes().isEmpty());
    }
}
