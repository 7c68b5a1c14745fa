package org.gradlab.experiment.engine;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Locale;
import org.gradlab.data.Dataset;
import org.gradlab.experiment.spec.DataRegistry;
import org.gradlab.experiment.spec.DataSpec;
import org.gradlab.experiment.spec.LayerSpec;
import org.gradlab.experiment.spec.ModelSpec;
import org.gradlab.experiment.spec.RunSpec;
import org.gradlab.experiment.spec.ScheduleSpec;
import org.gradlab.experiment.spec.TransformSpec;

/**
 * What a study may ask of this machine, checked before any run starts so that a spec that passes
 * the codec's checks cannot hang the study, exhaust memory or fail half way: the values its schedule,
 * gradient transforms and loss refuse when built, steps per run, the memory
 * of the runs that train at once (parameters with their gradients and optimizer state, activations
 * at the batch and at evaluation, the data splits held), the results kept on the heap, and a
 * BatchNorm model whose last training batch would hold a single row (PyTorch refuses BatchNorm on
 * one row in training, and so does gradlab). Each refusal is an {@link IllegalArgumentException}
 * with one line naming the run and the numbers.
 *
 * <p>A run's data is known before the study for the bundled digits and registered datasets; a run
 * on IDX or CSV files is checked by {@link #requireFits} when its data is read, and recorded as
 * failed with that line if it does not fit.
 *
 * <pre>{@code
 * Budget.check(runs, 2);          // before Study.run: refuses with one line, or returns
 * }</pre>
 */
public final class Budget {
    /**
     * The most training steps (batches) one run may take: 1000 epochs of the bundled digits at
     * batch 32. It bounds a saved run's file (about 80 bytes a step), and so what reading it back takes.
     */
    public static final long MAX_STEPS = 250_000;
    /** Bytes per value: parameters, gradients, optimizer state and activations are float32. */
    private static final long FLOAT = 4;
    /** Examples per forward pass at evaluation ({@code Trainer.evaluate}). */
    private static final long EVAL_BATCH = 1000;
    /** Heap a run's result takes besides its per-step series (trace, per-layer and per-epoch records). */
    private static final long RESULT_BASE = 64 * 1024;

    private Budget() {
    }

    /**
     * Refuses {@code runs} if one of them cannot run here, or if {@code workers} of them at once
     * (fewer if there are fewer runs) need more memory than this machine gives (three quarters of its
     * memory beyond the JVM's heap), or if their results would fill more than a quarter of the heap.
     */
    public static void check(List<RunSpec> runs, int workers) {
        check(runs, workers, nativeLimit(), Runtime.getRuntime().maxMemory());
    }

    /** {@link #check(List, int)} against a given native memory limit and heap, in bytes. */
    static void check(List<RunSpec> runs, int workers, long nativeLimit, long heap) {
        int atOnce = Math.max(1, Math.min(workers, runs.size()));
        long largest = 0;
        RunSpec largestRun = null;
        long data = 0;
        long results = 0;
        for (RunSpec r : runs) {
            Known k = known(r.data());
            if (k == null) {
                continue;           // checked when its data is read (requireFits)
            }
            long steps = requireSteps(r, k.train());
            requireBatchNorm(r, k.train());
            requireBuilds(r, k.train(), steps);
            long bytes = runBytes(r, k.shape());
            if (bytes > largest) {
                largest = bytes;
                largestRun = r;
            }
            data = Math.max(data, (long) k.examples() * (k.shape().features() + 1) * FLOAT);
            results += resultBytes(steps);
        }
        if (largestRun == null) {
            return;
        }
        long need = largest * atOnce + data * (atOnce + 2);     // the splits held (workers + 1) and the source
        if (need > nativeLimit) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "run %s needs about %s (%s)%s; this machine has about "
                    + "%s for a study (3/4 of its memory beyond the Java heap): use a smaller model%s", largestRun.id(), size(largest), what(largestRun),
                    atOnce > 1 ? ", and " + atOnce + " runs at once with their data about " + size(need) : "", size(nativeLimit),
                    atOnce > 1 ? " or fewer --workers" : ""));
        }
        if (results > heap / 4) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "%,d runs keep about %s of results on the heap, more "
                    + "than a quarter of the %s heap: run fewer runs at a time, or give the JVM more heap (GRADLAB_JAVA_OPTS=-Xmx4g)",
                    runs.size(), size(results), size(heap)));
        }
    }

    /**
     * The checks of {@link #check} for one run whose data is read ({@code shape}, {@code train}
     * training examples), against this machine's memory; an {@link IllegalArgumentException} with
     * one line if it does not fit.
     */
    public static void requireFits(RunSpec spec, ModelSpec.Shape shape, int train) {
        requireSteps(spec, train);
        requireBatchNorm(spec, train);
        long bytes = runBytes(spec, shape);
        long limit = nativeLimit();
        if (bytes > limit) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "run %s needs about %s (%s); this machine has about %s "
                    + "for a study (3/4 of its memory beyond the Java heap): use a smaller model", spec.id(), size(bytes), what(spec), size(limit)));
        }
    }

    private static long requireSteps(RunSpec r, int train) {
        int batch = r.data().batch();
        long perEpoch = (train + batch - 1L) / batch;
        long steps = perEpoch * r.epochs();
        if (steps > MAX_STEPS) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "run %s takes %,d steps (%d epochs of %,d batches); a run may "
                    + "take at most %,d: fewer epochs or a larger batch", r.id(), steps, r.epochs(), perEpoch, MAX_STEPS));
        }
        return steps;
    }

    /** Builds the run's schedule, gradient transforms and loss once, so that a value they refuse stops the study before it starts. */
    private static void requireBuilds(RunSpec r, int train, long steps) {
        try {
            r.schedule().build(new ScheduleSpec.Timing((train + r.data().batch() - 1L) / r.data().batch(), steps));
            r.gradients().forEach(TransformSpec::build);
            r.loss().build();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("run " + r.id() + ": " + e.getMessage(), e);
        }
    }

    private static void requireBatchNorm(RunSpec r, int train) {
        int batch = r.data().batch();
        if (batchNorm(r.model()) && (train % batch == 1 || train == 1)) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "run %s: BatchNorm on %d training examples at batch %d "
                    + "leaves a last batch of 1 row, which BatchNorm cannot normalise in training: choose a batch that does not "
                    + "(e.g. %d) or another number of training examples", r.id(), train, batch, train == 1 ? 2 : batch + 1));
        }
    }

    /** Whether the model has a BatchNorm layer (as far as its spec says: a registered model's factory is opaque). */
    static boolean batchNorm(ModelSpec m) {
        return m instanceof ModelSpec.Mlp p ? p.norm() == ModelSpec.Mlp.Norm.BATCHNORM
                : m instanceof ModelSpec.Layers l && batchNorm(l.layers());
    }

    private static boolean batchNorm(List<LayerSpec> layers) {
        return layers.stream().anyMatch(l -> l instanceof LayerSpec.BatchNormLayer
                || l instanceof LayerSpec.ResidualBlock r && batchNorm(r.layers())
                || l instanceof LayerSpec.Block b && batchNorm(b.layers())
                || l instanceof LayerSpec.OutputGuardLayer g && batchNorm(g.layers()));
    }

    /**
     * Native memory one run takes, about: the parameters five times (weights, gradients, up to two
     * optimizer moments, the throw-away copy that measures activations at init) and the activations
     * of a training batch (forward and backward) and of an evaluation batch.
     */
    static long runBytes(RunSpec r, ModelSpec.Shape shape) {
        long params = r.model().paramCount(shape);
        long acts = r.model().activationsPerExample(shape);
        return FLOAT * (5 * params + acts * (2L * r.data().batch() + EVAL_BATCH));
    }

    /**
     * The multiply-adds of a run's training forward passes, about (its model's per example, times its training
     * examples and epochs): the order a study starts its runs in, longest first; 0 when the data is known only
     * once read.
     */
    static double work(RunSpec r) {
        Known k = known(r.data());
        return k == null ? 0 : (double) r.model().multiplyAddsPerExample(k.shape()) * k.train() * r.epochs();
    }

    /** Heap a run's result holds: four doubles per step (gradient norm, rate, the forecaster's loss and update ratio) and its records. */
    static long resultBytes(long steps) {
        return 32 * steps + RESULT_BASE;
    }

    private static String what(RunSpec r) {
        Known k = known(r.data());
        ModelSpec.Shape shape = k == null ? null : k.shape();
        return shape == null ? "its model" : String.format(Locale.ROOT, "%,d parameters, %,d activations per example at batch %d",
                r.model().paramCount(shape), r.model().activationsPerExample(shape), r.data().batch());
    }

    /** The data's shape, training examples and examples in all, when known without reading files; else null. */
    private static Known known(DataSpec d) {
        if (d instanceof DataSpec.Digits g) {
            return new Known(DataSpec.Digits.SHAPE, g.train(), DataSpec.Digits.EXAMPLES);
        }
        if (d instanceof DataSpec.Registered r) {
            Dataset all = DataRegistry.require(r.name());
            return new Known(new ModelSpec.Shape(all.inputSize(), all.numClasses()),
                    r.train() == null ? all.size() * 4 / 5 : r.train(), all.size());
        }
        return null;
    }

    private record Known(ModelSpec.Shape shape, int train, int examples) {
    }

    /** Three quarters of the machine's memory (its container's, if limited) beyond the heap the JVM may take. */
    static long nativeLimit() {
        long total = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getTotalMemorySize();
        return Math.max(0, total - Runtime.getRuntime().maxMemory()) / 4 * 3;
    }

    static String size(long bytes) {
        return bytes >= 1L << 30 ? String.format(Locale.ROOT, "%.1f GB", bytes / (double) (1L << 30))
                : String.format(Locale.ROOT, "%.0f MB", Math.ceil(bytes / (double) (1L << 20)));
    }
}
