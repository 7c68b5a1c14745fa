package org.gradlab.train;

import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.concurrent.Executor;
import org.gradlab.clip.Chain;
import org.gradlab.clip.GradientTransform;
import org.gradlab.data.Batches;
import org.gradlab.data.Dataset;
import org.gradlab.nn.Layer;
import org.gradlab.nn.Loss;
import org.gradlab.nn.Param;
import org.gradlab.nn.Rng;
import org.gradlab.optim.Optimizer;
import org.gradlab.schedule.Plateau;
import org.gradlab.schedule.Schedule;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Trains a model with minibatches: per step, forward, loss, backward, the gradient transforms
 * (clips, guards), then {@code optimizer.step(params, lr)} with the rate from the schedule (times
 * the plateau multiplier, if any) and the momentum the schedule cycles, if it does; per epoch,
 * evaluation on held-out data and a plateau observation. {@link Callback}s plug into the step
 * (the monitor, the spike policy, checkpoints and listeners are callbacks). The trainer owns one
 * {@link TrainState}: it replaces its {@link TrainState.Position} as it steps and keeps the
 * transforms' state beside it; {@link #state()} and {@link #restore(TrainState)} take and put back
 * the whole tree. The batch order comes from a seeded {@link Rng}, so the same seeds give the
 * same losses bit for bit.
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
    private final Layer model;
    private final Loss loss;
    private final Optimizer optimizer;
    private final Schedule schedule;
    private final Plateau plateau;
    private final TrainerBuilder.Metric plateauMetric;
    private final Chain transforms;
    private final List<Callback> callbacks;
    private final Score score;
    private final int batchSize;
    private final Rng shuffle;
    private final Map<String, Param> params;
    private final Executor helper;
    private final History history;
    private final StepPipeline pipeline;
    private int epochs;
    private TrainState.Position position;
    private Chain.State transformState;
    /** {@link #trainBatch} calls since the step last changed: callbacks see step {@code step + batchCalls}. */
    private long batchCalls;
    private String stopReason;

    Trainer(TrainerBuilder b) {
        this.model = b.model();
        this.loss = b.loss;
        this.optimizer = Objects.requireNonNull(b.optimizer, "optimizer: call optimizer(...) before build()");
        this.schedule = Objects.requireNonNull(b.schedule, "schedule: call schedule(...) or lr(...) before build()");
        this.plateau = b.plateau;
        this.plateauMetric = b.plateauMetric;
        this.helper = b.helperThread ? HelperThread.create() : null;
        this.transforms = GradientTransform.chain(b.gradients).withHelper(helper);
        this.callbacks = List.copyOf(b.callbacks);
        this.score = b.score;
        this.history = new History(score.name());
        this.batchSize = b.batchSize;
        this.epochs = b.epochs;
        this.shuffle = Rng.seeded(b.seed);
        this.params = Collections.unmodifiableMap(model.namedParams());
        this.position = TrainState.Position.start(shuffle.state());
        this.transformState = transforms.init(params);
        this.pipeline = new StepPipeline(this);
        callbacks.forEach(c -> c.attach(this));
    }

    public static TrainerBuilder builder(Layer model) {
        return new TrainerBuilder(model);
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

    /** The metric reported beside the loss. */
    public Score score() {
        return score;
    }

    /** The gradient transforms, in order, as one chain. */
    public Chain gradients() {
        return transforms;
    }

    /** The callbacks, in the order they run. */
    public List<Callback> callbacks() {
        return callbacks;
    }

    /** The parameters by name, in the model's order: the map every step uses (read-only). */
    public Map<String, Param> params() {
        return params;
    }

    /** The thread this trainer lends diagnostics for work beside the step, or null when it has none ({@link TrainerBuilder#helperThread}). */
    public Executor helper() {
        return helper;
    }

    /** Optimizer steps taken so far. */
    public long step() {
        return position.step();
    }

    /** Epochs finished so far; {@link #fit} continues after them (after a checkpoint restore, say). */
    public int epochsDone() {
        return position.epochsDone();
    }

    /** The number of epochs {@link #fit} trains to (the builder's, raised by {@link #fit(Dataset, Dataset, int)}). */
    public int epochs() {
        return epochs;
    }

    /** The product of the rate cuts of all roll-backs so far (1 without any). */
    public double lrScale() {
        return position.lrScale();
    }

    /** Roll-backs so far. */
    public int rollbacks() {
        return position.rollbacks();
    }

    /** Everything recorded so far, over every {@link #fit} call and checkpoint. */
    public History history() {
        return history;
    }

    /** Why the last {@link #fit} stopped early ({@link #stopTraining}), or null if it ran to its end. */
    public String stopReason() {
        return stopReason;
    }

    /** Ends {@link #fit} after the step in progress; a later {@code fit} continues where this one stopped, mid-epoch included. */
    public void stopTraining(String reason) {
        this.stopReason = Objects.requireNonNull(reason, "reason");
    }

    /** The rate for {@code step}: the schedule's, times the plateau multiplier when there is one, times the roll-backs' cuts. */
    public double lrAt(long step) {
        double lr = schedule.at(step);
        return (plateau == null ? lr : plateau.apply(lr)) * position.lrScale();
    }

    /**
     * Trains on {@code train}, evaluating on {@code test} after each epoch, until the configured
     * number of epochs is done (continuing after {@link #epochsDone()}, mid-epoch after a
     * checkpoint or a stop); returns the {@link #history()}. Every step pins the thread it runs on
     * to one native thread ({@code Backend.pinCallingThread()}), so the bits do not depend on the
     * thread or the process's thread settings.
     *
     * @throws IllegalStateException when every epoch is already done: say how many more with
     *         {@link #fit(Dataset, Dataset, int)}
     */
    public History fit(Dataset train, Dataset test) {
        if (position.epochsDone() >= epochs) {
            throw new IllegalStateException("fit: all " + epochs + " epochs are done (step " + position.step()
                    + "); call fit(train, test, moreEpochs) to train for more");
        }
        requireInput(train, "train");
        requireInput(test, "test");
        stopReason = null;
        callbacks.forEach(c -> c.onRunStart(this));
        while (position.epochsDone() < epochs && stopReason == null) {
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
        epochs = Math.max(epochs, position.epochsDone()) + moreEpochs;
        return fit(train, test);
    }

    /** One epoch, from the batch the run is at; the batch order is replayed from the epoch's generator state. */
    private void runEpoch(Dataset train, Dataset test) {
        int epoch = position.epochsDone() + 1;
        if (position.batchInEpoch() == 0) {
            position = position.epochBegun(shuffle.state());
        }
        shuffle.restore(position.epochShuffle());
        int batches = (train.size() + batchSize - 1) / batchSize;
        Iterator<Batches.Batch> order = Batches.reusing(train, batchSize, shuffle, position.batchInEpoch()).iterator();
        long start = System.nanoTime();
        model.setTraining(true);
        while (position.batchInEpoch() < batches && stopReason == null) {
            Batches.Batch batch = order.next();
            long thisStep = position.step();
            batchCalls = 0;
            StepContext c = pipeline.run(batch, epoch, lrAt(thisStep), schedule.momentumAt(thisStep), thisStep);
            position = position.batchDone(c.rolledBack() ? position.step() : thisStep + 1, c.loss() * batch.size(), c.score());
            StepResult r = new StepResult(thisStep, epoch, c.loss(), c.lr(), c.gradNorm(), c.clipped(), c.skipped(),
                    c.rolledBack());
            history.add(r);
            c.finished(c.rolledBack(), r);
            pipeline.afterUpdate(c);
        }
        if (position.batchInEpoch() < batches) {
            return;     // stopped mid-epoch: a later fit continues from here
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Evaluation t = evaluate(test);
        EpochResult r = new EpochResult(epoch, position.epochLossSum() / train.size(), position.epochScore() / train.size(),
                t.loss(), t.score(), seconds);
        position = position.epochDone();
        if (plateau != null) {
            plateau.observe(plateauMetric.of(r), schedule.at(position.step()));
        }
        history.add(r);
        callbacks.forEach(cb -> cb.onEpochEnd(this, r));
    }

    /** {@link #trainBatch(Batches.Batch, double, OptionalDouble)} without a momentum override. */
    public BatchResult trainBatch(Batches.Batch batch, double lr) {
        return trainBatch(batch, lr, OptionalDouble.empty());
    }

    /**
     * The step pipeline on one batch, callbacks included, for custom loops, the LR range test and
     * benchmarks: it neither advances {@link #step()} nor records history; {@link #fit} does.
     * Callbacks see consecutive step numbers from {@link #step()} on, one per call that was not
     * rolled back.
     */
    public BatchResult trainBatch(Batches.Batch batch, double lr, OptionalDouble momentum) {
        StepContext c = pipeline.run(batch, 0, lr, momentum, position.step() + batchCalls);
        if (!c.rolledBack()) {
            batchCalls++;
        }
        c.finished(c.rolledBack(), null);
        pipeline.afterUpdate(c);
        return new BatchResult(c.loss(), c.score(), c.gradNorm(), c.clipped(), c.skipped(), c.rolledBack());
    }

    /** Everything training changes, as a deep copy (see {@link TrainState}). */
    public TrainState state() {
        return StateSync.capture(this, true);
    }

    /** The parts a roll-back restores: no history, no callbacks. */
    public TrainState rollbackState() {
        return StateSync.capture(this, false);
    }

    /**
     * Continues from {@code state}, all or nothing: every part is checked and put back, and if
     * any does not fit this trainer (another model, optimizer rule, group, transform chain,
     * plateau or callback, or more epochs done than this trainer trains) nothing changes and
     * {@link IllegalArgumentException} names the part.
     */
    public void restore(TrainState state) {
        StateSync.restore(this, state, true);
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
        pipeline.sweeping(true);
        try {
            return LrFinder.sweep(this, data, config);
        } finally {
            pipeline.sweeping(false);
            restore(saved);
            model.setTraining(true);
        }
    }

    /** Loss and score of the model on {@code data} in evaluation mode (dropout off, running statistics). */
    public Evaluation evaluate(Dataset data) {
        requireInput(data, "data");
        return Evaluation.of(model, loss, score, data);
    }

    private void requireInput(Dataset d, String what) {
        Objects.requireNonNull(d, what);
        INDArray w = params.values().stream().findFirst().map(Param::value).orElse(null);
        if (w != null && w.dataType() != d.features().dataType()) {
            throw new IllegalArgumentException("fit: " + what + " features are " + d.features().dataType()
                    + " but the model's parameters are " + w.dataType() + "; use dataset.castTo(...) or model.to(...)");
        }
    }

    // ---------------------------------------------------------------- the live state, for StateSync

    TrainState.Position position() {
        return position;
    }

    Chain.State transformState() {
        return transformState;
    }

    Rng shuffle() {
        return shuffle;
    }

    /** Puts back the position and the transforms' state; the batch counter of {@link #trainBatch} restarts. */
    void resume(TrainState.Position p, Chain.State transforms) {
        position = p;
        transformState = transforms;
        batchCalls = 0;
    }
}
