package org.gradlab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.gradlab.clip.Clip;
import org.gradlab.clip.Guard;
import org.gradlab.data.Dataset;
import org.gradlab.data.Mnist;
import org.gradlab.nn.Activation;
import org.gradlab.nn.Dense;
import org.gradlab.nn.Dropout;
import org.gradlab.nn.Rng;
import org.gradlab.nn.Sequential;
import org.gradlab.optim.AdamW;
import org.gradlab.optim.Optimizer;
import org.gradlab.plot.Charts;
import org.gradlab.schedule.Plateau;
import org.gradlab.schedule.Schedule;
import org.gradlab.train.Checkpoint;
import org.gradlab.train.History;
import org.gradlab.train.LrFinder;
import org.gradlab.train.Trainer;
import org.gradlab.train.TrainerBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.XYChart;

/** The README's plain-Java examples, as written there (on fewer examples and epochs). */
class ReadmeExamplesTest {
    @TempDir
    Path dir;

    @Test
    void schedulesClippingCheckpointsAndTheRangeTest() throws Exception {
        Dataset.Split split = Mnist.bundled().split(1_000, 42);
        Rng rng = Rng.seeded(42);
        Sequential model = Sequential.of(
                Dense.of(784, 64, rng), Activation.relu(), Dropout.of(0.2, rng.split()),
                Dense.of(64, 64, rng), Activation.relu(), Dropout.of(0.5, rng.split()),
                Dense.of(64, 10, rng));

        int stepsPerEpoch = 32;
        int epochs = 3;
        Schedule schedule = Schedule.cosine(1e-3, (epochs - 1) * stepsPerEpoch, 1e-5)
                .withWarmup(stepsPerEpoch);
        Trainer trainer = Trainer.builder(model)
                .optimizer(Optimizer.of(AdamW.defaults()).withGroups(Optimizer.Group.noWeightDecay(model)))
                .schedule(schedule)
                .plateau(Plateau.of(Plateau.Config.defaults().withPatience(2).withFactor(0.5)), TrainerBuilder.Metric.TEST_LOSS)
                .gradients(Guard.skipNonFinite(), Clip.globalNorm(1.0))
                .callback(Checkpoint.everySteps(50, dir.resolve("run.ckpt")))
                .batchSize(32).epochs(epochs).seed(42)
                .build();
        History history = trainer.fit(split.train(), split.test());
        assertTrue(java.nio.file.Files.isRegularFile(dir.resolve("run.ckpt")));
        assertEquals(epochs * stepsPerEpoch, history.steps().rowCount());
        assertEquals(1e-3 / stepsPerEpoch, history.steps().doubleColumn("lr").get(0), 1e-15);
        assertTrue(history.steps().doubleColumn("grad_norm").get(0) > 0);
        assertEquals(epochs * stepsPerEpoch, schedule.table(epochs * stepsPerEpoch).rowCount());
        trainer.fit(split.train(), split.test(), 1);
        assertEquals(epochs + 1, trainer.epochsDone());

        LrFinder.Result sweep = trainer.lrFind(split.train(), LrFinder.Config.defaults());
        XYChart chart = Charts.lrFinder(sweep.table());
        assertTrue(sweep.valley() > 0 && sweep.steepest() > 0 && sweep.minimumOverTen() > 0);
        assertEquals("Learning-rate range test", chart.getTitle());
    }

    @Test
    void diagnostics() {
        Dataset.Split split = Mnist.bundled().split(1_000, 42);
        org.gradlab.diagnostics.Monitor monitor = org.gradlab.diagnostics.Monitor.create();
        Trainer trainer = org.gradlab.experiment.jobs.Presets.explodingTrainer(0)
                .callback(monitor)
                .callback(org.gradlab.diagnostics.SpikePolicy.rollback().watching(monitor))
                .epochs(2).build();
        trainer.fit(split.train(), split.test());
        assertTrue(monitor.alarms().rowCount() > 0);
        assertEquals(64 * 18, monitor.layers().rowCount());
        org.gradlab.diagnostics.Doctor.Diagnosis d = org.gradlab.diagnostics.Doctor.diagnose(monitor, trainer.model());
        assertTrue(org.gradlab.plot.DoctorPage.markdown(d).startsWith("# gradlab doctor"));
        org.gradlab.diagnostics.ClipAdvisor.Advice advice = org.gradlab.diagnostics.ClipAdvisor.advise(monitor.gradNorms());
        assertTrue(advice.threshold() > 0);
        assertTrue(trainer.rollbacks() > 0, "the roll-back policy acted on the explosion");
    }

    @Test
    void aSpecFromJsonRunsThroughTheEngineOnTheCsvTable() throws Exception {
        org.gradlab.experiment.spec.RunSpec spec = org.gradlab.experiment.spec.SpecCodec.read("""
                {"part": "mine", "config": "blobs_adamw", "epochs": 2,
                 "model": {"kind": "mlp", "depth": 3, "width": 32},
                 "optimizer": {"kind": "adamw"}, "schedule": {"kind": "cosine", "lr": 0.003},
                 "data": {"kind": "csv", "path": "%s", "label": "label"}}""".formatted(
                Path.of(System.getProperty("gradlab.basedir", "."), "data", "blobs.csv")), org.gradlab.experiment.spec.RunSpec.class);
        var runs = java.util.List.of(spec.withSeed(0), spec.withSeed(1));
        var results = org.gradlab.experiment.engine.Study.run(runs, new org.gradlab.experiment.engine.RunStore(dir.resolve("runs")),
                org.gradlab.experiment.engine.Study.local(2), false, org.gradlab.experiment.engine.Study.Listener.NONE);
        assertEquals(2, results.size());
        assertTrue(results.stream().allMatch(r -> !r.failed() && r.testAccuracy() > 0.8), "three separable blobs train");
        assertEquals(2, org.gradlab.experiment.report.StudyTables.summary(results).intColumn("seeds").get(0));
    }
}
