package org.gradlab.experiment.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.gradlab.experiment.spec.DataSpec;
import org.gradlab.experiment.spec.Design;
import org.gradlab.experiment.spec.InitSpec;
import org.gradlab.experiment.spec.LayerSpec;
import org.gradlab.experiment.spec.LossSpec;
import org.gradlab.experiment.spec.ModelSpec;
import org.gradlab.experiment.spec.OptimizerSpec;
import org.gradlab.experiment.spec.RunSpec;
import org.gradlab.experiment.spec.ScheduleSpec;
import org.gradlab.experiment.spec.Selection;
import org.gradlab.nn.Activation;
import org.junit.jupiter.api.Test;

/** Every spec is bounded before any run: steps, memory of the runs at once, results on the heap, BatchNorm's last batch. */
class BudgetTest {
    private static final long GB = 1L << 30;

    private static RunSpec run(ModelSpec model, DataSpec data, int epochs) {
        return new RunSpec("p", "c", model, OptimizerSpec.sgd(0.9), new ScheduleSpec.Constant(0.1), List.of(), data,
                new LossSpec.CrossEntropy(0), 0, epochs);
    }

    private static ModelSpec.Mlp mlp(int depth, int width) {
        return new ModelSpec.Mlp(depth, width, Activation.Kind.RELU, InitSpec.of(InitSpec.Kind.HE_NORMAL), ModelSpec.Mlp.Norm.NONE,
                ModelSpec.Mlp.Block.PLAIN, 1);
    }

    @Test
    void theDesignFitsTheLaunchersHeapAndAModestMachine() {
        List<RunSpec> all = Selection.defaults().withParts(List.copyOf(Design.parts().keySet())).runs();
        Budget.check(all, 2, 2 * GB, GB);          // 1 GB heap (./gradlab), 2 GB for the runs
        Budget.check(Selection.defaults().withQuick(true).runs(), 16, 2 * GB, GB);
    }

    @Test
    void aModelTooLargeForTheMachineIsRefusedNamingItsSize() {
        RunSpec huge = run(mlp(100, 4096), DataSpec.Digits.DEFAULT, 1);
        long bytes = Budget.runBytes(huge, DataSpec.Digits.SHAPE);
        assertTrue(bytes > 5 * 1_647_824_906L * 4 - 1, "at least weights, gradients, momentum, a copy: " + bytes);
        var one = assertThrows(IllegalArgumentException.class, () -> Budget.check(List.of(huge), 1, 16 * GB, GB));
        assertEquals("run p/c/0 needs about " + Budget.size(bytes) + " (1,647,824,906 parameters, 1,639,194 activations per example at "
                + "batch 32); this machine has about 16.0 GB for a study (3/4 of its memory beyond the Java heap): use a smaller model",
                one.getMessage());
        Budget.check(List.of(huge), 1, 64 * GB, GB);   // fits a larger machine

        RunSpec mid = run(mlp(20, 4096), DataSpec.Digits.DEFAULT, 1);
        List<RunSpec> seeds = List.of(mid, mid.withSeed(1), mid.withSeed(2), mid.withSeed(3));
        Budget.check(seeds, 1, 16 * GB, GB);
        var four = assertThrows(IllegalArgumentException.class, () -> Budget.check(seeds, 4, 16 * GB, GB));
        assertTrue(four.getMessage().contains(", and 4 runs at once with their data about ") && four.getMessage().endsWith(
                "use a smaller model or fewer --workers"), four.getMessage());
        Budget.check(seeds.subList(0, 1), 4, 16 * GB, GB);   // one run trains at most one at a time
    }

    @Test
    void resultsThatWouldFillTheHeapAreRefused() {
        RunSpec r = run(ModelSpec.article(), DataSpec.Digits.DEFAULT, 10);   // 2,500 steps: 80 KB of series and its records
        List<RunSpec> many = new ArrayList<>();
        for (int s = 0; s < 1_500; s++) {
            many.add(r.withSeed(s));
        }
        Budget.check(many, 2, 16 * GB, GB);
        var e = assertThrows(IllegalArgumentException.class, () -> Budget.check(many, 2, 16 * GB, GB / 4));
        assertEquals("1,500 runs keep about 209 MB of results on the heap, more than a quarter of the 256 MB heap: run fewer runs at a "
                + "time, or give the JVM more heap (GRADLAB_JAVA_OPTS=-Xmx4g)", e.getMessage());
    }

    @Test
    void stepsPerRunAreBounded() {
        Budget.check(List.of(run(ModelSpec.article(), DataSpec.Digits.DEFAULT, RunSpec.MAX_EPOCHS)), 1, 16 * GB, GB);
        var e = assertThrows(IllegalArgumentException.class, () -> Budget.check(List.of(run(ModelSpec.article(),
                new DataSpec.Digits(8000, 16), RunSpec.MAX_EPOCHS)), 1, 16 * GB, GB));
        assertEquals("run p/c/0 takes 500,000 steps (1000 epochs of 500 batches); a run may take at most 250,000: fewer epochs or a "
                + "larger batch", e.getMessage());
    }

    @Test
    void batchNormOnALastBatchOfOneRowIsRefusedWhereverItSits() {
        ModelSpec.Layers nested = new ModelSpec.Layers(List.of(new LayerSpec.Linear(16, InitSpec.of(InitSpec.Kind.HE_NORMAL)),
                new LayerSpec.ResidualBlock(List.of(new LayerSpec.Linear(16, InitSpec.of(InitSpec.Kind.HE_NORMAL)),
                        new LayerSpec.BatchNormLayer(1e-5, 0.1))),
                new LayerSpec.Act(Activation.Kind.RELU), new LayerSpec.Linear(10, InitSpec.of(InitSpec.Kind.HE_NORMAL))));
        assertTrue(Budget.batchNorm(nested));
        assertTrue(Budget.batchNorm(mlp(4, 8).withNorm(ModelSpec.Mlp.Norm.BATCHNORM)));
        assertFalse(Budget.batchNorm(mlp(4, 8).withNorm(ModelSpec.Mlp.Norm.LAYERNORM)));
        for (ModelSpec m : List.of(nested, mlp(4, 8).withNorm(ModelSpec.Mlp.Norm.BATCHNORM))) {
            var e = assertThrows(IllegalArgumentException.class, () -> Budget.check(List.of(run(m, new DataSpec.Digits(65, 32), 1)), 1,
                    16 * GB, GB));
            assertTrue(e.getMessage().startsWith("run p/c/0: BatchNorm on 65 training examples at batch 32 leaves a last batch of 1 "
                    + "row"), e.getMessage());
            Budget.check(List.of(run(m, new DataSpec.Digits(66, 32), 1)), 1, 16 * GB, GB);
        }
        Budget.check(List.of(run(mlp(4, 8), new DataSpec.Digits(65, 32), 1)), 1, 16 * GB, GB);   // no BatchNorm: fine
    }

    @Test
    void valuesTheScheduleRefusesStopTheStudyBeforeItStarts() {
        RunSpec bad = new RunSpec("p", "c", ModelSpec.article(), OptimizerSpec.sgd(0.9), new ScheduleSpec.Constant(Double.POSITIVE_INFINITY),
                List.of(), DataSpec.Digits.DEFAULT, new LossSpec.CrossEntropy(0), 0, 1);
        var e = assertThrows(IllegalArgumentException.class, () -> Budget.check(List.of(bad), 1, 16 * GB, GB));
        assertEquals("run p/c/0: constant: lr must be finite and > 0, got Infinity", e.getMessage());
    }
}
