package org.gradlab.train;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalDouble;
import org.gradlab.clip.ClipReport;
import org.gradlab.clip.GradientTransform;
import org.gradlab.data.Batches;
import org.gradlab.diagnostics.GradStats;
import org.gradlab.diagnostics.Monitor;
import org.gradlab.diagnostics.SpikePolicy;
import org.gradlab.data.Dataset;
import org.gradlab.nn.Loss;
import org.gradlab.nn.Layer;
import org.gradlab.nn.Param;
import org.gradlab.nn.Rng;
import org.gradlab.optim.Optimizer;
import org.gradlab.schedule.Plateau;
import org.gradlab.schedule.Schedule;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Trains a model with minibatches: per step, forward, loss, backward, the gradient transforms
 * (clips, guards), then {@code optimizer.step(params, lr)} with the rate from the schedule (times
 * the plateau multiplier, if any) and the momentum the schedule cycles, if it does; per epoch,
 * evaluation on held-out data and a plateau observation. {@link Callback}s plug into the step
 * (the monitor, the spike policy, checkpoints and listeners are callbacks); everything the run
 * changes is one {@link TrainState} ({@link #state()}, {@link #restore(TrainState)}).
 * The batch order comes from a seeded {@link Rng}, so the same seeds give the same losses bit for bit.
 *
 * <pre>{@code
 * Trainer trainer = Trainer.builder(model)
 *     .optimizer(Optimizer.of(Adam.defaults()))
 *     .schedule(Schedule.constant(1e-3))
 *     .batchSize(32).epochs(10).seed(42)
 *     .build();
 * History history = trainer.fit(split.train(), split.test());
 * System.out.println(history.epochs());
 * }</pre>
 */
public final class Trainer {
    /** Sized by the first step, then reused; larger later steps spill to memory freed at close. */
    private static final WorkspaceConfiguration STEP_WORKSPACE = WorkspaceConfiguration.builder()
            .initialSize(0)
            .policyLearning(LearningPolicy.FIRST_LOOP)
            .policyAllocation(AllocationPolicy.STRICT)
            .build();
    private final Layer model;
    private final Loss loss;
    private final Optimizer optimizer;
    private final Schedule schedule;
    private final Plateau plateau;
    private final Metric plateauMetric;
    private final List<GradientTransform> gradients;
    private final Monitor monitor;
    private final List<Callback> callbacks;
    private final boolean measure;
    private final Score score;
    private final int batchSize;
    private final Rng shuffle;
    private final Map<String, Param> params;
    private final History history = new History();
    private final StepContext context = new StepContext(this);
    private int epochs;
    private long step;
    /** {@link #trainBatch} calls since {@link #step} last changed: callbacks see step {@code step + batchCalls}. */
    private long batchCalls;
    private int epochsDone;
    private int batchInEpoch;
    private long epochShuffle;
    private double lrScale = 1.0;
    private int rollbacks;
    private double epochLossSum;
    private double epochScore;
    private String stopReason;
    private boolean sweeping;

    private Trainer(Builder b) {
        this.model = b.model;
        this.loss = b.loss;
        this.optimizer = Objects.requireNonNull(b.optimizer, "optimizer: call optimizer(...) before build()");
        this.schedule = Objects.requireNonNull(b.schedule, "schedule: call schedule(...) or lr(...) before build()");
        this.plateau = b.plateau;
        this.plateauMetric = b.plateauMetric;
        this.gradients = List.copyOf(b.gradients);
        this.monitor = b.monitor;
        if (b.spikePolicy != null && monitor == null) {
            throw new IllegalArgumentException("spikePolicy: needs a monitor(...) to raise the alarms it acts on");
        }
        List<Callback> all = new ArrayList<>();
        if (monitor != null) {
            all.add(new MonitorCallback(monitor));
        }
        if (b.spikePolicy != null) {
            all.add(new SpikeCallback(b.spikePolicy));
        }
        all.addAll(b.callbacks);
        this.callbacks = List.copyOf(all);
        this.measure = !gradients.isEmpty() || callbacks.stream().anyMatch(Callback::needsGradStats);
        this.score = b.score;
        this.batchSize = b.batchSize;
        this.epochs = b.epochs;
        this.shuffle = Rng.seeded(b.seed);
        this.epochShuffle = shuffle.state();
        this.params = model.namedParams();
    }

    public static Builder builder(Layer model) {
        return new Builder(model);
    }

    public Layer model() {
        return model;
    }

    public Optimizer optimizer() {
        return optimizer;
    }

    public Schedule schedule() {
        return schedule;
    }

    /** Examples per batch. */
    public int batchSize() {
        return batchSize;
    }

    /** The plateau controller, or null. */
    public Plateau plateau() {
        return plateau;
    }

    /** The loss the model trains on. */
    public Loss loss() {
        return loss;
    }

    /** The gradient transforms, in order. */
    public List<GradientTransform> gradients() {
        return gradients;
    }

    /** Optimizer steps taken so far. */
    public long step() {
        return step;
    }

    /** Epochs finished so far; {@link #fit} continues after them (after a checkpoint restore, say). */
    public int epochsDone() {
        return epochsDone;
    }

    /** The number of epochs {@link #fit} trains to (the builder's, raised by {@link #fit(Dataset, Dataset, int)}). */
    public int epochs() {
        return epochs;
    }

    /** The product of the rate cuts of all roll-backs so far (1 without any). */
    public double lrScale() {
        return lrScale;
    }

    /** The monitor, or null. */
    public Monitor monitor() {
        return monitor;
    }

    /** Roll-backs so far (see {@link SpikePolicy}). */
    public int rollbacks() {
        return rollbacks;
    }

    /** Everything recorded so far, over every {@link #fit} call and checkpoint. */
    public History history() {
        return history;
    }

    /** Why the last {@link #fit} stopped early ({@link #stopTraining}), or null if it ran to its end. */
    public String stopReason() {
        return stopReason;
    }

    /**
     * Ends {@link #fit} after the step in progress (or before the next one); a later {@code fit}
     * continues where this one stopped, mid-epoch included.
     */
    public void stopTraining(String reason) {
        this.stopReason = Objects.requireNonNull(reason, "reason");
    }

    /**
     * The rate for {@code step}: the schedule's, times the plateau multiplier when there is one,
     * times the cuts of any roll-backs.
     */
    public double lrAt(long step) {
        double lr = schedule.at(step);
        return (plateau == null ? lr : plateau.apply(lr)) * lrScale;
    }

    /**
     * Trains on {@code train}, evaluating on {@code test} after each epoch, until the configured
     * number of epochs is done (continuing after {@link #epochsDone()}, mid-epoch after a
     * checkpoint or a stop); returns the {@link #history()}.
     *
     * @throws IllegalStateException when every epoch is already done: say how many more with
     *         {@link #fit(Dataset, Dataset, int)}
     */
    public History fit(Dataset train, Dataset test) {
        if (epochsDone >= epochs) {
            throw new IllegalStateException("fit: all " + epochs + " epochs are done (step " + step
                    + "); call fit(train, test, moreEpochs) to train for more");
        }
        requireInput(train, "train");
        requireInput(test, "test");
        stopReason = null;
        callbacks.forEach(c -> c.onRunStart(this));
        while (epochsDone < epochs && stopReason == null) {
            runEpoch(train, test);
        }
        callbacks.forEach(c -> c.onRunEnd(this, history));
        return history;
    }

    /** Raises the target by {@code moreEpochs} and {@link #fit}s: the explicit way to train past the configured epochs. */
    public History fit(Dataset train, Dataset test, int moreEpochs) {
        if (moreEpochs <= 0) {
            throw new IllegalArgumentException("fit: moreEpochs must be > 0, got " + moreEpochs);
        }
        epochs = Math.max(epochs, epochsDone) + moreEpochs;
        return fit(train, test);
    }

    /** One epoch, from the batch the run is at; the batch order is replayed from the epoch's generator state. */
    private void runEpoch(Dataset train, Dataset test) {
        int epoch = epochsDone + 1;
        if (batchInEpoch == 0) {
            epochShuffle = shuffle.state();
            epochLossSum = 0;
            epochScore = 0;
        }
        shuffle.restore(epochShuffle);
        int batches = (train.size() + batchSize - 1) / batchSize;
        Iterator<Batches.Batch> order = Batches.reusing(train, batchSize, shuffle, batchInEpoch).iterator();
        long start = System.nanoTime();
        model.setTraining(true);
        while (batchInEpoch < batches && stopReason == null) {
            Batches.Batch batch = order.next();
            batchInEpoch++;
            long thisStep = step;
            batchCalls = 0;
            StepContext c = runStep(batch, epoch, lrAt(step), schedule.momentumAt(step), step);
            if (!c.rolledBack()) {
                step = thisStep + 1;
            }
            StepResult r = new StepResult(thisStep, epoch, c.loss(), c.lr(), c.gradNorm(), c.clipped(), c.skipped(),
                    c.rolledBack());
            history.add(r);
            epochLossSum += c.loss() * batch.size();
            epochScore += c.score();
            c.finished(c.rolledBack(), r);
            afterUpdate(c);
        }
        if (batchInEpoch < batches) {
            return;     // stopped mid-epoch: a later fit continues from here
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Evaluation t = evaluate(test);
        EpochResult r = new EpochResult(epoch, epochLossSum / train.size(), epochScore / train.size(), t.loss(),
                t.accuracy(), seconds);
        epochsDone = epoch;
        batchInEpoch = 0;
        if (plateau != null) {
            plateau.observe(plateauMetric.of(r), schedule.at(step));
        }
        history.add(r);
        callbacks.forEach(cb -> cb.onEpochEnd(this, r));
    }

    /**
     * One batch: its loss (before the update), the score summed over it, the global gradient norm
     * the step measured (NaN if nothing did), and whether the gradients were clipped, the update
     * skipped or the run rolled back.
     */
    public record BatchResult(double loss, double score, double gradNorm, boolean clipped, boolean skipped,
            boolean rolledBack) {
    }

    /** {@link #trainBatch(Batches.Batch, double, OptionalDouble)} without a momentum override. */
    public BatchResult trainBatch(Batches.Batch batch, double lr) {
        return trainBatch(batch, lr, OptionalDouble.empty());
    }

    /**
     * The step pipeline on one batch, callbacks included, for custom loops, the LR range test and
     * benchmarks: it neither advances {@link #step()} nor records history; {@link #fit} does.
     * Callbacks (a monitor's alarms, cooldowns and per-layer rows) see consecutive step numbers
     * from {@link #step()} on, one per call that was not rolled back.
     */
    public BatchResult trainBatch(Batches.Batch batch, double lr, OptionalDouble momentum) {
        StepContext c = runStep(batch, 0, lr, momentum, step + batchCalls);
        if (!c.rolledBack()) {
            batchCalls++;
        }
        c.finished(c.rolledBack(), null);
        afterUpdate(c);
        return new BatchResult(c.loss(), c.score(), c.gradNorm(), c.clipped(), c.skipped(), c.rolledBack());
    }

    /**
     * The step pipeline: callbacks before the step; forward, loss, backward; gradient statistics;
     * callbacks after backward (alarms, vetoes, roll-backs); the gradient transforms in order
     * (a transform may ask to skip; a clip makes the next one see new statistics); then the
     * update, the veto or the roll-back. Every temporary array lives in a workspace the next step
     * reuses: nothing allocated here may outlive the step. The hooks after the update run
     * outside it ({@link #afterUpdate}).
     */
    private StepContext runStep(Batches.Batch batch, int epoch, double lr, OptionalDouble momentum, long stepNumber) {
        org.gradlab.nn.Backend.singleThreaded();   // the same bits on any thread, core count or OMP_NUM_THREADS
        StepContext c = context;
        c.begin(stepNumber, epoch, lr, momentum, batch);
        List<Callback> hooks = sweeping ? List.of() : callbacks;
        for (int i = 0; i < hooks.size(); i++) {
            hooks.get(i).beforeStep(c);
        }
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().getAndActivateWorkspace(STEP_WORKSPACE, "gradlab-step")) {
            INDArray out = model.forward(batch.features());
            Loss.Evaluation e = loss.evaluate(out, batch.targets());
            c.forwarded(out, e.value());
            model.backward(e.gradient(), false);    // nothing reads dL/dx of the data
            GradStats stats = measure || sweeping ? GradStats.of(params) : null;
            c.measured(stats);
            for (int i = 0; i < hooks.size(); i++) {
                hooks.get(i).afterBackward(c);
            }
            for (int i = 0; i < gradients.size() && !c.skipped(); i++) {
                ClipReport r = gradients.get(i).apply(params, stats);
                c.transformed(r.normAfter(), r.wasClipped());
                if (r.skip()) {
                    c.cancelUpdate();
                } else if (r.wasClipped() && i + 1 < gradients.size()) {
                    stats = GradStats.of(params);   // the next transform sees the clipped gradients
                }
            }
            c.scored(score.total(out, batch));
            if (c.rollBackTarget() != null) {
                restore(c.rollBackTarget(), false);
                lrScale *= c.lrCut();
                rollbacks++;
                c.finished(true, null);
            } else if (!c.cancelled()) {
                optimizer.step(params, lr, c.momentum());
            }
        }
        return c;
    }

    private void afterUpdate(StepContext c) {
        if (sweeping) {
            return;
        }
        for (int i = 0; i < callbacks.size(); i++) {
            callbacks.get(i).afterUpdate(c);
        }
    }

    /** Everything training changes, as a deep copy (see {@link TrainState}). */
    public TrainState state() {
        return capture(true);
    }

    /** The parts a roll-back restores: no history, no monitor. */
    TrainState snapshot() {
        return capture(false);
    }

    private TrainState capture(boolean all) {
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            Map<String, Long> rngs = new LinkedHashMap<>();
            model.namedRngs().forEach((n, r) -> rngs.put(n, r.state()));
            Map<String, Record> transforms = new LinkedHashMap<>();
            for (int i = 0; i < gradients.size(); i++) {
                transforms.put(i + ":" + gradients.get(i), gradients.get(i).state());
            }
            return new TrainState(
                    new TrainState.Progress(step, epochsDone, batchInEpoch, epochShuffle, shuffle.state(), lrScale,
                            rollbacks, epochLossSum, epochScore),
                    model.stateDict(), rngs, optimizer.state(params), plateau == null ? null : plateau.state(),
                    transforms, all && monitor != null ? monitor.state(params) : null, all ? history.state() : null);
        }
    }

    /**
     * Continues from {@code state}, all or nothing: every part is checked and put back, and if
     * any does not fit this trainer (another model, optimizer rule, group, transform chain,
     * plateau or monitor setting, or more epochs done than this trainer trains) nothing changes
     * and {@link IllegalArgumentException} names the part.
     */
    public void restore(TrainState state) {
        restore(state, true);
    }

    private void restore(TrainState s, boolean all) {
        Objects.requireNonNull(s, "state");
        if (all && s.progress().epochsDone() > epochs) {
            throw new IllegalArgumentException("progress: " + s.progress().epochsDone() + " epochs are done but this trainer trains "
                    + epochs + "; build it with epochs(" + s.progress().epochsDone() + ") or more");
        }
        if ((s.plateau() != null) != (plateau != null)) {
            throw new IllegalArgumentException(s.plateau() != null ? "plateau: the state has a plateau but this trainer has none"
                    : "plateau: the state has no plateau but this trainer has one");
        }
        if (all && (s.monitor() != null) != (monitor != null)) {
            throw new IllegalArgumentException(s.monitor() != null ? "monitor: the state has a monitor but this trainer has none"
                    : "monitor: the state has no monitor but this trainer has one");
        }
        TrainState undo = capture(all);
        try {
            apply(s, all);
        } catch (RuntimeException e) {
            apply(undo, all);
            throw e;
        }
    }

    private void apply(TrainState s, boolean all) {
        Map<String, Rng> live = model.namedRngs();
        if (!live.keySet().equals(s.rngs().keySet())) {
            throw new IllegalArgumentException("rngs: the state has random generators " + s.rngs().keySet()
                    + " but the model has " + live.keySet());
        }
        List<String> names = new ArrayList<>();
        for (int i = 0; i < gradients.size(); i++) {
            names.add(i + ":" + gradients.get(i));
        }
        if (!names.equals(new ArrayList<>(s.gradients().keySet()))) {
            throw new IllegalArgumentException("gradients: the state is for transforms " + s.gradients().keySet()
                    + " but this trainer has " + names);
        }
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            model.loadStateDict(s.model());
            optimizer.restore(s.optimizer(), params);
            for (int i = 0; i < gradients.size(); i++) {
                gradients.get(i).restore(s.gradients().get(names.get(i)));
            }
            if (all && monitor != null) {
                monitor.restore(s.monitor(), params);
            }
        }
        s.rngs().forEach((n, v) -> live.get(n).restore(v));
        if (plateau != null) {
            plateau.restore(s.plateau());
        }
        TrainState.Progress p = s.progress();
        step = p.step();
        batchCalls = 0;
        if (all) {
            history.restore(s.history());
            epochsDone = p.epochsDone();
            batchInEpoch = p.batchInEpoch();
            epochShuffle = p.epochShuffle();
            shuffle.restore(p.shuffle());
            lrScale = p.lrScale();
            rollbacks = p.rollbacks();
            epochLossSum = p.epochLossSum();
            epochScore = p.epochScore();
        }
    }

    /**
     * The learning-rate range test on this trainer ({@link LrFinder}): the sweep trains this
     * model with this optimizer (rule, groups), gradient transforms and loss, without the
     * callbacks (no monitor records, no roll-backs), then puts the whole {@link #state()} back,
     * as if a copy had been trained.
     */
    public LrFinder.Result lrFind(Dataset data, LrFinder.Config config) {
        requireInput(data, "data");
        Objects.requireNonNull(config, "config");
        TrainState saved = state();
        sweeping = true;
        try {
            return LrFinder.sweep(this, data, config);
        } finally {
            sweeping = false;
            restore(saved);
            model.setTraining(true);
        }
    }

    /** Loss and score (accuracy by default) on a dataset. */
    public record Evaluation(double loss, double accuracy) {
    }

    /** The epoch metric a {@link Plateau} watches. */
    public enum Metric {
        TRAIN_LOSS, TEST_LOSS, TEST_ACCURACY;

        double of(EpochResult r) {
            return switch (this) {
                case TRAIN_LOSS -> r.trainLoss();
                case TEST_LOSS -> r.testLoss();
                case TEST_ACCURACY -> r.testAccuracy();
            };
        }
    }

    /** Loss and score of the model on {@code data} in evaluation mode (dropout off, running statistics). */
    public Evaluation evaluate(Dataset data) {
        model.setTraining(false);
        try {
            double lossSum = 0;
            double total = 0;
            for (Batches.Batch b : Batches.reusing(data, 200, null)) {   // recurrent layers keep buffers for their largest batch
                try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().getAndActivateWorkspace(STEP_WORKSPACE, "gradlab-eval")) {
                    INDArray out = model.forward(b.features());
                    lossSum += loss.value(out, b.targets()) * b.size();
                    total += score.total(out, b);
                }
            }
            return new Evaluation(lossSum / data.size(), total / data.size());
        } finally {
            model.setTraining(true);
        }
    }

    private void requireInput(Dataset d, String what) {
        Objects.requireNonNull(d, what);
        INDArray w = params.values().stream().findFirst().map(Param::value).orElse(null);
        if (w != null && w.dataType() != d.features().dataType()) {
            throw new IllegalArgumentException("fit: " + what + " features are " + d.features().dataType()
                    + " but the model's parameters are " + w.dataType() + "; use dataset.castTo(...) or model.to(...)");
        }
    }

    /** The parameters by name, the map every step uses. */
    Map<String, Param> params() {
        return params;
    }

    /** Settings of a {@link Trainer}; loss defaults to cross-entropy, batch size to 32, epochs to 10, seed to 0. */
    public static final class Builder {
        private final Layer model;
        private Loss loss = Loss.crossEntropy();
        private Optimizer optimizer;
        private Schedule schedule;
        private Plateau plateau;
        private Metric plateauMetric;
        private final List<GradientTransform> gradients = new ArrayList<>();
        private Monitor monitor;
        private SpikePolicy spikePolicy;
        private int batchSize = 32;
        private int epochs = 10;
        private long seed;
        private final List<Callback> callbacks = new ArrayList<>();
        private Score score = Score.accuracy();

        private Builder(Layer model) {
            this.model = Objects.requireNonNull(model, "model");
        }

        /** The model the trainer will train (to prepare it, e.g. rescale its initial weights, before {@link #build}). */
        public Layer model() {
            return model;
        }

        /** The schedule set so far, or null. */
        public Schedule schedule() {
            return schedule;
        }

        public Builder loss(Loss l) {
            this.loss = Objects.requireNonNull(l, "loss");
            return this;
        }

        public Builder optimizer(Optimizer o) {
            this.optimizer = Objects.requireNonNull(o, "optimizer");
            return this;
        }

        public Builder schedule(Schedule s) {
            this.schedule = Objects.requireNonNull(s, "schedule");
            return this;
        }

        /** A constant learning rate; shorthand for {@code schedule(Schedule.constant(lr))}. */
        public Builder lr(double lr) {
            return schedule(Schedule.constant(lr));
        }

        /**
         * Multiplies the schedule's rate by {@code plateau}, which watches {@code metric} after
         * every epoch ({@code TEST_ACCURACY} needs a plateau in MAX mode, the losses MIN).
         */
        public Builder plateau(Plateau p, Metric metric) {
            Objects.requireNonNull(p, "plateau");
            Objects.requireNonNull(metric, "metric");
            Plateau.Mode needed = metric == Metric.TEST_ACCURACY ? Plateau.Mode.MAX : Plateau.Mode.MIN;
            if (p.config().mode() != needed) {
                throw new IllegalArgumentException("plateau: metric " + metric + " needs mode " + needed + ", got "
                        + p.config().mode());
            }
            this.plateau = p;
            this.plateauMetric = metric;
            return this;
        }

        /** Watches every step: gradient, weight and update statistics, alarms. */
        public Builder monitor(Monitor m) {
            this.monitor = Objects.requireNonNull(m, "monitor");
            return this;
        }

        /** Acts on the monitor's alarms by rolling back to the last good state; needs {@link #monitor}. */
        public Builder spikePolicy(SpikePolicy p) {
            this.spikePolicy = Objects.requireNonNull(p, "spikePolicy");
            return this;
        }

        /** Gradient transforms applied in order between backward and the update, e.g. {@code Guard.skipNonFinite(), Clip.globalNorm(1)}. */
        public Builder gradients(GradientTransform... chain) {
            for (GradientTransform t : chain) {
                gradients.add(Objects.requireNonNull(t, "gradient transform"));
            }
            return this;
        }

        public Builder batchSize(int n) {
            if (n <= 0) {
                throw new IllegalArgumentException("batchSize must be > 0, got " + n);
            }
            this.batchSize = n;
            return this;
        }

        public Builder epochs(int n) {
            if (n <= 0) {
                throw new IllegalArgumentException("epochs must be > 0, got " + n);
            }
            this.epochs = n;
            return this;
        }

        /** Seed of the batch order. */
        public Builder seed(long s) {
            this.seed = s;
            return this;
        }

        /** A per-step and per-epoch listener; shorthand for {@link #callback} with the simple hooks. */
        public Builder listener(TrainingListener l) {
            return callback(l);
        }

        /** A step plugin, called after the monitor and the spike policy, in the order added. */
        public Builder callback(Callback c) {
            callbacks.add(Objects.requireNonNull(c, "callback"));
            return this;
        }

        /** The metric beside the loss; argmax accuracy by default. */
        public Builder score(Score s) {
            this.score = Objects.requireNonNull(s, "score");
            return this;
        }

        public Trainer build() {
            return new Trainer(this);
        }
    }
}
