package org.gradlab.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.gradlab.clip.Clip;
import org.gradlab.data.Dataset;
import org.gradlab.data.Mnist;
import org.gradlab.experiment.Presets;
import org.gradlab.nn.Activation;
import org.gradlab.nn.BatchNorm;
import org.gradlab.nn.Dense;
import org.gradlab.nn.Dropout;
import org.gradlab.nn.Rng;
import org.gradlab.nn.Sequential;
import org.gradlab.optim.AdamW;
import org.gradlab.optim.Optimizer;
import org.gradlab.schedule.Plateau;
import org.gradlab.schedule.Schedule;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

class CheckpointTest {
    private static final Dataset.Split DATA = small();

    @TempDir
    Path dir;

    private static Dataset.Split small() {
        Dataset.Split s = Mnist.bundled().split(600, 8);
        return new Dataset.Split(s.train(), s.test().split(200, 9).train());
    }

    /** Dropout, BatchNorm buffers, AdamW state, warmup+cosine, plateau, clipping: everything a checkpoint must carry. */
    private static Trainer.Builder trainer(long modelSeed, TrainingListener... listeners) {
        Rng rng = Rng.seeded(modelSeed);
        Sequential model = Sequential.of(Dense.of(784, 32, rng), BatchNorm.of(32), Activation.relu(),
                Dropout.of(0.3, rng.split()), Dense.of(32, 10, rng));
        Trainer.Builder b = Trainer.builder(model)
                .optimizer(Optimizer.of(AdamW.defaults()).withGroups(Optimizer.Group.noWeightDecay(model)))
                .schedule(Schedule.cosine(3e-3, 50, 1e-5).withWarmup(10))
                .plateau(Plateau.of(Plateau.Config.defaults().withPatience(0).withFactor(0.5)), Trainer.Metric.TRAIN_LOSS)
                .gradients(Clip.globalNorm(0.5))
                .batchSize(32).epochs(3).seed(77);
        for (TrainingListener l : listeners) {
            b.listener(l);
        }
        return b;
    }

    private static double[] losses(History h, int fromEpoch) {
        return h.stepResults().stream().filter(s -> s.epoch() >= fromEpoch).mapToDouble(StepResult::loss).toArray();
    }

    private static void assertSameState(Map<String, INDArray> a, Map<String, INDArray> b) {
        org.gradlab.Bits.assertBitIdentical(a, b);
    }

    @Test
    void aResumedRunContinuesBitForBit() throws IOException {
        Path ckpt = dir.resolve("epoch1.ckpt");
        Trainer[] holder = new Trainer[1];
        Trainer full = trainer(1, new TrainingListener() {
            @Override
            public void onEpochEnd(EpochResult e) {
                if (e.epoch() == 1) {
                    try {
                        Checkpoint.save(holder[0], ckpt);
                    } catch (IOException x) {
                        throw new java.io.UncheckedIOException(x);
                    }
                }
            }
        }).build();
        holder[0] = full;
        History uninterrupted = full.fit(DATA.train(), DATA.test());

        Trainer resumed = trainer(999).build();     // different initial weights: all of it must come from the file
        Checkpoint.restore(resumed, ckpt);
        assertEquals(1, resumed.epochsDone());
        History rest = resumed.fit(DATA.train(), DATA.test());

        assertArrayEquals(losses(uninterrupted, 2), losses(rest, 2), 0.0);
        assertEquals(2, rest.epochResults().size());
        assertSameState(full.model().stateDict(), resumed.model().stateDict());
        assertEquals(full.plateau().state(), resumed.plateau().state());
        assertTrue(uninterrupted.stepResults().stream().anyMatch(StepResult::clipped), "the clip was exercised");
    }

    @Test
    void truncatedForeignOrMismatchedFilesFailClearlyAndChangeNothing() throws IOException {
        Trainer t = trainer(1).epochs(1).build();
        t.fit(DATA.train(), DATA.test());
        Path good = Checkpoint.save(t, dir.resolve("good.ckpt"));

        Trainer target = trainer(2).build();
        Map<String, INDArray> before = target.model().stateDict();

        byte[] bytes = Files.readAllBytes(good);
        Path truncated = Files.write(dir.resolve("truncated.ckpt"), java.util.Arrays.copyOf(bytes, bytes.length / 2));
        var e1 = assertThrows(CheckpointException.class, () -> Checkpoint.restore(target, truncated));
        assertTrue(e1.getMessage().contains("truncated.ckpt") && e1.getMessage().contains("not a complete"), e1.getMessage());

        Path foreign = Files.writeString(dir.resolve("notes.txt"), "hello");
        var e2 = assertThrows(CheckpointException.class, () -> Checkpoint.restore(target, foreign));
        assertTrue(e2.getMessage().contains("notes.txt"), e2.getMessage());

        Trainer other = Presets.articleTrainer(3).epochs(1).build();
        var e3 = assertThrows(CheckpointException.class, () -> Checkpoint.restore(other, good));
        assertTrue(e3.getMessage().contains("does not fit this trainer"), e3.getMessage());

        assertThrows(java.nio.file.NoSuchFileException.class, () -> Checkpoint.restore(target, dir.resolve("none")));
        assertSameState(before, target.model().stateDict());
        assertEquals(0, target.step());

        Checkpoint.restore(target, good);
        assertSameState(t.model().stateDict(), target.model().stateDict());
    }
}
