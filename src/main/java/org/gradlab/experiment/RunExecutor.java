package org.gradlab.experiment;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.gradlab.clip.Clip;
import org.gradlab.clip.ClipReport;
import org.gradlab.clip.GradientTransform;
import org.gradlab.data.Dataset;
import org.gradlab.diagnostics.GradStats;
import org.gradlab.nn.Layer;
import org.gradlab.nn.Param;
import org.gradlab.nn.Recurrent;
import org.gradlab.nn.Sequential;
import org.gradlab.optim.Adam;
import org.gradlab.optim.Optimizer;
import org.gradlab.optim.Sgd;
import org.gradlab.schedule.Plateau;
import org.gradlab.schedule.Schedule;
import org.gradlab.train.Callback;
import org.gradlab.train.EpochResult;
import org.gradlab.train.StepContext;
import org.gradlab.train.StepResult;
import org.gradlab.train.Trainer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Executes one {@link RunSpec} on the calling thread and records a {@link RunResult}. A run whose
 * training loss becomes non-finite stops at that step.
 */
public final class RunExecutor {
    /** Columns of a run's layer x step trace at most. */
    static final int TRACE_COLUMNS = 200;
    /** Training digits forwarded at init to measure the activation-norm ratio. */
    private static final int PROBE_EXAMPLES = 256;
    /** The trainer's stop reason of a run whose training loss is no longer finite. */
    private static final String DIVERGED = "loss is not finite";
    /** The trainer's stop reason of a run of a study that is being stopped. */
    private static final String CANCELLED = "study stopped";

    private RunExecutor() {
    }

    /** Trains {@code spec} on {@code split} (the digits split with the spec's seed) and records it. */
    public static RunResult run(RunSpec spec, Dataset.Split split) {
        return run(spec, split, () -> false).orElseThrow();
    }

    /**
     * {@link #run(RunSpec, Dataset.Split)}, stopped by the trainer after the first step at which
     * {@code cancelled} says so; empty then.
     */
    static Optional<RunResult> run(RunSpec spec, Dataset.Split split, BooleanSupplier cancelled) {
        long start = System.nanoTime();
        double activationRatio = activationRatio(Models.build(spec.model(), spec.seed()), split.train());
        Sequential model = Models.build(spec.model(), spec.seed());
        int perEpoch = split.train().size() / spec.data().batch()
                + (split.train().size() % spec.data().batch() == 0 ? 0 : 1);
        long total = (long) perEpoch * spec.epochs();
        LayerRecorder recorder = new LayerRecorder(model.namedParams(), (int) Math.max(1, (total + TRACE_COLUMNS - 1) / TRACE_COLUMNS));
        StepEvents events = new StepEvents(spec.model().hasCell() ? (Recurrent) model.layers().get(1) : null);
        Trainer.Builder b = Trainer.builder(model)
                .optimizer(spec.optimizer().kind().equals("adam") ? Optimizer.of(Adam.defaults())
                        : Optimizer.of(Sgd.momentum(spec.optimizer().momentum())))
                .schedule(schedule(spec.schedule(), perEpoch, total))
                .batchSize(spec.data().batch())
                .epochs(spec.epochs())
                .seed(spec.seed())
                .gradients(recorder)
                .listener(events)
                .callback(new Callback() {
                    @Override
                    public void afterUpdate(StepContext s) {
                        if (cancelled.getAsBoolean()) {
                            s.stopTraining(CANCELLED);
                        } else if (!Double.isFinite(s.loss())) {
                            s.stopTraining(DIVERGED);
                        }
                    }
                });
        for (RunSpec.Grad g : spec.gradients()) {
            b.gradients(switch (g.kind()) {
                case "norm" -> Clip.globalNorm(g.threshold());
                case "value" -> Clip.value(g.threshold());
                default -> Clip.adaptive(g.threshold(), 1e-3, Clip.VectorUnits.ELEMENTS);   // issue 10: per output row and bias element
            });
        }
        if (spec.schedule().kind().equals("plateau")) {
            b.plateau(Plateau.of(Plateau.Config.defaults().withFactor(0.1).withPatience(0)
                    .withThreshold(1e-4, Plateau.ThresholdMode.REL)), Trainer.Metric.TRAIN_LOSS);
        }
        Trainer trainer = b.build();
        trainer.fit(split.train(), split.test());
        if (CANCELLED.equals(trainer.stopReason())) {
            return Optional.empty();
        }
        List<StepResult> steps = trainer.history().stepResults();
        List<EpochResult> epochs = trainer.history().epochResults();
        long divergedAt = DIVERGED.equals(trainer.stopReason()) ? steps.get(steps.size() - 1).step() : -1;
        double testAccuracy = epochs.size() == spec.epochs() ? epochs.get(epochs.size() - 1).testAccuracy()
                : trainer.evaluate(split.test()).accuracy();
        double[] norms = steps.stream().mapToDouble(StepResult::gradNorm).toArray();
        double[] sorted = Arrays.stream(norms).map(v -> Double.isNaN(v) ? Double.POSITIVE_INFINITY : v).sorted().toArray();
        return Optional.of(new RunResult(spec, testAccuracy,
                epochs.isEmpty() ? Double.NaN : epochs.get(epochs.size() - 1).trainLoss(),
                epochs.stream().mapToDouble(EpochResult::testAccuracy).toArray(),
                epochs.stream().mapToDouble(EpochResult::trainLoss).toArray(),
                divergedAt, norms[0], Stats.median(sorted), sorted[sorted.length - 1],
                recorder.firstOver, steps.stream().filter(StepResult::clipped).count() / (double) steps.size(),
                recorder.layers, recorder.step0, recorder.atExplosion, activationRatio,
                (System.nanoTime() - start) / 1e9, norms, steps.stream().mapToDouble(StepResult::lr).toArray(),
                recorder.stride, recorder.trace.toArray(double[][]::new), events.spikes(), events.firstOver10(),
                events.firstOver100(), events.throughTime()));
    }

    /** The schedule of {@code s} for a run of {@code total} steps, {@code perEpoch} a epoch. */
    static Schedule schedule(RunSpec.Sched s, int perEpoch, long total) {
        return switch (s.kind()) {
            case "warmup_cosine" -> Schedule.cosine(s.lr(), Math.max(1, total - perEpoch), 0).withWarmup(perEpoch);
            case "multistep" -> Schedule.multiStep(s.lr(), new long[] {5L * perEpoch, 8L * perEpoch}, 0.1);
            case "onecycle" -> s.cycleMomentum() ? Schedule.oneCycle(s.lr(), total)
                    : Schedule.oneCycle(s.lr(), total).withoutMomentumCycling();
            default -> Schedule.constant(s.lr());   // constant, and plateau's base rate
        };
    }

    /**
     * At init, in training mode, the Frobenius norm of the last hidden block's output over the
     * first's on the first {@value #PROBE_EXAMPLES} training digits ({@code model} is a throw-away
     * copy: a forward pass in training mode moves BatchNorm's running statistics).
     */
    static double activationRatio(Sequential model, Dataset train) {
        INDArray h = train.features().get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, Math.min(PROBE_EXAMPLES,
                train.size())), org.nd4j.linalg.indexing.NDArrayIndex.all());
        List<Layer> hidden = Models.hiddenBlocks(model);
        double first = Double.NaN;
        for (Layer block : hidden) {
            h = block.forward(h);
            if (Double.isNaN(first)) {
                first = norm(h);
            }
        }
        return norm(h) / first;
    }

    /** Summed in Java, in order: ND4J's norm2 splits its sum by the OMP_NUM_THREADS the process started with. */
    private static double norm(INDArray a) {
        return Math.sqrt(java.util.Arrays.stream(a.dup('c').data().asDouble()).map(v -> v * v).sum());
    }

    /**
     * The first gradient transform of every run: reads each Linear layer's gradient norm from the
     * step's measurements (before any clip), changes nothing.
     */
    private static final class LayerRecorder implements GradientTransform {
        final List<String> layers = new ArrayList<>();
        final int stride;
        final List<double[]> trace = new ArrayList<>();
        /** For each parameter in {@code GradStats} order, the index of its Linear layer or -1. */
        private final int[] layerOf;
        double[] step0 = new double[0];
        double[] atExplosion = new double[0];
        long firstOver = -1;
        private long step;

        LayerRecorder(Map<String, Param> params, int stride) {
            this.stride = stride;
            this.layerOf = new int[params.size()];
            int i = 0;
            for (Map.Entry<String, Param> e : params.entrySet()) {
                String prefix = e.getKey().substring(0, e.getKey().lastIndexOf('.') + 1);
                boolean linear = params.containsKey(prefix + "weight") && params.get(prefix + "weight").value().rank() == 2;
                if (linear && !layers.contains(prefix + "weight")) {
                    layers.add(prefix + "weight");
                }
                layerOf[i++] = linear ? layers.indexOf(prefix + "weight") : -1;
            }
            for (int k = 0; k < layers.size(); k++) {   // "3.0.weight" -> "3.0"
                layers.set(k, layers.get(k).substring(0, layers.get(k).length() - ".weight".length()));
            }
        }

        @Override
        public ClipReport apply(Map<String, Param> params, GradStats stats) {
            double[] sumSq = new double[layers.size()];
            for (int p = 0; p < layerOf.length; p++) {
                if (layerOf[p] >= 0) {
                    sumSq[layerOf[p]] += stats.sumSq()[p];
                }
            }
            double[] norms = Arrays.stream(sumSq).map(Math::sqrt).toArray();
            if (step == 0) {
                step0 = norms;
            }
            double global = stats.globalNorm();
            if (firstOver < 0 && !(global <= RunResult.EXPLOSION_NORM)) {
                firstOver = step;
                atExplosion = norms;
            }
            if (step % stride == 0) {
                trace.add(norms.clone());
            } else {
                double[] col = trace.get(trace.size() - 1);
                for (int k = 0; k < col.length; k++) {
                    col[k] = Stats.nanMax(col[k], norms[k]);
                }
            }
            step++;
            return ClipReport.unchanged(global, stats.firstNonFinite());
        }
    }
}
