package org.gradlab.train;

import java.nio.file.Path;
import org.gradlab.clip.Clip;
import org.gradlab.clip.ClipReport;
import org.gradlab.clip.GradientTransform;
import org.gradlab.nn.Activation;
import org.gradlab.nn.Dense;
import org.gradlab.nn.Rng;
import org.gradlab.nn.Sequential;
import org.gradlab.optim.Optimizer;
import org.gradlab.optim.Sgd;
import org.gradlab.schedule.Schedule;

/**
 * A run whose gradient transforms include one written as a lambda ({@code GradientTransform.of}),
 * before a stateful AutoClip: {@link #main} resumes it from a checkpoint in a fresh JVM, where the
 * lambda's class has another name, and saves the end state, for {@code CheckpointTest}.
 */
final class LambdaScenario {
    private LambdaScenario() {
    }

    static TrainerBuilder builder(long modelSeed) {
        Rng rng = Rng.seeded(modelSeed);
        Sequential model = Sequential.of(Dense.of(784, 32, rng), Activation.relu(), Dense.of(32, 10, rng));
        GradientTransform<GradientTransform.NoState> halve = GradientTransform.of("halve", (params, stats) -> {
            params.values().forEach(p -> p.grad().muli(0.5));
            return new ClipReport(stats.globalNorm(), stats.globalNorm() / 2, 0.5, params.size(), false, stats.firstNonFinite());
        });
        return Trainer.builder(model)
                .optimizer(Optimizer.of(Sgd.momentum(0.9)))
                .schedule(Schedule.constant(0.05))
                .gradients(halve, Clip.autoClip(50))
                .batchSize(32).epochs(3).seed(77);
    }

    /** Arguments: the checkpoint to resume from, the file to save the end state to. */
    public static void main(String[] args) throws Exception {
        Trainer t = builder(999).build();
        Checkpoint.restore(t, Path.of(args[0]));
        t.fit(ResumeScenario.DATA.train(), ResumeScenario.DATA.test());
        Checkpoint.save(t, Path.of(args[1]));
    }
}
