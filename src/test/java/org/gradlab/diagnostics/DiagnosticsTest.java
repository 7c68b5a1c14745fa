package org.gradlab.diagnostics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.gradlab.Bits;
import org.gradlab.clip.AutoClip;
import org.gradlab.clip.Clip;
import org.gradlab.clip.ClipReport;
import org.gradlab.clip.GradStats;
import org.gradlab.clip.GradientTransform;
import org.gradlab.clip.ZClip;
import org.gradlab.data.Batches;
import org.gradlab.data.Dataset;
import org.gradlab.data.Mnist;
import org.gradlab.experiment.jobs.Presets;
import org.gradlab.nn.Activation;
import org.gradlab.nn.Dense;
import org.gradlab.nn.Init;
import org.gradlab.nn.Param;
import org.gradlab.nn.Rng;
import org.gradlab.nn.Sequential;
import org.gradlab.optim.Optimizer;
import org.gradlab.optim.Sgd;
import org.gradlab.plot.DoctorPage;
import org.gradlab.train.History;
import org.gradlab.train.StepResult;
import org.gradlab.train.Trainer;
import org.gradlab.train.TrainingListener;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class DiagnosticsTest {
    private static final Dataset.Split DATA = small();

    private static Dataset.Split small() {
        Dataset.Split s = Mnist.bundled().split(1_600, 21);
        return new Dataset.Split(s.train(), s.test().split(300, 22).train());
    }

    /** A listener that adds {@code amount} to parameter {@code name} right after step {@code after}. */
    private static TrainingListener inject(Trainer[] t, long after, String name, double amount) {
        return new TrainingListener() {
            @Override
            public void onStep(StepResult s) {
                if (s.step() == after && !s.rolledBack()) {
                    t[0].model().namedParams().get(name).value().addi(amount);
                }
            }
        };
    }

    @Test
    void gradStatsMatchNd4jAndCountNonFiniteValues() {
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            Param p = new Param("w", Nd4j.zeros(type, 30, 20));
            Rng rng = Rng.seeded(11);
            double[] v = new double[600];
            java.util.Arrays.setAll(v, k -> rng.nextGaussian());
            p.grad().assign(Nd4j.create(v, new long[] {30, 20}, DataType.DOUBLE).castTo(type));
            GradStats s = GradStats.of(Map.of("w", p));
            // gradlab accumulates in double; ND4J in the array's type: agree to float precision
            double norm2 = p.grad().norm2Number().doubleValue();
            assertEquals(norm2, s.norm(0), 1e-6 * norm2);
            double norm1 = p.grad().norm1Number().doubleValue();
            assertEquals(norm1, s.sumAbs()[0], 1e-6 * norm1);
            assertEquals(p.grad().amaxNumber().doubleValue(), s.maxAbs()[0], 0.0);
            p.grad().putScalar(3, 4, Double.NaN);
            p.grad().putScalar(5, 6, Double.POSITIVE_INFINITY);
            p.grad().putScalar(7, 8, Double.NEGATIVE_INFINITY);
            GradStats bad = GradStats.of(Map.of("w", p));
            assertEquals(1, bad.nan()[0]);
            assertEquals(2, bad.inf()[0]);
            assertFalse(bad.allFinite());
            assertEquals("w", bad.firstNonFiniteInBackwardOrder());
        }
    }

    @Test
    void aSyntheticExplosionRaisesTheRightAlarmAtTheRightStepAndLayer() {
        Monitor monitor = Monitor.create();
        Trainer[] t = new Trainer[1];
        // adding 100 to 3.bias makes the activations feeding layer 6 huge: 6.weight's gradient explodes
        t[0] = Presets.articleTrainer(5).epochs(1).callback(monitor).listener(inject(t, 29, "3.bias", 100)).build();
        t[0].fit(DATA.train(), DATA.test());
        List<Alarm> at30 = monitor.alarmList().stream().filter(a -> a.step() == 30).toList();
        Alarm explosion = at30.stream().filter(a -> a.kind() == Alarm.Kind.EXPLOSION).findFirst().orElseThrow(
                () -> new AssertionError("no explosion alarm at step 30; alarms: " + monitor.alarmList()));
        assertEquals("6.weight", explosion.layer());
        assertTrue(at30.stream().anyMatch(a -> a.kind() == Alarm.Kind.LOSS_SPIKE), "loss spike at 30: " + at30);
        assertTrue(monitor.alarmList().stream().noneMatch(a -> a.step() < 30
                && (a.kind() == Alarm.Kind.EXPLOSION || a.kind() == Alarm.Kind.LOSS_SPIKE)), "no alarm before the injection");
        assertEquals(50, monitor.steps().rowCount());
        assertEquals(50 * 6, monitor.layers().rowCount());
        Doctor.Diagnosis d = Doctor.diagnose(monitor, t[0].model());
        assertEquals(30, d.event().step());
        assertTrue(d.verdict().contains("step 30") && d.verdict().contains("6.weight"), d.verdict());
        assertTrue(DoctorPage.markdown(d).contains("## Fixes") && DoctorPage.page(d).contains("<table>"));
        assertTrue(DoctorPage.fragment(d).startsWith("<h1>") && !DoctorPage.fragment(d).contains("<style")
                && DoctorPage.page(d).contains(DoctorPage.fragment(d)), "the page wraps the inline fragment");
    }

    @Test
    void aStandingConditionRaisesItsAlarmOncePerCooldownWithItsOwnStepInTheMessage() {
        // every gradient norm is below a vanishing threshold of 1e9: the rule holds at every step for every parameter
        Monitor monitor = Monitor.of(Monitor.Config.defaults().withVanishing(1e9, 1e-300).withCooldown(7));
        Trainer t = Presets.articleTrainer(3).epochs(1).callback(monitor).build();
        t.fit(DATA.train(), DATA.test());
        List<Alarm> vanishing = monitor.alarmList().stream()
                .filter(a -> a.kind() == Alarm.Kind.VANISHING && a.layer().equals("3.weight")).toList();
        long steps = monitor.steps().rowCount();
        assertEquals(List.of(0L, 7L, 14L, 21L, 28L, 35L, 42L, 49L).subList(0, (int) ((steps + 6) / 7)),
                vanishing.stream().map(Alarm::step).toList(), "once per 7 steps, from the first");
        for (Alarm a : vanishing) {
            assertTrue(a.message().startsWith("step " + a.step() + ": gradient norm of 3.weight is "), a.message());
            assertEquals(1e9, a.threshold());
        }
    }

    @Test
    void aNaNInOneBatchIsLocatedAndAttributedToTheData() {
        Monitor monitor = Monitor.create();
        Trainer t = Presets.articleTrainer(6).callback(monitor).build();
        INDArray x = DATA.train().features().getRows(0, 1, 2, 3).dup();
        x.putScalar(1, 300, Double.NaN);
        t.trainBatch(new Batches.Batch(x, DATA.train().oneHot(new int[] {0, 1, 2, 3}), new int[] {0, 1, 2, 3}), 1e-3);
        Alarm a = monitor.alarmList().get(0);
        assertEquals(Alarm.Kind.NON_FINITE, a.kind());
        assertEquals(0, a.step());
        assertEquals("6.bias", a.layer(), "first parameter in backward order");
        assertTrue(a.message().contains("data"), a.message());
        Doctor.Diagnosis d = Doctor.diagnose(monitor, t.model());
        assertEquals("Clean the data", d.fixes().get(0).title());

        Monitor m2 = Monitor.create();
        Trainer forward = Presets.articleTrainer(6).callback(m2).build();
        forward.model().namedParams().get("3.weight").value().putScalar(0, 0, Double.POSITIVE_INFINITY);
        forward.trainBatch(Batches.epoch(DATA.train(), 32, null).get(0), 1e-3);
        assertTrue(m2.alarmList().get(0).message().contains("forward pass"), m2.alarmList().get(0).message());
    }

    @Test
    void rollBackRestoresTheLastGoodStateBitForBitAndCutsTheRate() {
        Monitor monitor = Monitor.create();
        Trainer[] t = new Trainer[1];
        List<Map<String, INDArray>> afterRollback = new ArrayList<>();
        t[0] = Presets.articleTrainer(7).epochs(1).callback(monitor)
                .callback(SpikePolicy.rollback().withSnapshotEvery(1000).watching(monitor))
                .listener(inject(t, 29, "3.bias", 100))
                .listener(new TrainingListener() {
                    @Override
                    public void onStep(StepResult s) {
                        if (s.rolledBack()) {
                            afterRollback.add(t[0].model().stateDict());
                        }
                    }
                }).build();
        Map<String, INDArray> initial = t[0].model().stateDict();
        long dropout = t[0].model().namedRngs().get("2.rng").state();
        History h = t[0].fit(DATA.train(), DATA.test());
        assertEquals(1, h.rollbacks());
        assertEquals(1, t[0].rollbacks());
        assertEquals(1, afterRollback.size());
        Bits.assertBitIdentical(initial, afterRollback.get(0));   // the snapshot was taken before step 0
        assertEquals(0.5e-3, t[0].lrAt(0), 1e-15);
        assertTrue(h.stepResults().get(30).rolledBack() && h.stepResults().get(30).skipped());
        assertEquals(0, h.stepResults().get(31).step(), "the schedule position went back with the state");
        assertTrue(dropout != t[0].model().namedRngs().get("2.rng").state());
    }

    @Test
    void shadowModeReportsButLeavesGradientsBitIdentical() {
        Param p = new Param("w", Nd4j.ones(DataType.FLOAT, 10, 10));
        Rng rng = Rng.seeded(12);
        double[] v = new double[100];
        java.util.Arrays.setAll(v, k -> 50 * rng.nextGaussian());
        p.grad().assign(Nd4j.create(v, new long[] {10, 10}, DataType.DOUBLE).castTo(DataType.FLOAT));
        INDArray before = p.grad().dup();
        ClipReport r = Clip.shadow(Clip.globalNorm(1.0)).applyInPlace(Map.of("w", p));
        assertTrue(r.wasClipped() && r.scale() < 1 && r.normAfter() < 1.0 + 1e-6);
        assertFalse(r.skip());
        Bits.assertBitIdentical("w", before, p.grad());
    }

    private static Map<String, Param> gradOfNorm(double norm) {
        Param p = new Param("w", Nd4j.ones(DataType.DOUBLE, 4));
        p.grad().assign(Nd4j.create(new double[] {norm, 0, 0, 0}));
        Map<String, Param> m = new LinkedHashMap<>();
        m.put("w", p);
        return m;
    }

    @Test
    void autoClipAndZClipAdaptTheirThresholds() {
        Stepper<AutoClip.State> auto = new Stepper<>(Clip.autoClip(50));
        double[] norms = {1, 2, 3, 4, 100};
        ClipReport last = null;
        for (double n : norms) {
            last = auto.step(gradOfNorm(n));
        }
        assertEquals(100, last.totalNorm());
        assertEquals(3.0, last.normAfter(), 1e-5);            // numpy.percentile([1, 2, 3, 4, 100], 50)
        assertArrayEquals(new double[] {1, 2, 3, 4, 100}, auto.state.sorted(), 0.0);
        Stepper<ZClip.State> z = new Stepper<>(Clip.zClip(0.97, 2.5, 5));
        for (double n : new double[] {1.0, 1.1, 0.9, 1.0, 1.0}) {
            assertFalse(z.step(gradOfNorm(n)).wasClipped(), "warmup only collects");
        }
        ZClip.State warmed = z.state;
        ClipReport spike = z.step(gradOfNorm(100));
        // mean 1, std 0.0632: z = 1566, clipped to 1 + 2.5^2 * 0.0632 / 1566
        assertTrue(spike.wasClipped() && spike.normAfter() > 1.0 && spike.normAfter() < 1.001, "after " + spike.normAfter());
        assertFalse(z.step(gradOfNorm(1.05)).wasClipped());
        assertEquals(5, warmed.seen(), "the state the spike started from is unchanged: transforms are pure");
    }

    /** Runs a transform step after step, carrying its state as a trainer does. */
    private static final class Stepper<S extends Record> {
        final GradientTransform<S> t;
        S state;

        Stepper(GradientTransform<S> t) {
            this.t = t;
        }

        ClipReport step(Map<String, Param> params) {
            if (state == null) {
                state = t.init(params);
            }
            GradientTransform.Update<S> u = t.update(params, GradStats.of(params), state);
            state = u.state();
            return u.report();
        }
    }

    @Test
    void vanishingAndUpdateRatioAlarms() {
        Rng rng = Rng.seeded(3);
        List<org.gradlab.nn.Layer> layers = new ArrayList<>();
        layers.add(Dense.of(784, 32, Init.normal(0.05), rng));
        layers.add(Activation.sigmoid());
        for (int i = 0; i < 9; i++) {
            layers.add(Dense.of(32, 32, Init.normal(0.05), rng));
            layers.add(Activation.sigmoid());
        }
        layers.add(Dense.of(32, 10, rng));
        Monitor m = Monitor.create();
        Trainer deep = Trainer.builder(Sequential.of(layers)).optimizer(Optimizer.of(Sgd.plain())).lr(0.1).callback(m).build();
        deep.trainBatch(Batches.epoch(DATA.train(), 32, null).get(0), 0.1);
        Alarm v = m.alarmList().stream().filter(a -> a.kind() == Alarm.Kind.VANISHING).findFirst().orElseThrow();
        assertEquals("0.weight", v.layer());
        assertTrue(v.value() < 1e-4, v.message());
        Doctor.Diagnosis d = Doctor.diagnose(m, deep.model());
        assertEquals(Alarm.Kind.VANISHING, d.event().kind(), d.verdict());
        assertEquals("0.weight", d.event().layer());
        assertTrue(d.verdict().contains("vanish") && !d.fixes().isEmpty(), DoctorPage.markdown(d));

        Monitor r = Monitor.create();
        Trainer hot = Presets.articleTrainer(1).optimizer(Optimizer.of(Sgd.plain())).lr(50).callback(r).build();
        hot.trainBatch(Batches.epoch(DATA.train(), 32, null).get(0), 50);
        hot.trainBatch(Batches.epoch(DATA.train(), 32, null).get(1), 50);
        assertTrue(r.alarmList().stream().anyMatch(a -> a.kind() == Alarm.Kind.UPDATE_RATIO && a.value() > 0.1), r.alarmList().toString());
    }

    @Test
    void theClipAdvisorRecommendsAPercentileAndSaysWhatItClips() {
        double[] norms = new double[101];
        for (int i = 0; i <= 100; i++) {
            norms[i] = i;
        }
        norms[100] = Double.NaN;
        ClipAdvisor.Advice a = ClipAdvisor.advise(norms);
        assertEquals(89.1, a.threshold(), 1e-9);
        assertEquals(11.0 / 101, a.fractionClipped(), 1e-12);      // 90..99 and the NaN step
        assertEquals(6, a.candidates().rowCount());
        assertTrue(a.toString().contains("89.1"));
    }

    @Test
    void badSettingsNameTheValue() {
        var e = assertThrows(IllegalArgumentException.class, () -> Monitor.Config.defaults().withLayerEvery(0));
        assertTrue(e.getMessage().contains("layerEvery must be >= 1, got 0"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Monitor.Config.defaults().withRatioBand(1e-1, 1e-3));
        assertThrows(IllegalArgumentException.class, () -> SpikePolicy.rollback().withLrCut(0));
        assertThrows(IllegalArgumentException.class, () -> Clip.autoClip(0));
        assertThrows(IllegalArgumentException.class, () -> Clip.zClip(1.0, 2.5, 25));
        assertThrows(IllegalArgumentException.class, () -> ClipAdvisor.advise(new double[] {Double.NaN}));
        Monitor unwatched = Monitor.create();
        var p = assertThrows(IllegalArgumentException.class,
                () -> Presets.articleTrainer(1).callback(SpikePolicy.rollback().watching(unwatched)).build());
        assertTrue(p.getMessage().contains("add the monitor it watches to the trainer before it"), p.getMessage());
        assertEquals(Monitor.Config.defaults(), Monitor.create().config());
        Monitor.Config c = Monitor.Config.defaults().withAlpha(0.9).withWarmup(4).withVanishing(1e-6, 1e-3).withCooldown(5)
                .withLayerEvery(2).withExplosion(4, 2).withRatioBand(1e-4, 1e-2);
        assertEquals(new Monitor.Config(2, 0.9, 4, 4, 2, 1e-6, 1e-3, 1e-4, 1e-2, 5, 1.0), c);
        var w = assertThrows(IllegalArgumentException.class, () -> Monitor.Config.defaults().withWarmup(1));
        assertTrue(w.getMessage().contains("warmup must be >= 2 steps, got 1"), w.getMessage());
        var a = assertThrows(IllegalArgumentException.class, () -> Monitor.Config.defaults().withAlpha(1));
        assertTrue(a.getMessage().contains("alpha must be in (0, 1), got 1.0"), a.getMessage());
    }
}
