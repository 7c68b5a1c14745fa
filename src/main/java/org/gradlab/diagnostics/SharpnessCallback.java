package org.gradlab.diagnostics;

import java.util.ArrayList;
import java.util.List;
import org.gradlab.data.Batches;
import org.gradlab.optim.Adam;
import org.gradlab.optim.AdamW;
import org.gradlab.optim.Optimizer;
import org.gradlab.optim.Sgd;
import org.gradlab.train.Callback;
import org.gradlab.train.StepContext;
import org.gradlab.train.Trainer;
import org.nd4j.linalg.api.ndarray.INDArray;
import tech.tablesaw.api.BooleanColumn;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.LongColumn;
import tech.tablesaw.api.Table;

/**
 * Samples the training loss's sharpness ({@link Sharpness}) every {@code n} steps on one fixed
 * batch, against gradient descent's stability limit {@code 2 / lr} and, for SGD, the limit of the
 * momentum it runs ({@link Sharpness#sgdThreshold}: {@code (2 + 2 mu) / lr} for heavy-ball momentum
 * {@code mu}, 38 / lr at 0.9), and for Adam (or AdamW) also the preconditioned sharpness against
 * {@code (2 + 2 beta1) / ((1 - beta1) lr)}, 38 / lr at beta1 0.9 (Cohen et al. 2021 and 2022). A sample is taken after the update of every step whose number
 * is a multiple of {@code n} (step 0 included), so it describes the weights the next step starts
 * from; {@code lr} is the rate that step used. Measuring leaves the model and the optimizer exactly
 * as they were, so a run trains to the same bits with or without this callback; each sample costs
 * some 40 to 60 gradient evaluations of the model in float64 on the article's MLP (twice that with
 * Adam), 0.1 to 0.6 s of one core per Lanczos run there, see {@link Sharpness}. The samples are the
 * callback's state: a checkpoint keeps them and a resumed run goes on with them.
 *
 * <pre>{@code
 * SharpnessCallback sharpness = SharpnessCallback.every(50, fixedBatch);
 * Trainer t = Presets.articleTrainer(0).callback(sharpness).build();
 * t.fit(split.train(), split.test());
 * sharpness.table();   // step, lr, sharpness, gd_threshold, sgd_threshold, adam_sharpness, adam_threshold, converged
 * }</pre>
 */
public final class SharpnessCallback implements Callback {
    private final int every;
    private final INDArray features;
    private final INDArray targets;
    private final SpectrumSettings settings;
    private final List<Sample> samples = new ArrayList<>();

    private SharpnessCallback(int every, INDArray features, INDArray targets, SpectrumSettings settings) {
        this.every = every;
        this.features = features;
        this.targets = targets;
        this.settings = settings;
    }

    /**
     * One sample: the step, its rate, the sharpness and {@code 2 / lr}, Adam's preconditioned
     * sharpness and its limit (NaN without an Adam-family optimizer), whether every Lanczos run
     * converged, and the limit of the SGD the trainer runs at the step's momentum
     * ({@link Sharpness#sgdThreshold}; NaN for other optimizers).
     */
    public record Sample(long step, double lr, double sharpness, double gdThreshold, double adamSharpness,
            double adamThreshold, boolean converged, double sgdThreshold) {

        /**
         * The sharpness over the limit that applies: Adam's preconditioned value over its limit
         * with an Adam-family optimizer, else over the SGD limit (momentum included), else over
         * {@code 2 / lr}; at 1 or more the step is past the edge of stability.
         */
        public double overLimit() {
            if (!Double.isNaN(adamThreshold)) {
                return adamSharpness / adamThreshold;
            }
            return sharpness / (Double.isNaN(sgdThreshold) ? gdThreshold : sgdThreshold);
        }
    }

    /** The samples taken so far: the callback's state in a trainer's {@code TrainState}. */
    public record State(List<Sample> samples) {
        public State {
            samples = List.copyOf(samples);
        }
    }

    @Override
    public String name() {
        return "sharpness";
    }

    @Override
    public Record state() {
        return new State(samples);
    }

    @Override
    public void restore(Record saved) {
        if (!(saved instanceof State s)) {
            throw new IllegalArgumentException("sharpness: expected its own state, got " + saved);
        }
        samples.clear();
        samples.addAll(s.samples());
    }

    /** Every {@code n} steps on {@code batch} (copied: later changes to its arrays are not seen). */
    public static SharpnessCallback every(int n, Batches.Batch batch) {
        if (batch == null) {
            throw new IllegalArgumentException("sharpness callback: batch must not be null");
        }
        return every(n, batch.features(), batch.targets());
    }

    /** Every {@code n} steps on the batch {@code features}, {@code targets} (copied), with default settings. */
    public static SharpnessCallback every(int n, INDArray features, INDArray targets) {
        if (n <= 0) {
            throw new IllegalArgumentException("sharpness callback: n (steps between samples) must be > 0, got " + n);
        }
        if (features == null || targets == null) {
            throw new IllegalArgumentException("sharpness callback: " + (features == null ? "features" : "targets")
                    + " must not be null");
        }
        if (features.rank() < 2 || targets.rank() < 1 || features.size(0) != targets.size(0) || features.size(0) < 1) {
            throw new IllegalArgumentException("sharpness callback: features [batch, ...] and targets must have the same "
                    + "number of rows >= 1, got " + java.util.Arrays.toString(features.shape()) + " and "
                    + java.util.Arrays.toString(targets.shape()));
        }
        return new SharpnessCallback(n, features.dup(), targets.dup(), SpectrumSettings.defaults());
    }

    /** The same sampling with other Lanczos settings (regime, iterations, tolerance, step, seed). */
    public SharpnessCallback withSettings(SpectrumSettings s) {
        if (s == null) {
            throw new IllegalArgumentException("sharpness callback: settings must not be null");
        }
        return new SharpnessCallback(every, features, targets, s);
    }

    @Override
    public void afterUpdate(StepContext s) {
        if (s.step() % every == 0) {
            samples.add(sample(s.trainer(), s.step(), s.lr(), s.momentum()));
        }
    }

    /** Measures {@code trainer}'s model now (any time, not only from a hook), at its optimizer's own momentum. */
    public Sample sample(Trainer trainer, long step, double lr) {
        return sample(trainer, step, lr, java.util.OptionalDouble.empty());
    }

    /** The last sample, or null before the first. */
    SharpnessCallback.Sample latest() {
        return samples.isEmpty() ? null : samples.get(samples.size() - 1);
    }

    /** {@link #sample(Trainer, long, double)} at the momentum a schedule set for the step (empty: the optimizer's own). */
    Sample sample(Trainer trainer, long step, double lr, java.util.OptionalDouble momentum) {
        Sharpness sharpness = Sharpness.of(trainer.model(), trainer.loss(), features, targets, settings);
        Sharpness.Estimate plain = sharpness.top();
        Optimizer optimizer = trainer.optimizer();
        Adam adam = optimizer.rule() instanceof Adam a ? a : optimizer.rule() instanceof AdamW w ? w.adam() : null;
        boolean stepped = adam != null && optimizer.state().keySet().containsAll(trainer.model().namedParams().keySet());
        Sharpness.Estimate pre = stepped ? sharpness.preconditioned(optimizer) : null;
        double sgd = Double.NaN;
        if (optimizer.rule() instanceof Sgd r) {
            Sgd at = momentum.isPresent() ? r.withMomentum(momentum.getAsDouble()) : r;
            sgd = lr > 0 ? Sharpness.sgdThreshold(lr, at) : Double.POSITIVE_INFINITY;
        }
        return new Sample(step, lr, plain.value(), lr > 0 ? Sharpness.gdThreshold(lr) : Double.POSITIVE_INFINITY,
                pre == null ? Double.NaN : pre.value(),
                adam == null ? Double.NaN : lr > 0 ? Sharpness.adamThreshold(lr, adam.beta1()) : Double.POSITIVE_INFINITY,
                plain.converged() && (pre == null || pre.converged()), sgd);
    }

    /** The samples so far, in order. */
    public List<Sample> samples() {
        return List.copyOf(samples);
    }

    /** The samples as a table: step, lr, sharpness, gd_threshold, sgd_threshold, adam_sharpness, adam_threshold, converged. */
    public Table table() {
        return Table.create("sharpness every " + every + " steps",
                LongColumn.create("step", samples.stream().mapToLong(Sample::step).toArray()),
                DoubleColumn.create("lr", samples.stream().mapToDouble(Sample::lr).toArray()),
                DoubleColumn.create("sharpness", samples.stream().mapToDouble(Sample::sharpness).toArray()),
                DoubleColumn.create("gd_threshold", samples.stream().mapToDouble(Sample::gdThreshold).toArray()),
                DoubleColumn.create("sgd_threshold", samples.stream().mapToDouble(Sample::sgdThreshold).toArray()),
                DoubleColumn.create("adam_sharpness", samples.stream().mapToDouble(Sample::adamSharpness).toArray()),
                DoubleColumn.create("adam_threshold", samples.stream().mapToDouble(Sample::adamThreshold).toArray()),
                BooleanColumn.create("converged", samples.stream().map(Sample::converged).toList()));
    }
}
