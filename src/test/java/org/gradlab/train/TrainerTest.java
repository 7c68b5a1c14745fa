package org.gradlab.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.gradlab.data.Dataset;
import org.gradlab.data.Mnist;
import org.gradlab.experiment.jobs.Presets;
import org.gradlab.optim.Optimizer;
import org.gradlab.optim.Sgd;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import tech.tablesaw.api.Table;

class TrainerTest {
    private static final Dataset.Split SMALL = small();

    private static Dataset.Split small() {
        Dataset.Split s = Mnist.bundled().split(1_200, 3);
        return new Dataset.Split(s.train(), s.test().split(400, 4).train());
    }

    private static History run(long seed, int epochs, TrainingListener... listeners) {
        TrainerBuilder b = Presets.articleTrainer(seed).epochs(epochs);
        for (TrainingListener l : listeners) {
            b.listener(l);
        }
        return b.build().fit(SMALL.train(), SMALL.test());
    }

    private static double[] losses(History h) {
        return h.stepResults().stream().mapToDouble(StepResult::loss).toArray();
    }

    @Test
    void sameSeedGivesTheSameLossesBitForBit() {
        double[] a = losses(run(11, 2));
        double[] b = losses(run(11, 2));
        assertEquals(2 * 38, a.length);
        assertArrayEquals(a, b, 0.0);
        assertFalse(java.util.Arrays.equals(a, losses(run(12, 2))));
    }

    @Test
    void trainingLearnsAndHistoryTablesHoldEveryStepAndEpoch() {
        List<String> events = new ArrayList<>();
        History h = run(5, 3, new TrainingListener() {
            @Override
            public void onRunStart(Trainer t) {
                events.add("start");
            }

            @Override
            public void onEpochEnd(EpochResult e) {
                events.add("epoch " + e.epoch());
            }

            @Override
            public void onRunEnd(History history) {
                events.add("end");
            }
        });
        assertEquals(List.of("start", "epoch 1", "epoch 2", "epoch 3", "end"), events);
        Table steps = h.steps();
        Table epochs = h.epochs();
        assertEquals(3 * 38, steps.rowCount());
        assertEquals(List.of("step", "epoch", "loss", "lr", "grad_norm", "clipped", "skipped", "rolled_back"), steps.columnNames());
        assertEquals(3, epochs.rowCount());
        assertEquals(1e-3, steps.doubleColumn("lr").get(0));
        assertTrue(h.last().testScore() > 0.75, "test accuracy " + h.last().testScore());
        assertTrue(epochs.doubleColumn("train_loss").get(2) < epochs.doubleColumn("train_loss").get(0));
    }

    @Test
    void rejectsMismatchedPrecisionAndBadSettings() {
        Trainer t = Presets.articleTrainer(1).build();
        var e = assertThrows(IllegalArgumentException.class,
                () -> t.fit(SMALL.train().castTo(DataType.DOUBLE), SMALL.test()));
        assertTrue(e.getMessage().contains("DOUBLE") && e.getMessage().contains("FLOAT"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Trainer.builder(Presets.articleModel(1)).batchSize(0));
        assertThrows(IllegalArgumentException.class, () -> Trainer.builder(Presets.articleModel(1)).epochs(-1));
        var npe = assertThrows(NullPointerException.class,
                () -> Trainer.builder(Presets.articleModel(1)).optimizer(Optimizer.of(Sgd.plain())).build());
        assertTrue(npe.getMessage().contains("schedule"), npe.getMessage());
    }

    @Test
    void aGuardSkipsTheUpdateOfABatchWithNaNAndTheClipReportsTheNorm() {
        Trainer t = Presets.articleTrainer(2).gradients(org.gradlab.clip.Guard.skipNonFinite(),
                org.gradlab.clip.Clip.globalNorm(1e-3)).build();
        var before = t.model().stateDict();
        var x = SMALL.train().features().getRows(0, 1, 2, 3).dup();
        x.putScalar(2, 100, Double.NaN);
        var bad = new org.gradlab.data.Batches.Batch(x, SMALL.train().oneHot(new int[] {0, 1, 2, 3}), new int[] {0, 0, 0, 0});
        BatchResult r = t.trainBatch(bad, 1e-3);
        assertTrue(r.skipped() && Double.isNaN(r.loss()));
        org.gradlab.Bits.assertBitIdentical(before, t.model().stateDict());
        var good = org.gradlab.data.Batches.epoch(SMALL.train(), 32, null).get(0);
        BatchResult ok = t.trainBatch(good, 1e-3);
        assertFalse(ok.skipped());
        assertTrue(ok.clipped() && ok.gradNorm() > 1e-3, "norm " + ok.gradNorm());
    }

    /** A custom loop of trainBatch calls: the monitor sees steps 0, 1, 2, ... while step() stays where fit left it. */
    @Test
    void trainBatchGivesCallbacksConsecutiveStepsWithoutAdvancingTheTrainer() {
        org.gradlab.diagnostics.Monitor m = org.gradlab.diagnostics.Monitor.create();
        Trainer t = Presets.articleTrainer(2).callback(m).build();
        var batches = org.gradlab.data.Batches.epoch(SMALL.train(), 32, null);
        for (int i = 0; i < 4; i++) {
            t.trainBatch(batches.get(i), 1e-3);
        }
        assertEquals(0, t.step());
        assertEquals(List.of(0L, 1L, 2L, 3L), m.stepRecords().stream().map(org.gradlab.diagnostics.StepRecord::step).toList());
        m.flush();
        assertTrue(m.layerStats().stream().filter(r -> r.step() == 3).allMatch(r -> r.updateNorm() > 0),
                "the update of step 3 is measured against the weights after step 2");
    }

    @Test
    void plateauNeedsTheModeItsMetricImplies() {
        var p = org.gradlab.schedule.Plateau.of(org.gradlab.schedule.Plateau.Config.defaults());
        var e = assertThrows(IllegalArgumentException.class,
                () -> Presets.articleTrainer(1).plateau(p, TrainerBuilder.Metric.TEST_SCORE).build());
        assertTrue(e.getMessage().contains("TEST_SCORE (accuracy) needs mode MAX"), e.getMessage());
    }
}
