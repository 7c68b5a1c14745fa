package org.gradlab.diagnostics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.gradlab.data.Batches;
import org.gradlab.data.Dataset;
import org.gradlab.data.Mnist;
import org.gradlab.experiment.jobs.Presets;
import org.gradlab.nn.Rng;
import org.gradlab.train.Checkpoint;
import org.gradlab.train.SameState;
import org.gradlab.train.StepResult;
import org.gradlab.train.TrainState;
import org.gradlab.train.Trainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** The forecaster on real runs (what it reads, that it changes nothing, that it resumes) and its rules on made-up signals. */
class ForecasterTest {
    private static final Dataset.Split DATA = split();

    private static Dataset.Split split() {
        Dataset.Split s = Mnist.bundled().split(8_000, 0);
        return new Dataset.Split(s.train().split(1_600, 1).train(), s.test().split(200, 2).train());
    }

    /** Everything a run is but the callbacks' own records. */
    private static TrainState withoutCallbacks(TrainState s) {
        return new TrainState(s.position(), s.model(), s.rngs(), s.optimizer(), s.plateau(), s.transforms(), null, s.history());
    }

    /**
     * On the model that explodes (8 ReLU layers, too large an init, SGD 0.1): the signals are the
     * steps' own losses, norms and rates, the update ratio is the largest ||dW|| / ||W|| of a weight
     * matrix (measured here independently from copies of the weights), replaying the signals gives
     * exactly the forecasts raised live, the first comes before the failure, and the run ends in the
     * same state as without the forecaster.
     */
    @Test
    void readsTheStepsRaisesWhatItsReplayRaisesAndChangesNothing() {
        List<Double> ratios = new ArrayList<>();
        Forecaster forecaster = Forecaster.create();
        Trainer with = Presets.explodingTrainer(0).epochs(1).callback(new RatioProbe(ratios)).callback(forecaster).build();
        with.fit(DATA.train(), DATA.test());
        Trainer without = Presets.explodingTrainer(0).epochs(1).callback(new org.gradlab.train.Callback() {
            @Override
            public boolean needsGradStats() {   // the history then records the norms, as with the forecaster
                return true;
            }
        }).build();
        without.fit(DATA.train(), DATA.test());
        SameState.assertSame(withoutCallbacks(without.state()), withoutCallbacks(with.state()));

        List<StepResult> steps = with.history().stepResults();
        List<Forecaster.Signals> signals = forecaster.signals();
        assertEquals(steps.size(), signals.size());
        for (int i = 0; i < steps.size(); i++) {
            Forecaster.Signals x = signals.get(i);
            String where = "step " + i;
            assertEquals(steps.get(i).step(), x.step(), where);
            assertEquals(steps.get(i).loss(), x.loss(), 0, where);
            assertEquals(steps.get(i).gradNorm(), x.gradNorm(), 0, where);
            assertEquals(steps.get(i).lr(), x.lr(), 0, where);
            if (Double.isFinite(ratios.get(i))) {   // float32 norms summed in float32: a few 1e-6 relative
                assertEquals(ratios.get(i), x.updateRatio(), 1e-4 * ratios.get(i), where);
            } else {
                assertTrue(Double.isNaN(x.updateRatio()), where + ": weights no longer finite");
            }
            assertTrue(Double.isNaN(x.sharpness()), where + ": no sharpness sampled");
        }
        assertEquals(forecaster.forecasts(), Forecaster.replay(forecaster.config(), signals));
        double[] losses = steps.stream().mapToDouble(StepResult::loss).toArray();
        double[] norms = steps.stream().mapToDouble(StepResult::gradNorm).toArray();
        Failure failure = Failure.of(losses, norms).orElseThrow(() -> new AssertionError("the run was meant to fail"));
        assertTrue(forecaster.firstForecastStep() >= 0 && forecaster.firstForecastStep() < failure.step(),
                "forecast at " + forecaster.firstForecastStep() + ", failure at " + failure.step() + ": " + forecaster.forecasts());
        assertEquals(forecaster.forecasts().size(), forecaster.table().rowCount());
        assertEquals(Alarm.Kind.FORECAST, forecaster.forecasts().get(0).alarm().kind());
    }

    /** The largest ||W_after - W_before|| / ||W_after|| of the rank-2 parameters, from copies in double. */
    private static final class RatioProbe implements org.gradlab.train.Callback {
        private final List<Double> out;
        private List<double[]> before;

        RatioProbe(List<Double> out) {
            this.out = out;
        }

        @Override
        public void afterBackward(org.gradlab.train.StepContext s) {
            before = weights(s.trainer());
        }

        @Override
        public void afterUpdate(org.gradlab.train.StepContext s) {
            List<double[]> after = weights(s.trainer());
            double worst = 0;
            for (int k = 0; k < after.size(); k++) {
                double d = 0;
                double w = 0;
                for (int i = 0; i < after.get(k).length; i++) {
                    d += (after.get(k)[i] - before.get(k)[i]) * (after.get(k)[i] - before.get(k)[i]);
                    w += after.get(k)[i] * after.get(k)[i];
                }
                worst = Math.max(worst, Math.sqrt(d / w));
            }
            out.add(worst);
        }

        private static List<double[]> weights(Trainer t) {
            return t.params().values().stream().filter(p -> p.value().rank() == 2).map(p -> p.value().dup().data().asDouble())
                    .toList();
        }
    }

    /** Stopped after one epoch and resumed from its checkpoint, it reads and forecasts exactly what an uninterrupted run does. */
    @Test
    void aResumedRunGoesOnWithTheSameSignalsAndForecasts(@TempDir Path dir) throws Exception {
        Dataset small = DATA.train().split(320, 3).train();
        Forecaster straight = Forecaster.of(Forecaster.Config.defaults().withWarmup(3));
        Presets.explodingTrainer(1).epochs(2).callback(straight).build().fit(small, DATA.test());

        Forecaster first = Forecaster.of(Forecaster.Config.defaults().withWarmup(3));
        Trainer a = Presets.explodingTrainer(1).epochs(1).callback(first).build();
        a.fit(small, DATA.test());
        Checkpoint.save(a, dir.resolve("f.ckpt"));
        Forecaster second = Forecaster.of(Forecaster.Config.defaults().withWarmup(3));
        Trainer b = Presets.explodingTrainer(1).epochs(2).callback(second).build();
        Checkpoint.restore(b, dir.resolve("f.ckpt"));
        b.fit(small, DATA.test());
        assertEquals(straight.signals(), second.signals());
        assertEquals(straight.forecasts(), second.forecasts());
    }

    @Test
    void itsAlarmsReachTheMonitorItReportsTo() {
        Monitor monitor = Monitor.create();
        Forecaster f = Forecaster.create().reportingTo(monitor);
        Presets.explodingTrainer(0).epochs(1).callback(monitor).callback(f).build().fit(DATA.train(), DATA.test());
        List<Alarm> forecasts = monitor.alarmList().stream().filter(a -> a.kind() == Alarm.Kind.FORECAST).toList();
        assertEquals(f.forecasts().stream().map(Forecaster.Forecast::alarm).toList(), forecasts);
        assertFalse(forecasts.isEmpty());
    }

    private static void assertRejected(String expected, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertEquals(expected, e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void badSettingsAndMisuseAreOneLineNamingTheValue() {
        Forecaster.Config d = Forecaster.Config.defaults();
        assertRejected("forecaster: warmup must be >= 1 step, got 0", () -> d.withWarmup(0));
        assertRejected("forecaster: ratioHigh must be > 0 (infinity: off), got -0.1", () -> d.withUpdateRatio(-0.1, 1));
        assertRejected("forecaster: ratioSteps and sharpnessSamples must be >= 1, got 0 and " + d.sharpnessSamples(),
                () -> d.withUpdateRatio(0.1, 0));
        assertRejected("forecaster: normGrowth must be > 0 (infinity: off), got NaN", () -> d.withNormGrowth(Double.NaN));
        assertRejected("forecaster: stallSteps and cooldown must be >= 0, got -1 and " + d.cooldown(), () -> d.withStall(-1, 0.1));
        assertRejected("forecaster: config must not be null", () -> Forecaster.of(null));
        assertRejected("forecaster: the sharpness callback to watch must not be null", () -> Forecaster.create().watching(null));
        assertRejected("forecaster: replay needs a config and signals, got " + d + " and no signals", () -> Forecaster.replay(d, null));
        Batches.Batch batch = Batches.epoch(DATA.train(), 16, Rng.seeded(0)).get(0);
        SharpnessCallback s = SharpnessCallback.every(5, batch);
        assertRejected("forecaster: add the sharpness callback it watches to the trainer before it, so each sample is taken "
                + "before the forecaster reads it", () -> Presets.explodingTrainer(0).callback(Forecaster.create().watching(s))
                .callback(s).build());
        Forecaster once = Forecaster.create();
        Presets.explodingTrainer(0).callback(once).build();
        assertRejected("forecaster: already watching a trainer; make one forecaster per trainer",
                () -> Presets.explodingTrainer(0).callback(once).build());
    }
}
