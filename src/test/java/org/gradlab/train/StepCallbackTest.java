package org.gradlab.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.gradlab.Bits;
import org.gradlab.data.Batches;
import org.gradlab.data.Dataset;
import org.gradlab.diagnostics.Alarm;
import org.gradlab.diagnostics.Monitor;
import org.gradlab.diagnostics.SpikePolicy;
import org.gradlab.experiment.jobs.Presets;
import org.gradlab.nn.Loss;
import org.gradlab.nn.Rng;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import tech.tablesaw.api.Table;

class StepCallbackTest {
    private static final Dataset TRAIN = ResumeScenario.DATA.train();
    private static final Dataset TEST = ResumeScenario.DATA.test();

    /** Rolls back to {@code target} at the next step, when set. */
    private static final class RollBack implements Callback {
        TrainState target;

        @Override
        public void afterBackward(StepContext s) {
            if (target != null) {
                s.rollBackTo(target, 1.0);
                target = null;
            }
        }
    }

    /** The parts a roll-back restores. */
    private static TrainState training(TrainState s) {
        return new TrainState(null, s.model(), s.rngs(), s.optimizer(), s.plateau(), s.transforms(), null, null);
    }

    @Test
    void aRollBackFollowedByTheSameStepsIsBitIdentical() {
        RollBack rollBack = new RollBack();
        Trainer t = ResumeScenario.builder(1).epochs(2).callback(rollBack).build();
        t.fit(TRAIN, TEST);
        List<Batches.Batch> batches = Batches.epoch(TRAIN, 32, Rng.seeded(5)).subList(0, 8);
        TrainState snapshot = t.state();
        batches.forEach(b -> t.trainBatch(b, 1e-3));
        TrainState first = t.state();

        rollBack.target = snapshot;
        BatchResult r = t.trainBatch(batches.get(0), 1e-3);
        assertTrue(r.rolledBack() && r.skipped());
        assertEquals(1, t.rollbacks());
        SameState.assertSame(training(snapshot), training(t.state()));
        batches.forEach(b -> t.trainBatch(b, 1e-3));
        SameState.assertSame(training(first), training(t.state()));
    }

    @Test
    void updateRatioAlarmsAppearInTheStepTableAndTriggerTheRollBackPolicy() {
        Monitor m = Monitor.of(Monitor.Config.defaults().withRatioBand(1e-9, 1e-8));
        Trainer t = Presets.articleTrainer(3).epochs(1).callback(m)
                .callback(SpikePolicy.rollback().withTriggers(Alarm.Kind.UPDATE_RATIO).watching(m)).build();
        History h = t.fit(TRAIN, TEST);
        Table steps = m.steps();
        assertEquals(0, steps.intColumn("alarms").get(0), "step 0 has no previous weights to measure its update against");
        int params = t.model().namedParams().size();
        assertEquals(params, steps.intColumn("alarms").get(1), "step 1 updated every parameter far outside the band");
        assertEquals(params, m.alarmList().stream().filter(a -> a.step() == 1 && a.kind() == Alarm.Kind.UPDATE_RATIO).count());
        assertFalse(h.stepResults().get(1).rolledBack());
        assertTrue(h.stepResults().get(2).rolledBack(), "the ratio alarms of step 1 rolled back at step 2");
        assertEquals(1, t.rollbacks());
        assertEquals(0.5e-3, h.stepResults().get(3).lr(), 1e-15);
    }

    @Test
    void aCallbackCanVetoEveryUpdate() {
        Trainer t = Presets.articleTrainer(4).epochs(1).callback(new Callback() {
            @Override
            public void afterBackward(StepContext s) {
                assertTrue(Double.isFinite(s.loss()) && s.output() != null && s.batch().size() > 0);
                s.cancelUpdate();
            }
        }).build();
        var before = t.model().stateDict();
        History h = t.fit(TRAIN, TEST);
        Bits.assertBitIdentical(before, t.model().stateDict());
        assertTrue(h.stepResults().stream().allMatch(StepResult::skipped));
        assertEquals(19, t.step(), "a vetoed step still counts");
    }

    @Test
    void aStoppedRunContinuesMidEpochExactlyAsIfUninterrupted() {
        Trainer full = ResumeScenario.builder(1).build();
        full.fit(TRAIN, TEST);
        Trainer stopped = ResumeScenario.builder(1).callback(new Callback() {
            @Override
            public void afterUpdate(StepContext s) {
                if (s.trainer().step() == 7 || s.trainer().step() == 30) {
                    s.stopTraining("paused at step " + s.trainer().step());
                }
            }
        }).build();
        stopped.fit(TRAIN, TEST);
        assertEquals("paused at step 7", stopped.stopReason());
        assertEquals(0, stopped.epochsDone());
        stopped.fit(TRAIN, TEST);
        assertEquals("paused at step 30", stopped.stopReason());
        stopped.fit(TRAIN, TEST);
        assertEquals(null, stopped.stopReason());
        SameState.assertSame(full.state(), stopped.state());
    }

    @Test
    void fitAfterTheLastEpochSaysSoAndMoreEpochsAreExplicit() {
        Trainer t = Presets.articleTrainer(5).epochs(1).build();
        t.fit(TRAIN, TEST);
        var e = assertThrows(IllegalStateException.class, () -> t.fit(TRAIN, TEST));
        assertEquals("fit: all 1 epochs are done (step 19); call fit(train, test, moreEpochs) to train for more", e.getMessage());
        History h = t.fit(TRAIN, TEST, 2);
        assertEquals(3, t.epochsDone());
        assertEquals(List.of(1, 2, 3), h.epochResults().stream().map(EpochResult::epoch).toList());
        assertThrows(IllegalArgumentException.class, () -> t.fit(TRAIN, TEST, 0));
    }

    @Test
    void theLrRangeTestRunsOnTheTrainerAndPutsEverythingBack() {
        Trainer t = ResumeScenario.builder(1).epochs(2).build();
        t.fit(TRAIN, TEST, 1);
        TrainState before = t.state();
        LrFinder.Result r = t.lrFind(TRAIN, LrFinder.Config.defaults().withSteps(30).withRange(1e-5, 1));
        assertTrue(r.table().rowCount() >= 2);
        assertTrue(r.table().doubleColumn("grad_norm").asList().stream().allMatch(Double::isFinite));
        SameState.assertSame(before, t.state());
    }

    @Test
    void aModelTrainedWithMseReportsAPluggableScore() {
        Trainer t = Presets.articleTrainer(6).loss(Loss.mse()).score(Score.meanAbsoluteError()).epochs(2).lr(0.01).build();
        History h = t.fit(TRAIN, TEST);
        t.model().setTraining(false);
        INDArray out = t.model().forward(TEST.features());
        t.model().setTraining(true);
        double mae = out.sub(TEST.oneHot(java.util.stream.IntStream.range(0, TEST.size()).toArray())).norm1Number().doubleValue()
                / (TEST.size() * 10.0);
        assertEquals(mae, h.last().testScore(), 1e-6);
        assertTrue(h.epochResults().get(1).trainScore() < h.epochResults().get(0).trainScore(), "the error fell");
        assertFalse(Double.isNaN(h.last().trainScore()));
    }
}
