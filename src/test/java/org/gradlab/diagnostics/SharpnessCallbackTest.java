package org.gradlab.diagnostics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.gradlab.data.Batches;
import org.gradlab.data.Dataset;
import org.gradlab.nn.Activation;
import org.gradlab.nn.Dense;
import org.gradlab.nn.Rng;
import org.gradlab.nn.Sequential;
import org.gradlab.optim.Optimizer;
import org.gradlab.optim.Sgd;
import org.gradlab.train.ResumeScenario;
import org.gradlab.train.SameState;
import org.gradlab.train.TrainState;
import org.gradlab.train.Trainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import tech.tablesaw.api.Table;

class SharpnessCallbackTest {
    private static final Dataset TRAIN = ResumeScenario.DATA.train();
    private static final Dataset TEST = ResumeScenario.DATA.test();
    private static final Batches.Batch FIXED = Batches.epoch(TRAIN, 64, Rng.seeded(3)).get(0);

    /**
     * On the resume scenario (dropout, AdamW with groups, warmup and cosine, a plateau, AutoClip,
     * ZClip, a monitor): samples at steps 0, 5, 10 and 15, with the rates the steps used and both
     * limits, and the run ends in exactly the state it reaches without the callback.
     */
    @Test
    void samplesEveryNStepsWithoutChangingTheRun() {
        SharpnessCallback sharpness = SharpnessCallback.every(5, FIXED);
        Trainer with = ResumeScenario.builder(1, false).epochs(1).callback(sharpness).build();
        with.fit(TRAIN, TEST);
        Trainer without = ResumeScenario.builder(1, false).epochs(1).build();
        without.fit(TRAIN, TEST);
        SameState.assertSame(withoutCallbacks(without.state()), withoutCallbacks(with.state()));
        assertEquals(4, ((SharpnessCallback.State) with.state().callbacks().get("3:sharpness")).samples().size(),
                "the samples are the callback's state, next to the monitor's (0) and the roll-back's (1)");

        Table t = sharpness.table();
        assertEquals(List.of(0L, 5L, 10L, 15L), t.longColumn("step").asList());
        Table steps = with.history().steps();
        for (int i = 0; i < t.rowCount(); i++) {
            int step = (int) t.longColumn("step").getLong(i);
            double lr = steps.doubleColumn("lr").getDouble(step);
            String where = "step " + step;
            assertEquals(lr, t.doubleColumn("lr").getDouble(i), 0, where);
            assertEquals(2 / lr, t.doubleColumn("gd_threshold").getDouble(i), 1e-12 / lr, where);
            assertEquals(38 / lr, t.doubleColumn("adam_threshold").getDouble(i), 1e-10 / lr, where + ": AdamW's beta1 0.9");
            assertTrue(Double.isNaN(t.doubleColumn("sgd_threshold").getDouble(i)), where + ": no SGD limit for AdamW");
            assertTrue(t.doubleColumn("sharpness").getDouble(i) > 0, where);
            assertTrue(t.doubleColumn("adam_sharpness").getDouble(i) > t.doubleColumn("sharpness").getDouble(i),
                    where + ": Adam's preconditioner (sqrt(v) << 1 here) raises the curvature it sees");
            assertTrue(t.booleanColumn("converged").get(i), where);
        }
        assertEquals(4, sharpness.samples().size());
    }

    /** Everything a run is but the callbacks' own records. */
    private static TrainState withoutCallbacks(TrainState s) {
        return new TrainState(s.position(), s.model(), s.rngs(), s.optimizer(), s.plateau(), s.transforms(), null, s.history());
    }

    @Test
    void withoutAdamThePreconditionedColumnsAreNaN() {
        Rng rng = Rng.seeded(4);
        SharpnessCallback sharpness = SharpnessCallback.every(2, FIXED);
        Trainer t = Trainer.builder(Sequential.of(Dense.of(784, 16, rng), Activation.tanh(), Dense.of(16, 10, rng)))
                .optimizer(Optimizer.of(Sgd.momentum(0.9))).lr(0.1).callback(sharpness).build();
        for (Batches.Batch b : Batches.epoch(TRAIN, 32, Rng.seeded(5)).subList(0, 3)) {
            t.trainBatch(b, 0.1);
        }
        Table table = sharpness.table();
        assertEquals(List.of(0L, 2L), table.longColumn("step").asList());
        for (int i = 0; i < table.rowCount(); i++) {
            assertTrue(Double.isNaN(table.doubleColumn("adam_sharpness").getDouble(i)));
            assertTrue(Double.isNaN(table.doubleColumn("adam_threshold").getDouble(i)));
            assertEquals(Sharpness.gdThreshold(0.1), table.doubleColumn("gd_threshold").getDouble(i), 0);
            assertEquals(38, table.doubleColumn("sgd_threshold").getDouble(i), 1e-12, "momentum 0.9 at 0.1: (2 + 1.8) / 0.1");
        }
    }

    private static void assertRejected(String expected, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertEquals(expected, e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void badInputIsRejectedNamingTheValueAndWhatWasExpected() {
        assertRejected("sharpness callback: n (steps between samples) must be > 0, got 0", () -> SharpnessCallback.every(0, FIXED));
        assertRejected("sharpness callback: n (steps between samples) must be > 0, got -5", () -> SharpnessCallback.every(-5, FIXED));
        assertRejected("sharpness callback: batch must not be null", () -> SharpnessCallback.every(5, null));
        assertRejected("sharpness callback: settings must not be null", () -> SharpnessCallback.every(5, FIXED).withSettings(null));
        assertRejected("sharpness callback: features [batch, ...] and targets must have the same number of rows >= 1, got "
                + "[64, 784] and [63, 10]", () -> SharpnessCallback.every(5, FIXED.features(),
                FIXED.targets().get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 63))));
    }
}
