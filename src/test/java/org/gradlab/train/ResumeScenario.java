package org.gradlab.train;

import java.nio.file.Path;
import org.gradlab.clip.Clip;
import org.gradlab.data.Batches;
import org.gradlab.data.Dataset;
import org.gradlab.data.Mnist;
import org.gradlab.diagnostics.Monitor;
import org.gradlab.diagnostics.SharpnessCallback;
import org.gradlab.diagnostics.SpikePolicy;
import org.gradlab.nn.Activation;
import org.gradlab.nn.Dense;
import org.gradlab.nn.Dropout;
import org.gradlab.nn.Rng;
import org.gradlab.nn.Sequential;
import org.gradlab.optim.AdamW;
import org.gradlab.optim.Optimizer;
import org.gradlab.schedule.Plateau;
import org.gradlab.schedule.Schedule;

/**
 * A run with everything that keeps state: dropout, AdamW with groups, warmup + cosine, a plateau
 * that cuts, AutoClip and ZClip, a monitor. {@link #main} resumes it from a checkpoint in a fresh
 * JVM and saves the end state, for {@code CheckpointTest}.
 */
public final class ResumeScenario {
    public static final Dataset.Split DATA = data();

    private ResumeScenario() {
    }

    private static Dataset.Split data() {
        Dataset.Split s = Mnist.bundled().split(600, 8);
        return new Dataset.Split(s.train(), s.test().split(200, 9).train());
    }

    /**
     * The scenario with every stateful part: dropout, AdamW with groups, warmup and cosine, a
     * plateau, AutoClip and ZClip, a monitor, a roll-back policy and a sharpness sampler.
     */
    public static TrainerBuilder builder(long modelSeed) {
        return builder(modelSeed, true);
    }

    /** {@link #builder(long)}, with or without the sharpness sampler. */
    public static TrainerBuilder builder(long modelSeed, boolean sharpness) {
        Rng rng = Rng.seeded(modelSeed);
        Sequential model = Sequential.of(Dense.of(784, 32, rng), Activation.relu(), Dropout.of(0.3, rng.split()),
                Dense.of(32, 10, rng));
        Monitor monitor = Monitor.of(Monitor.Config.defaults().withWarmup(4).withCooldown(3));
        return Trainer.builder(model)
                .optimizer(Optimizer.of(AdamW.defaults()).withGroups(Optimizer.Group.noWeightDecay(model)))
                .schedule(Schedule.cosine(3e-3, 60, 1e-5).withWarmup(10))
                .plateau(Plateau.of(Plateau.Config.defaults().withPatience(0).withFactor(0.5)
                        .withThreshold(0.5, Plateau.ThresholdMode.REL)), TrainerBuilder.Metric.TRAIN_LOSS)
                .gradients(Clip.autoClip(50), Clip.zClip(0.9, 1.5, 5))
                .callback(monitor)
                .callback(SpikePolicy.rollback().withSnapshotEvery(7).watching(monitor))
                .callback(sharpness ? SharpnessCallback.every(10, Batches.epoch(DATA.train(), 16, Rng.seeded(4)).get(0))
                        : new Callback() { })
                .batchSize(32).epochs(3).seed(77);
    }

    /** The trainer's monitor. */
    static Monitor monitorOf(Trainer t) {
        return t.callbacks().stream().filter(Monitor.class::isInstance).map(Monitor.class::cast).findFirst().orElseThrow();
    }

    /** Arguments: the checkpoint to resume from, the file to save the end state to. */
    public static void main(String[] args) throws Exception {
        Trainer t = builder(999).build();
        Checkpoint.restore(t, Path.of(args[0]));
        t.fit(DATA.train(), DATA.test());
        Checkpoint.save(t, Path.of(args[1]));
    }
}
