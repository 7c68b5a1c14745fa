package org.gradlab.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.gradlab.clip.GradientTransform;
import org.gradlab.nn.Layer;
import org.gradlab.nn.Loss;
import org.gradlab.optim.Optimizer;
import org.gradlab.schedule.Plateau;
import org.gradlab.schedule.Schedule;

/**
 * Settings of a {@link Trainer} ({@link Trainer#builder}); loss defaults to cross-entropy, score
 * to accuracy, batch size to 32, epochs to 10, seed to 0, and a helper thread for diagnostics to
 * "when the machine has more than one core".
 */
public final class TrainerBuilder {
    private final Layer model;
    Loss loss = Loss.crossEntropy();
    Optimizer optimizer;
    Schedule schedule;
    Plateau plateau;
    Metric plateauMetric;
    final List<GradientTransform<?>> gradients = new ArrayList<>();
    int batchSize = 32;
    int epochs = 10;
    long seed;
    final List<Callback> callbacks = new ArrayList<>();
    Score score = Score.accuracy();
    boolean helperThread = Runtime.getRuntime().availableProcessors() > 1;

    /** The epoch metric a {@link Plateau} watches. */
    public enum Metric {
        TRAIN_LOSS, TEST_LOSS, TRAIN_SCORE, TEST_SCORE;

        double of(EpochResult r) {
            return switch (this) {
                case TRAIN_LOSS -> r.trainLoss();
                case TEST_LOSS -> r.testLoss();
                case TRAIN_SCORE -> r.trainScore();
                case TEST_SCORE -> r.testScore();
            };
        }

        /** The mode a plateau on this metric needs: MIN for a loss or a lower-is-better score, else MAX. */
        public Plateau.Mode mode(Score score) {
            boolean scoreMetric = this == TRAIN_SCORE || this == TEST_SCORE;
            return scoreMetric && score.higherIsBetter() ? Plateau.Mode.MAX : Plateau.Mode.MIN;
        }
    }

    TrainerBuilder(Layer model) {
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

    public TrainerBuilder loss(Loss l) {
        this.loss = Objects.requireNonNull(l, "loss");
        return this;
    }

    public TrainerBuilder optimizer(Optimizer o) {
        this.optimizer = Objects.requireNonNull(o, "optimizer");
        return this;
    }

    public TrainerBuilder schedule(Schedule s) {
        this.schedule = Objects.requireNonNull(s, "schedule");
        return this;
    }

    /** A constant learning rate; shorthand for {@code schedule(Schedule.constant(lr))}. */
    public TrainerBuilder lr(double lr) {
        return schedule(Schedule.constant(lr));
    }

    /**
     * Multiplies the schedule's rate by {@code plateau}, which watches {@code metric} after every
     * epoch (a loss, or a lower-is-better score, needs a plateau in MIN mode; a higher-is-better
     * score MAX: checked at {@link #build}).
     */
    public TrainerBuilder plateau(Plateau p, Metric metric) {
        this.plateau = Objects.requireNonNull(p, "plateau");
        this.plateauMetric = Objects.requireNonNull(metric, "metric");
        return this;
    }

    /**
     * Gradient transforms applied in order between backward and the update, e.g.
     * {@code Guard.skipNonFinite(), Clip.globalNorm(1)}; each call appends to the chain.
     */
    public TrainerBuilder gradients(GradientTransform<?>... chain) {
        for (GradientTransform<?> t : chain) {
            gradients.add(Objects.requireNonNull(t, "gradient transform"));
        }
        return this;
    }

    public TrainerBuilder batchSize(int n) {
        if (n <= 0) {
            throw new IllegalArgumentException("batchSize must be > 0, got " + n);
        }
        this.batchSize = n;
        return this;
    }

    public TrainerBuilder epochs(int n) {
        if (n <= 0) {
            throw new IllegalArgumentException("epochs must be > 0, got " + n);
        }
        this.epochs = n;
        return this;
    }

    /** Seed of the batch order. */
    public TrainerBuilder seed(long s) {
        this.seed = s;
        return this;
    }

    /** A per-step and per-epoch listener; shorthand for {@link #callback} with the simple hooks. */
    public TrainerBuilder listener(TrainingListener l) {
        return callback(l);
    }

    /** A step plugin (a monitor, a spike policy, a checkpoint, a listener), called in the order added. */
    public TrainerBuilder callback(Callback c) {
        callbacks.add(Objects.requireNonNull(c, "callback"));
        return this;
    }

    /** The metric beside the loss; argmax accuracy by default. */
    public TrainerBuilder score(Score s) {
        this.score = Objects.requireNonNull(s, "score");
        return this;
    }

    /**
     * Whether the trainer lends diagnostics a helper thread (one per trainer, started on demand,
     * gone when idle) for work beside the step: measuring large gradients in two halves, the
     * monitor's weight pass. The bits are the same either way; turn it off when every core
     * already trains (a study with a worker per core does).
     */
    public TrainerBuilder helperThread(boolean on) {
        this.helperThread = on;
        return this;
    }

    public Trainer build() {
        if (plateau != null && plateau.config().mode() != plateauMetric.mode(score)) {
            throw new IllegalArgumentException("plateau: metric " + plateauMetric + (plateauMetric.name().endsWith("SCORE")
                    ? " (" + score.name() + ")" : "") + " needs mode " + plateauMetric.mode(score) + ", got "
                    + plateau.config().mode());
        }
        return new Trainer(this);
    }
}
