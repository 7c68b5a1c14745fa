package org.gradlab.diagnostics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import org.gradlab.clip.Clip;
import org.gradlab.clip.Chain;
import org.gradlab.data.Batches;
import org.gradlab.data.Dataset;
import org.gradlab.nn.Layer;
import org.gradlab.nn.Param;
import org.gradlab.nn.Rng;
import org.gradlab.train.Callback;
import org.gradlab.train.LrFinder;
import org.gradlab.train.Progress;
import org.gradlab.train.StepContext;
import org.gradlab.train.TrainState;
import org.gradlab.train.BatchResult;
import org.gradlab.train.Trainer;
import org.gradlab.train.TrainerBuilder;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Proves the {@link Doctor}'s fixes by replay: the run is rebuilt from its recipe (gradlab runs
 * are bit-for-bit deterministic per seed) and trained once to the last healthy step before the
 * first alarm (of any kind); its {@link Trainer#state()} there is restored into each candidate's
 * trainer (the run with the fix: a lower rate, or a clip added after the run's transforms, whose
 * state starts fresh), and from that state each candidate fix is trained on the same batches for a bounded
 * budget: until twice the failing step, and at least one epoch's worth, at most
 * {@code maxSteps}. Fixes that only make sense from the start (a warmup, a rescaled
 * initialisation, the alternative model) are replayed from step 0 over the same span. A fix
 * survives when every loss stayed finite, the loss at least halved from the run's first
 * loss, and the gradient norm stayed within ten times its healthy median; only survivors are recommended, best
 * final loss first, each with its evidence.
 *
 * <p>Cost: one training run to the last healthy step (not one per candidate), then per candidate one replay of the
 * budget (a few hundred steps: about the cost of one epoch each; seven candidates on the
 * {@code explode} job take about 20 s on one core), plus one LR range test (100 steps).
 *
 * <pre>{@code
 * FixReplay.Setup setup = FixReplay.Setup.of(() -> Presets.explodingTrainer(0).epochs(2), split.train());
 * Doctor.Diagnosis d = FixReplay.diagnose(monitor, trainer.model(), setup);
 * System.out.println(d.ranking());
 * Trainer fixed = FixReplay.apply(d.recommended().get(0), setup).build();
 * }</pre>
 */
public final class FixReplay {
    /** Examples of the batch the sharpness before the event is measured on (the first of the training data). */
    static final int SHARPNESS_EXAMPLES = 128;
    /** Examples the Jacobian spectrum at init is measured on. */
    static final int JACOBIAN_EXAMPLES = 32;
    /** Lanczos to a relative residual of 1e-3 for the doctor's curvature evidence (about 30 products each). */
    private static final SpectrumSettings CURVATURE = SpectrumSettings.defaults().withTolerance(1e-3);

    private FixReplay() {
    }

    /**
     * The run's recipe: {@code run} builds the diagnosed run afresh (same model seed, optimizer,
     * schedule, batch size and seed; no monitor needed), {@code train} is its training data,
     * {@code alternative} (or null) builds the same run on a structurally different model (with
     * normalisation or residual blocks) to verify that suggestion, {@code maxSteps} bounds
     * each replay, and {@code progress} (or null) hears about each replay and its steps.
     */
    public record Setup(Supplier<TrainerBuilder> run, Dataset train, Supplier<TrainerBuilder> alternative, int maxSteps,
            Progress progress) {
        public Setup {
            Objects.requireNonNull(run, "run");
            Objects.requireNonNull(train, "train");
            if (maxSteps < 1) {
                throw new IllegalArgumentException("fixReplay: maxSteps must be >= 1, got " + maxSteps);
            }
        }

        /** No alternative model; replays of at most 1000 steps. */
        public static Setup of(Supplier<TrainerBuilder> run, Dataset train) {
            return new Setup(run, train, null, 1000, null);
        }

        /** The same recipe with an alternative model to verify the structural suggestion. */
        public Setup withAlternative(Supplier<TrainerBuilder> alt) {
            return new Setup(run, train, Objects.requireNonNull(alt, "alternative"), maxSteps, progress);
        }

        public Setup withMaxSteps(int n) {
            return new Setup(run, train, alternative, n, progress);
        }

        /** The same recipe reporting each replay to {@code p}. */
        public Setup withProgress(Progress p) {
            return new Setup(run, train, alternative, maxSteps, Objects.requireNonNull(p, "progress"));
        }

        private void task(String label, long steps) {
            if (progress != null) {
                progress.task(label, steps);
            }
        }

        private void advance(long done) {
            if (progress != null) {
                progress.advance(done);
            }
        }
    }

    /**
     * Diagnoses the run {@code monitor} watched (with the layer gains of a freshly built model on
     * the first 256 training examples), adds the LR range test's valley as a candidate rate, and
     * verifies every candidate by replay.
     */
    public static Doctor.Diagnosis diagnose(Monitor monitor, Layer trainedModel, Setup setup) {
        Trainer fresh = setup.run().get().build();
        int n = Math.min(256, setup.train().size());
        Batches.Batch first = Batches.epoch(setup.train().split(n, 0).train(), n, null).get(0);
        LayerGain.Result gains = LayerGain.measure(fresh.model(), first.features(), first.targets(), fresh.loss());
        JacobianSpectrum.Result spectrum = JacobianSpectrum.measure(fresh.model(),
                first.features().get(NDArrayIndex.interval(0, Math.min(JACOBIAN_EXAMPLES, n)), NDArrayIndex.all()),
                CURVATURE.withRegime(Regime.TRAINING));
        Doctor.Diagnosis d = Doctor.diagnose(monitor, trainedModel, gains, new Curvature(spectrum, null));
        if (d.event() == null) {
            return d;
        }
        List<Doctor.Fix> candidates = new ArrayList<>(d.fixes());
        double lr = monitor.stepRecords().stream().filter(s -> s.step() == d.event().step()).mapToDouble(StepRecord::lr)
                .findFirst().orElse(Double.NaN);
        LrFinder.Result sweep = LrFinder.run(fresh.model(), fresh.optimizer().rule(), fresh.loss(), setup.train(),
                LrFinder.Config.defaults().withBatchSize(fresh.batchSize()));
        if (sweep.valley() < lr) {
            candidates.add(new Doctor.Fix("Lower the learning rate to " + Tables.g3(sweep.valley()), 2.35,
                    "the LR range test's valley (fastai's suggestion) on a freshly initialised model; the rate at step "
                            + d.event().step() + " was " + Tables.g3(lr),
                    new Doctor.Change(Doctor.Change.Kind.LOWER_RATE, sweep.valley() / lr, Map.of()), null));
        }
        return verify(d.withFixes(candidates), monitor, setup);
    }

    /** Replays every replayable fix of {@code d} (structural ones only with an alternative model); returns it ranked by outcome. */
    public static Doctor.Diagnosis verify(Doctor.Diagnosis d, Monitor monitor, Setup setup) {
        if (d.event() == null) {
            return d;
        }
        Budget budget = budget(d, monitor, setup);
        Trainer trained = healthyState(setup, budget.from());
        TrainState healthy = trained.state();
        if (budget.from() > 0) {   // the sharpness of the weights the event's step started from, at that step's rate
            long at = budget.from() - 1;
            int n = Math.min(SHARPNESS_EXAMPLES, setup.train().size());
            Batches.Batch batch = Batches.epoch(setup.train().split(n, 0).train(), n, null).get(0);
            d = d.withCurvature(d.curvature().withSharpness(SharpnessCallback.every(1, batch).withSettings(CURVATURE)
                    .sample(trained, at, trained.lrAt(at), trained.schedule().momentumAt(at))));
        }
        List<Doctor.Fix> out = new ArrayList<>();
        for (Doctor.Fix f : d.fixes()) {
            boolean tryIt = f.change().replayable()
                    && (f.change().kind() != Doctor.Change.Kind.ALTERNATIVE_MODEL || setup.alternative() != null);
            out.add(tryIt ? f.verified(replay(setup, f.change(), f.change().fromStart() ? null : healthy, budget)) : f);
        }
        return d.withFixes(out);
    }

    /**
     * The run's builder with {@code fix} applied from the first step: the lowered rate, the warmup
     * or the clip added to its schedule and transforms, its initial weights rescaled, or the
     * alternative model's builder.
     */
    public static TrainerBuilder apply(Doctor.Fix fix, Setup setup) {
        Doctor.Change c = fix.change();
        if (!c.replayable()) {
            throw new IllegalArgumentException("fixReplay: '" + fix.title() + "' is advice, not a setting to apply");
        }
        if (c.kind() == Doctor.Change.Kind.ALTERNATIVE_MODEL) {
            if (setup.alternative() == null) {
                throw new IllegalArgumentException("fixReplay: '" + fix.title() + "' needs Setup.withAlternative(...)");
            }
            return setup.alternative().get();
        }
        TrainerBuilder b = setup.run().get();
        switch (c.kind()) {
            case LOWER_RATE -> b.schedule(b.schedule().times(c.value()));
            case WARMUP -> b.schedule(b.schedule().withWarmup((long) c.value()));
            case CLIP -> b.gradients(Clip.globalNorm(c.value()));
            case RESCALE_INIT -> {
                Map<String, Param> params = b.model().namedParams();
                c.scales().forEach((name, s) -> {
                    Param p = params.get(name);
                    if (p == null) {
                        throw new IllegalArgumentException("fixReplay: the model has no parameter '" + name + "'");
                    }
                    p.value().muli(s);
                });
            }
            default -> throw new IllegalStateException("unhandled change " + c.kind());
        }
        return b;
    }

    /** Where the replays start (the event's step: the first explosion, spike or non-finite value; steps before it are healthy) and end. */
    private record Budget(long from, long to, double normBound, double firstLoss) {
    }

    private static Budget budget(Doctor.Diagnosis d, Monitor monitor, Setup setup) {
        // the event (the first explosion, loss spike or non-finite value) ends the healthy stretch; an update/weight ratio
        // out of band at step 1 is a warning, not a failure, and replays from there would test the wrong stretch
        long event = d.event().step();
        long failing = monitor.alarmList().stream().filter(a -> a.kind() == Alarm.Kind.NON_FINITE).mapToLong(Alarm::step)
                .findFirst().orElse(event);
        Trainer probe = setup.run().get().build();
        long perEpoch = (setup.train().size() + probe.batchSize() - 1) / probe.batchSize();
        long to = Math.min(Math.max(2 * failing + 1, perEpoch), event + setup.maxSteps());
        double[] healthy = monitor.stepRecords().stream().filter(s -> s.step() < event).mapToDouble(StepRecord::gradNorm)
                .filter(Double::isFinite).sorted().toArray();
        double median = healthy.length == 0 ? monitor.stepRecords().get(0).gradNorm() : healthy[healthy.length / 2];
        return new Budget(event, to, 10 * median, monitor.stepRecords().get(0).loss());
    }

    /**
     * The run's trainer after {@code steps} healthy steps: the run is trained once
     * (with {@link Trainer#fit}, stopped at that step; the epochs it finishes are evaluated on the
     * training data) and every replay from the healthy state restores this one state.
     */
    private static Trainer healthyState(Setup setup, long steps) {
        setup.task("replay: training to the last healthy step, " + steps, steps);
        Trainer t = setup.run().get().callback(new Callback() {
            @Override
            public void afterUpdate(StepContext c) {
                setup.advance(c.step() + 1);
                if (c.step() + 1 >= steps) {
                    c.stopTraining("the last healthy step");
                }
            }
        }).build();
        while (t.step() < steps) {
            t.fit(setup.train(), setup.train(), 1);
        }
        return t;
    }

    /**
     * Puts the healthy state into a candidate's trainer. The candidate is the run with the fix
     * applied: the same model, optimizer rule and position, its schedule changed (a lower rate) or
     * its transform chain extended (the clip and the replay's norm measurement come after the
     * run's transforms), so the run's transforms keep their state and the added ones start fresh;
     * the strict {@link Trainer#restore} checks the rest.
     */
    private static void restore(Trainer t, TrainState healthy) {
        TrainState own = t.state();
        Map<String, Record> chain = new LinkedHashMap<>(own.transforms().transforms());
        healthy.transforms().transforms().forEach(chain::replace);
        Map<String, Record> callbacks = new LinkedHashMap<>(own.callbacks());
        healthy.callbacks().forEach(callbacks::replace);
        t.restore(new TrainState(healthy.position(), healthy.model(), healthy.rngs(), healthy.optimizer(), healthy.plateau(),
                new Chain.State(chain), callbacks, healthy.history()));
    }

    /** Trains the run with {@code change} from {@code start} (or from step 0 when null) to the budget's end. */
    private static Doctor.Outcome replay(Setup setup, Doctor.Change change, TrainState start, Budget budget) {
        Trainer t = apply(new Doctor.Fix("", 0, "", change, null), setup).callback(MEASURE).build();
        if (start != null) {
            restore(t, start);
        }
        TrainState.Position at = t.state().position();
        Rng shuffle = Rng.seeded(0);
        shuffle.restore(at.epochShuffle());
        long step = at.step();
        int skip = at.batchInEpoch();
        long from = step;
        setup.task("replay: " + label(change, t, from) + " from step " + from, budget.to() - from);
        List<Double> losses = new ArrayList<>();
        double maxNorm = 0;
        boolean finite = true;
        while (step < budget.to() && finite) {
            List<Batches.Batch> batches = Batches.epoch(setup.train(), t.batchSize(), shuffle);
            for (int i = skip; i < batches.size() && step < budget.to() && finite; i++) {
                BatchResult r = t.trainBatch(batches.get(i), t.lrAt(step), t.schedule().momentumAt(step));
                finite = Double.isFinite(r.loss()) && Double.isFinite(r.gradNorm());
                if (start == null || step > from) {    // from a healthy state, its first gradient is the run's, whatever the fix
                    maxNorm = Double.isFinite(r.gradNorm()) ? Math.max(maxNorm, r.gradNorm()) : Double.POSITIVE_INFINITY;
                }
                losses.add(r.loss());
                step++;
                setup.advance(step - from);
            }
            skip = 0;
        }
        double[] l = losses.stream().mapToDouble(Double::doubleValue).toArray();
        int tail = Math.max(5, l.length / 10);
        double startLoss = start == null && l.length > 0 ? l[0] : budget.firstLoss();
        return new Doctor.Outcome(label(change, t, from), from, l.length, startLoss,
                mean(l, Math.max(0, l.length - tail), l.length), maxNorm, budget.normBound(), finite);
    }

    /** Asks the trainer to measure every step's gradients, so each replayed step reports its norm. */
    private static final Callback MEASURE = new Callback() {
        @Override
        public boolean needsGradStats() {
            return true;
        }
    };

    private static String label(Doctor.Change c, Trainer t, long from) {
        return switch (c.kind()) {
            case LOWER_RATE -> "lr " + Tables.g3(t.lrAt(from));
            case WARMUP -> String.format(Locale.ROOT, "warmup %d steps", (long) c.value());
            case CLIP -> "clip " + Tables.g3(c.value());
            case RESCALE_INIT -> "init rescaled by " + Tables.g3(c.scales().values().stream().mapToDouble(Double::doubleValue)
                    .min().orElse(1)) + " to " + Tables.g3(c.scales().values().stream().mapToDouble(Double::doubleValue)
                    .max().orElse(1)) + " per layer";
            case ALTERNATIVE_MODEL -> "alternative model";
            case ADVICE -> "advice";
        };
    }

    private static double mean(double[] v, int from, int to) {
        return to <= from ? Double.NaN : Arrays.stream(v, from, to).average().orElse(Double.NaN);
    }
}
