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
import org.gradlab.experiment.jobs.Presets;
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
    private static TrainerBuilder trainer(long modelSeed) {
        Rng rng = Rng.seeded(modelSeed);
        Sequential model = Sequential.of(Dense.of(784, 32, rng), BatchNorm.of(32), Activation.relu(),
                Dropout.of(0.3, rng.split()), Dense.of(32, 10, rng));
        TrainerBuilder b = Trainer.builder(model)
                .optimizer(Optimizer.of(AdamW.defaults()).withGroups(Optimizer.Group.noWeightDecay(model)))
                .schedule(Schedule.cosine(3e-3, 50, 1e-5).withWarmup(10))
                .plateau(Plateau.of(Plateau.Config.defaults().withPatience(0).withFactor(0.5)), TrainerBuilder.Metric.TRAIN_LOSS)
                .gradients(Clip.globalNorm(0.5))
                .batchSize(32).epochs(3).seed(77);
        return b;
    }

    private static double[] losses(History h, int fromEpoch) {
        return h.stepResults().stream().filter(s -> s.epoch() >= fromEpoch).mapToDouble(StepResult::loss).toArray();
    }

    @Test
    void aResumedRunContinuesBitForBit() throws IOException {
        Path ckpt = dir.resolve("epoch1.ckpt");
        Trainer full = trainer(1).callback(Checkpoint.everyEpochs(1, ckpt)).epochs(3).build();
        History uninterrupted = full.fit(DATA.train(), DATA.test());
        assertTrue(uninterrupted.stepResults().stream().anyMatch(StepResult::clipped), "the clip was exercised");

        // the file holds epoch 3 now; save epoch 1 again from a second run that stops there
        Trainer first = trainer(1).callback(Checkpoint.everyEpochs(1, ckpt)).epochs(1).build();
        first.fit(DATA.train(), DATA.test());
        Trainer resumed = trainer(999).build();     // different initial weights: all of it must come from the file
        Checkpoint.restore(resumed, ckpt);
        assertEquals(1, resumed.epochsDone());
        History rest = resumed.fit(DATA.train(), DATA.test());

        assertArrayEquals(losses(uninterrupted, 2), losses(rest, 2), 0.0);
        assertEquals(3, rest.epochResults().size(), "the history goes on from the checkpoint's");
        SameState.assertSame(full.state(), resumed.state());
    }

    @Test
    void aRunCheckpointedMidEpochAndResumedInANewJvmIsBitIdentical() throws Exception {
        Path mid = dir.resolve("mid.ckpt");
        Trainer full = ResumeScenario.builder(1).callback(Checkpoint.everySteps(25, mid)).build();
        History h = full.fit(ResumeScenario.DATA.train(), ResumeScenario.DATA.test());
        assertEquals(3 * 19, h.stepResults().size());
        assertTrue(h.stepResults().stream().anyMatch(StepResult::clipped), "AutoClip or ZClip clipped");
        assertTrue(full.plateau().state().reductions() > 0,
                "the plateau moved: " + full.plateau().state());
        // the file now holds step 50; make it hold step 25 (mid-epoch 2) from a run stopped there
        Trainer first = ResumeScenario.builder(1).callback(Checkpoint.everySteps(25, mid)).callback(new Callback() {
            @Override
            public void afterUpdate(StepContext s) {
                if (s.trainer().step() == 25) {
                    s.stopTraining("checkpoint taken");
                }
            }
        }).build();
        first.fit(ResumeScenario.DATA.train(), ResumeScenario.DATA.test());
        assertEquals(25, first.step());
        assertEquals(1, first.epochsDone());

        Path end = dir.resolve("end.ckpt");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx2g", "-cp", System.getProperty("java.class.path"), ResumeScenario.class.getName(),
                mid.toString(), end.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile()).start();
        assertTrue(p.waitFor(5, java.util.concurrent.TimeUnit.MINUTES), "the child JVM finished");
        assertEquals(0, p.exitValue(), Files.readString(dir.resolve("child.log")));

        Trainer resumed = ResumeScenario.builder(5).build();
        Checkpoint.restore(resumed, end);
        assertEquals(3, resumed.epochsDone());
        SameState.assertSame(full.state(), resumed.state());
        assertEquals(ResumeScenario.monitorOf(full).steps().toString(), ResumeScenario.monitorOf(resumed).steps().toString());
    }

    /**
     * A chain with a transform written as a lambda keys its state by position and the name given
     * to {@code GradientTransform.of} ({@code "0:halve"}), not by the lambda's class name
     * ({@code X$$Lambda...@7776ab}), which differs in every JVM: a checkpoint of it restores in a
     * new JVM and continues bit for bit.
     */
    @Test
    void aChainWithALambdaTransformRestoresInANewJvm() throws Exception {
        Trainer full = LambdaScenario.builder(1).build();
        full.fit(ResumeScenario.DATA.train(), ResumeScenario.DATA.test());
        Path mid = dir.resolve("lambda.ckpt");
        Trainer first = LambdaScenario.builder(1).callback(Checkpoint.everySteps(25, mid)).callback(new Callback() {
            @Override
            public void afterUpdate(StepContext s) {
                if (s.trainer().step() == 25) {
                    s.stopTraining("checkpoint taken");
                }
            }
        }).build();
        first.fit(ResumeScenario.DATA.train(), ResumeScenario.DATA.test());
        String manifest;
        try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(mid.toFile())) {
            manifest = new String(zip.getInputStream(zip.getEntry("manifest.json")).readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        assertTrue(manifest.contains("\"0:halve\"") && manifest.contains("\"1:autoClip("), manifest);
        assertTrue(!manifest.contains("Lambda") && !manifest.contains("@"), "no JVM-made name in the state: " + manifest);

        Path end = dir.resolve("lambda-end.ckpt");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-cp", System.getProperty("java.class.path"), LambdaScenario.class.getName(), mid.toString(), end.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("lambda.log").toFile()).start();
        assertTrue(p.waitFor(5, java.util.concurrent.TimeUnit.MINUTES), "the child JVM finished");
        assertEquals(0, p.exitValue(), Files.readString(dir.resolve("lambda.log")));
        Trainer resumed = LambdaScenario.builder(5).build();
        Checkpoint.restore(resumed, end);
        SameState.assertSame(full.state(), resumed.state());
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
        assertTrue(e3.getMessage().contains("optimizer: the checkpoint was written by \"AdamW[")
                && e3.getMessage().contains("but this trainer uses Adam["), e3.getMessage());

        assertThrows(java.nio.file.NoSuchFileException.class, () -> Checkpoint.restore(target, dir.resolve("none")));
        org.gradlab.Bits.assertBitIdentical(before, target.model().stateDict());
        assertEquals(0, target.step());

        Checkpoint.restore(target, good);
        org.gradlab.Bits.assertBitIdentical(t.model().stateDict(), target.model().stateDict());
    }
}
