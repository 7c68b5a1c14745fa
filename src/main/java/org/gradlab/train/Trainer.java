package org.gradlab.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalDouble;
import org.gradlab.clip.ClipReport;
import org.gradlab.clip.GradientTransform;
import org.gradlab.data.Batches;
import org.gradlab.diagnostics.Alarm;
import org.gradlab.diagnostics.GradStats;
import org.gradlab.diagnostics.Monitor;
import org.gradlab.diagnostics.SpikePolicy;
import org.gradlab.data.Dataset;
import org.gradlab.nn.HostArrays;
import org.gradlab.nn.Loss;
import org.gradlab.nn.Layer;
import org.gradlab.nn.Param;
import org.gradlab.nn.Rng;
import org.gradlab.optim.Optimizer;
import org.gradlab.optim.States;
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
 * evaluation on held-out data and a plateau observation.
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
    private final SpikePolicy spikePolicy;
    private Snapshot snapshot;
    private double lrScale = 1.0;
    private int rollbacks;
    private int epoch;
    private final int batchSize;
    private final int epochs;
    private final Rng shuffle;
    private final List<TrainingListener> listeners;
    private final Map<String, Param> params;
    private long step;
    private int epochsDone;

    private Trainer(Builder b) {
        this.model = b.model;
        this.loss = b.loss;
        this.optimizer = Objects.requireNonNull(b.optimizer, "optimizer: call optimizer(...) before build()");
        this.schedule = Objects.requireNonNull(b.schedule, "schedule: call schedule(...) or lr(...) before build()");
        this.plateau = b.plateau;
        this.plateauMetric = b.plateauMetric;
        this.gradients = List.copyOf(b.gradients);
        this.monitor = b.monitor;
        this.spikePolicy = b.spikePolicy;
        if (spikePolicy != null && monitor == null) {
            throw new IllegalArgumentException("spikePolicy: needs a monitor(...) to raise the alarms it acts on");
        }
        this.batchSize = b.batchSize;
        this.epochs = b.epochs;
        this.shuffle = Rng.seeded(b.seed);
        this.listeners = List.copyOf(b.listeners);
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

    /** The plateau controller, or null. */
    public Plateau plateau() {
        return plateau;
    }

    /** The random generator of the batch order, exposed so checkpoints can save it. */
    public Rng shuffleRng() {
        return shuffle;
    }

    /** Optimizer steps taken so far. */
    public long step() {
        return step;
    }

    /** Epochs finished so far; {@link #fit} continues after them (after a checkpoint restore, say). */
    public int epochsDone() {
        return epochsDone;
    }

    /** Sets the position a restored checkpoint left off at. */
    void resumeAt(long step, int epochsDone, double lrScale, int rollbacks) {
        this.step = step;
        this.epochsDone = epochsDone;
        this.lrScale = lrScale;
        this.rollbacks = rollbacks;
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
     * number of epochs is done (continuing after {@link #epochsDone()}).
     */
    public History fit(Dataset train, Dataset test) {
        requireInput(train, "train");
        requireInput(test, "test");
        History history = new History();
        listeners.forEach(l -> l.onRunStart(this));
        for (epoch = epochsDone + 1; epoch <= epochs; epoch++) {
            long start = System.nanoTime();
            model.setTraining(true);
            double lossSum = 0;
            long correct = 0;
            for (Batches.Batch batch : Batches.reusing(train, batchSize, shuffle)) {
                if (spikePolicy != null && (snapshot == null || step % spikePolicy.snapshotEvery() == 0)) {
                    snapshot = Snapshot.take(this);
                }
                long thisStep = step;
                double lr = lrAt(step);
                BatchResult b = trainBatch(batch, lr, schedule.momentumAt(step));
                if (!b.rolledBack()) {
                    step = thisStep + 1;
                }
                StepResult s = new StepResult(thisStep, epoch, b.loss(), lr, b.gradNorm(), b.clipped(), b.skipped(),
                        b.rolledBack());
                history.add(s);
                listeners.forEach(l -> l.onStep(s));
                lossSum += b.loss() * batch.size();
                correct += b.correct();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            Evaluation t = evaluate(test);
            EpochResult r = new EpochResult(epoch, lossSum / train.size(), (double) correct / train.size(),
                    t.loss(), t.accuracy(), seconds);
            epochsDone = epoch;
            if (plateau != null) {
                plateau.observe(plateauMetric.of(r), schedule.at(step));
            }
            history.add(r);
            listeners.forEach(l -> l.onEpochEnd(r));
        }
        if (monitor != null) {
            monitor.flush();
        }
        listeners.forEach(l -> l.onRunEnd(history));
        return history;
    }

    /**
     * One batch: its loss (before the update), how many examples the model classified right, the
     * global gradient norm the gradient transforms measured (NaN if none did), and whether they
     * clipped or skipped the update.
     */
    public record BatchResult(double loss, long correct, double gradNorm, boolean clipped, boolean skipped,
            boolean rolledBack) {
    }

    /** {@link #trainBatch(Batches.Batch, double, OptionalDouble)} without a momentum override. */
    public BatchResult trainBatch(Batches.Batch batch, double lr) {
        return trainBatch(batch, lr, OptionalDouble.empty());
    }

    /**
     * Forward, loss, backward and update on one batch. Every temporary array of the step lives in
     * a workspace that the next step reuses: ND4J then neither allocates nor tracks them for
     * deallocation, which at the article's sizes makes a step about 3x faster and keeps the heap
     * from filling with pending deallocators. Nothing allocated here may outlive the step.
     *
     * <p>After backward, the gradient transforms run in order ({@link Builder#gradients}); if one
     * asks to skip, the optimizer does not step. A building block for custom loops, the LR range
     * test and benchmarks: it neither advances {@link #step()} nor records history or calls
     * listeners; {@link #fit} does.
     */
    public BatchResult trainBatch(Batches.Batch batch, double lr, OptionalDouble momentum) {
        if (monitor != null) {
            monitor.beginStep();
        }
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().getAndActivateWorkspace(STEP_WORKSPACE, "gradlab-step")) {
            INDArray out = model.forward(batch.features());
            Loss.Evaluation e = loss.evaluate(out, batch.targets());
            model.backward(e.gradient(), false);    // nothing reads dL/dx of the data
            GradStats stats = gradients.isEmpty() && monitor == null ? null : GradStats.of(params);
            List<Alarm> alarms = monitor == null ? List.of()
                    : monitor.onGradients(new Monitor.StepContext(step, epoch, e.value(), lr, batch.features(), out, stats));
            double norm = stats == null ? Double.NaN : stats.globalNorm();
            double normAfter = norm;
            boolean clipped = false;
            boolean skip = false;
            boolean rollback = spikePolicy != null && snapshot != null && spikePolicy.triggeredBy(alarms);
            for (int i = 0; i < gradients.size() && !rollback; i++) {
                ClipReport r = gradients.get(i).apply(params, stats);
                normAfter = r.normAfter();
                clipped |= r.wasClipped();
                if (r.skip()) {
                    skip = true;
                    break;
                }
                if (r.wasClipped() && i + 1 < gradients.size()) {
                    stats = GradStats.of(params);   // the next transform sees the clipped gradients
                }
            }
            if (rollback) {
                snapshot.restore(this);
                lrScale *= spikePolicy.lrCut();
                rollbacks++;
            } else if (!skip) {
                optimizer.step(params, lr, momentum);
            }
            if (monitor != null) {
                monitor.onUpdate(params, normAfter, clipped, skip, rollback);
            }
            return new BatchResult(e.value(), countCorrect(out, batch.labels()), norm, clipped, skip || rollback, rollback);
        }
    }

    /** The last good state for roll-backs: everything {@link Checkpoint} saves, kept in memory. */
    private record Snapshot(long step, Map<String, INDArray> model, Map<String, Record> optimizer,
            Plateau.State plateau, Map<String, Long> rngs, long shuffle) {

        static Snapshot take(Trainer t) {
            try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                Map<String, Long> rngs = new java.util.LinkedHashMap<>();
                t.model.namedRngs().forEach((n, r) -> rngs.put(n, r.state()));
                return new Snapshot(t.step, t.model.stateDict(), States.deepCopy(t.optimizer.state()),
                        t.plateau == null ? null : t.plateau.state(), rngs, t.shuffle.state());
            }
        }

        void restore(Trainer t) {
            try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                t.model.loadStateDict(model);
                t.optimizer.restoreState(States.deepCopy(optimizer));
            }
            if (plateau != null) {
                t.plateau.restore(plateau);
            }
            Map<String, Rng> live = t.model.namedRngs();
            rngs.forEach((n, st) -> live.get(n).restore(st));
            t.shuffle.restore(shuffle);
            t.step = step;
        }
    }

    /** Loss and accuracy on a dataset. */
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

    /** Loss and accuracy of the model on {@code data} in evaluation mode (dropout off, running statistics). */
    public Evaluation evaluate(Dataset data) {
        model.setTraining(false);
        try {
            double lossSum = 0;
            long correct = 0;
            for (Batches.Batch b : Batches.reusing(data, 1000, null)) {
                try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().getAndActivateWorkspace(STEP_WORKSPACE, "gradlab-eval")) {
                    INDArray out = model.forward(b.features());
                    lossSum += loss.value(out, b.targets()) * b.size();
                    correct += countCorrect(out, b.labels());
                }
            }
            return new Evaluation(lossSum / data.size(), (double) correct / data.size());
        } finally {
            model.setTraining(true);
        }
    }

    private static long countCorrect(INDArray logits, int[] labels) {
        int[] predicted = HostArrays.argMaxRows(logits);
        long c = 0;
        for (int i = 0; i < labels.length; i++) {
            if (predicted[i] == labels[i]) {
                c++;
            }
        }
        return c;
    }

    private void requireInput(Dataset d, String what) {
        Objects.requireNonNull(d, what);
        INDArray w = params.values().stream().findFirst().map(Param::value).orElse(null);
        if (w != null && w.dataType() != d.features().dataType()) {
            throw new IllegalArgumentException("fit: " + what + " features are " + d.features().dataType()
                    + " but the model's parameters are " + w.dataType() + "; use dataset.castTo(...) or model.to(...)");
        }
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
        private final List<TrainingListener> listeners = new ArrayList<>();

        private Builder(Layer model) {
            this.model = Objects.requireNonNull(model, "model");
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

        public Builder listener(TrainingListener l) {
            listeners.add(Objects.requireNonNull(l, "listener"));
            return this;
        }

        public Trainer build() {
            return new Trainer(this);
        }
    }
}
