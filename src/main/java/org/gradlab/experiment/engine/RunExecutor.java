package org.gradlab.experiment.engine;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.gradlab.clip.GradStats;
import org.gradlab.data.Batches;
import org.gradlab.data.Dataset;
import org.gradlab.diagnostics.Forecaster;
import org.gradlab.diagnostics.JacobianSpectrum;
import org.gradlab.diagnostics.Regime;
import org.gradlab.diagnostics.SharpnessCallback;
import org.gradlab.diagnostics.SpectrumSettings;
import org.gradlab.experiment.spec.ModelSpec;
import org.gradlab.experiment.spec.RunSpec;
import org.gradlab.experiment.spec.ScheduleSpec;
import org.gradlab.nn.Backend;
import org.gradlab.nn.Layer;
import org.gradlab.nn.Param;
import org.gradlab.nn.Recurrent;
import org.gradlab.nn.Sequential;
import org.gradlab.train.Callback;
import org.gradlab.train.EpochResult;
import org.gradlab.train.StepContext;
import org.gradlab.train.StepResult;
import org.gradlab.train.Trainer;
import org.gradlab.train.TrainerBuilder;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Executes one {@link RunSpec} on the calling thread and records a {@link RunResult}: the spec
 * builds the model, optimizer, schedule, transforms and loss; recording callbacks watch the steps
 * (the per-layer gradient norms before any clip, the loss spikes and norm thresholds, and a
 * {@link Forecaster}, whose signals the result keeps), and the spec's probes measure the sharpness
 * every so many steps and the Jacobian spectrum at init; none of them changes a training bit. A
 * run whose training loss becomes non-finite stops at that step.
 */
public final class RunExecutor {
    /** Columns of a run's layer x step trace at most. */
    static final int TRACE_COLUMNS = 200;
    /** Training examples forwarded at init to measure the activation-norm ratio. */
    private static final int PROBE_EXAMPLES = 256;
    /** Training examples of the fixed batch the sharpness is sampled on. */
    static final int SHARPNESS_EXAMPLES = 128;
    /** Training examples the Jacobian spectrum at init is measured on. */
    static final int JACOBIAN_EXAMPLES = 32;
    /**
     * The probes' Lanczos settings: a relative residual of 1e-3 (the top eigenvalue to about 1e-6 relative, since its
     * error is of the order of the residual squared), about 30 products a sample (0.2 s of one core on the article's
     * MLP, 1 s for a 12-layer network's Jacobian spectrum).
     */
    private static final SpectrumSettings PROBE_SETTINGS = SpectrumSettings.defaults().withTolerance(1e-3);
    /** The trainer's stop reason of a run whose training loss is no longer finite. */
    private static final String DIVERGED = "loss is not finite";
    /** The trainer's stop reason of a run of a study that is being stopped. */
    private static final String CANCELLED = "study stopped";

    private RunExecutor() {
    }

    /** Trains {@code spec} on {@code split} (its data split with the spec's seed) and records it. */
    public static RunResult run(RunSpec spec, Dataset.Split split) {
        return run(spec, split, () -> false, true).orElseThrow();
    }

    /**
     * {@link #run(RunSpec, Dataset.Split)}, stopped by the trainer after the first step at which
     * {@code cancelled} says so (empty then); {@code helperThread} lends the trainer a thread for
     * diagnostics (no bits depend on it).
     */
    static Optional<RunResult> run(RunSpec spec, Dataset.Split split, BooleanSupplier cancelled, boolean helperThread) {
        long start = System.nanoTime();
        Backend.pinCallingThread();   // the activation probe below runs before the trainer pins
        ModelSpec.Shape shape = new ModelSpec.Shape(split.train().inputSize(), split.train().numClasses());
        Budget.requireFits(spec, shape, split.train().size());
        int batch = spec.data().batch();
        double activationRatio = activationRatio(spec.model().build(shape, spec.seed()), split.train(), batch);
        Sequential model = spec.model().build(shape, spec.seed());
        int perEpoch = (split.train().size() + batch - 1) / batch;
        long total = (long) perEpoch * spec.epochs();
        RunResult.Spectrum jacobian = spec.probes().jacobianAt(spec.seed())
                ? spectrum(spec.model().build(shape, spec.seed()), split.train()) : RunResult.Spectrum.NONE;
        LayerRecorder layers = new LayerRecorder(model.namedParams(), (int) Math.max(1, (total + TRACE_COLUMNS - 1) / TRACE_COLUMNS));
        StepEvents events = new StepEvents(model.layers().stream().filter(Recurrent.class::isInstance).map(Recurrent.class::cast)
                .findFirst().orElse(null));
        TrainerBuilder b = Trainer.builder(model)
                .loss(spec.loss().build())
                .optimizer(spec.optimizer().build(model))
                .schedule(spec.schedule().build(new ScheduleSpec.Timing(perEpoch, total)))
                .gradients(spec.gradients().stream().map(g -> g.build()).toArray(org.gradlab.clip.GradientTransform<?>[]::new))
                .batchSize(batch)
                .epochs(spec.epochs())
                .seed(spec.seed())
                .helperThread(helperThread)
                .callback(layers)
                .listener(events);
        SharpnessCallback sharpness = null;
        Forecaster forecaster = Forecaster.create();
        if (spec.probes().sharpnessAt(spec.seed())) {
            sharpness = SharpnessCallback.every(spec.probes().sharpnessEvery(), first(split.train(), SHARPNESS_EXAMPLES))
                    .withSettings(PROBE_SETTINGS);
            b.callback(sharpness);
            forecaster = forecaster.watching(sharpness);
        }
        b.callback(forecaster)
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
        ScheduleSpec.PlateauSpec plateau = spec.schedule().plateau();
        if (plateau != null) {
            b.plateau(org.gradlab.schedule.Plateau.of(plateau.config(org.gradlab.train.Score.accuracy())), plateau.metric());
        }
        Trainer trainer = b.build();
        trainer.fit(split.train(), split.test());
        if (CANCELLED.equals(trainer.stopReason())) {
            return Optional.empty();
        }
        List<StepResult> steps = trainer.history().stepResults();
        List<EpochResult> epochs = trainer.history().epochResults();
        long divergedAt = DIVERGED.equals(trainer.stopReason()) ? steps.get(steps.size() - 1).step() : -1;
        double testAccuracy = epochs.size() == spec.epochs() ? epochs.get(epochs.size() - 1).testScore()
                : trainer.evaluate(split.test()).score();
        double[] norms = steps.stream().mapToDouble(StepResult::gradNorm).toArray();
        double[] sorted = Arrays.stream(norms).map(v -> Double.isNaN(v) ? Double.POSITIVE_INFINITY : v).sorted().toArray();
        RunResult.End end = new RunResult.End(testAccuracy, epochs.isEmpty() ? Double.NaN : epochs.get(epochs.size() - 1).trainLoss(),
                epochs.stream().mapToDouble(EpochResult::testScore).toArray(),
                epochs.stream().mapToDouble(EpochResult::trainLoss).toArray(), divergedAt, events.spikes(), null);
        RunResult.Norms n = new RunResult.Norms(norms[0], Stats.median(sorted), sorted[sorted.length - 1], events.firstOver10(),
                events.firstOver100(), layers.firstOver, steps.stream().filter(StepResult::clipped).count() / (double) steps.size());
        RunResult.Layers l = new RunResult.Layers(layers.layers, layers.step0, layers.atExplosion, activationRatio,
                layers.stride, layers.trace.toArray(double[][]::new), events.throughTime());
        RunResult.Series series = new RunResult.Series(norms, steps.stream().mapToDouble(StepResult::lr).toArray());
        List<Forecaster.Signals> seen = forecaster.signals();
        RunResult.Watch watch = new RunResult.Watch(seen.stream().mapToDouble(Forecaster.Signals::loss).toArray(),
                seen.stream().mapToDouble(Forecaster.Signals::updateRatio).toArray(),
                sharpness == null ? List.of() : sharpness.samples(), jacobian);
        return Optional.of(new RunResult(spec, end, n, l, series, (System.nanoTime() - start) / 1e9, watch));
    }

    /**
     * The record of a run that could not be trained: why, in one line. Public for runners that
     * refuse a run before it starts (gradlab-spark's, on an executor without ND4J's natives).
     */
    public static RunResult failed(RunSpec spec, String reason, double seconds) {
        double[] none = new double[0];
        return new RunResult(spec, new RunResult.End(Double.NaN, Double.NaN, none, none, -1, 0, reason),
                new RunResult.Norms(Double.NaN, Double.NaN, Double.NaN, -1, -1, -1, 0),
                new RunResult.Layers(List.of(), none, none, Double.NaN, 1, new double[0][], none),
                new RunResult.Series(none, none), seconds);
    }

    /**
     * At init, in training mode, the Frobenius norm of the last hidden block's output over the
     * first's on the first {@value #PROBE_EXAMPLES} training examples, forwarded in batches of the
     * run's size ({@code model} is a throw-away copy: a forward pass in training mode moves
     * BatchNorm's running statistics). Batches of the run's size give every matrix product the
     * shapes training gives it: on some CPUs OpenBLAS rounds a 256-row product differently
     * depending on the process's thread settings, which a 32-row one does not.
     */
    static double activationRatio(Sequential model, Dataset train, int batch) {
        int examples = Math.min(PROBE_EXAMPLES, train.size());
        List<Layer> hidden = model.layers().subList(0, model.layers().size() - 1);
        double first = 0;
        double last = 0;
        for (int from = 0; from < examples; from += batch) {
            INDArray h = train.features().get(NDArrayIndex.interval(from, Math.min(examples, from + batch)), NDArrayIndex.all());
            for (int i = 0; i < hidden.size(); i++) {
                h = hidden.get(i).forward(h);
                if (i == 0) {
                    first += squares(h);
                }
            }
            last += squares(h);
        }
        return Math.sqrt(last) / Math.sqrt(first);
    }

    /**
     * At init, in training mode (batch statistics, as the run trains), the largest singular value of
     * each leaf layer's input-output Jacobian and of the network up to it, on the first
     * {@value #JACOBIAN_EXAMPLES} training examples ({@code model} is a throw-away copy).
     */
    static RunResult.Spectrum spectrum(Sequential model, Dataset train) {
        JacobianSpectrum.Result r = JacobianSpectrum.measure(model, first(train, JACOBIAN_EXAMPLES).features(),
                PROBE_SETTINGS.withRegime(Regime.TRAINING));
        tech.tablesaw.api.Table t = r.table();
        return new RunResult.Spectrum(t.stringColumn("name").asList(), t.stringColumn("kind").asList(),
                t.doubleColumn("sigma_max").asDoubleArray(), t.doubleColumn("network_upto").asDoubleArray());
    }

    /** The first {@code n} examples of {@code data} (all, if it has fewer) as one batch, in order. */
    private static Batches.Batch first(Dataset data, int n) {
        int k = Math.min(n, data.size());
        return Batches.epoch(data.select(java.util.stream.IntStream.range(0, k).toArray()), k, null).get(0);
    }

    /** The sum of squares, in Java and in order: ND4J's norm2 splits its sum by the OMP_NUM_THREADS the process started with. */
    private static double squares(INDArray a) {
        return java.util.Arrays.stream(a.dup('c').data().asDouble()).map(v -> v * v).sum();
    }

    /**
     * Reads each Linear layer's gradient norm from the step's measurements, before any clip (a
     * callback after backward); changes nothing.
     */
    private static final class LayerRecorder implements Callback {
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
        public boolean needsGradStats() {
            return true;
        }

        @Override
        public void afterBackward(StepContext s) {
            GradStats stats = s.gradStats();
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
        }
    }
}
