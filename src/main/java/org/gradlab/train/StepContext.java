package org.gradlab.train;

import java.util.Objects;
import java.util.OptionalDouble;
import org.gradlab.clip.GradStats;
import org.gradlab.data.Batches;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What a {@link Callback} knows about the step in progress, and what it may ask for. One object
 * per trainer, reset and reused every step (no allocation per step): read it inside the hook,
 * do not keep it. Facts appear as the step goes: step, epoch, rate and batch before it; loss and
 * output after the forward pass (the output only until the update: it lives in the step's
 * workspace); gradient statistics after backward; what the transforms and the update
 * did at the end.
 */
public final class StepContext {
    private final Trainer trainer;
    private long step;
    private int epoch;
    private double lr;
    private OptionalDouble momentum;
    private Batches.Batch batch;
    private double loss;
    private INDArray output;
    private GradStats gradStats;
    private double gradNorm;
    private double gradNormAfter;
    private boolean clipped;
    private boolean cancelled;
    private TrainState rollBackTo;
    private double lrCut;
    private boolean rolledBack;
    private StepResult result;
    private double score;

    StepContext(Trainer trainer) {
        this.trainer = trainer;
    }

    void begin(long step, int epoch, double lr, OptionalDouble momentum, Batches.Batch batch) {
        this.step = step;
        this.epoch = epoch;
        this.lr = lr;
        this.momentum = momentum;
        this.batch = batch;
        loss = Double.NaN;
        output = null;
        gradStats = null;
        gradNorm = Double.NaN;
        gradNormAfter = Double.NaN;
        clipped = false;
        cancelled = false;
        rollBackTo = null;
        lrCut = 1;
        rolledBack = false;
        result = null;
        score = Double.NaN;
    }

    void forwarded(INDArray out, double lossValue) {
        this.output = out;
        this.loss = lossValue;
    }

    void measured(GradStats stats) {
        this.gradStats = stats;
        this.gradNorm = stats == null ? Double.NaN : stats.globalNorm();
        this.gradNormAfter = gradNorm;
    }

    void transformed(double normAfter, boolean wasClipped) {
        this.gradNormAfter = normAfter;
        this.clipped = wasClipped;
    }

    void scored(double total) {
        this.score = total;
    }

    void finished(boolean didRollBack, StepResult r) {
        this.rolledBack = didRollBack;
        this.output = null;
        this.result = r;
    }

    public Trainer trainer() {
        return trainer;
    }

    /** The optimizer step this batch trains (0-based). */
    public long step() {
        return step;
    }

    /** The epoch in progress (1-based; 0 outside {@link Trainer#fit}, e.g. in the LR range test). */
    public int epoch() {
        return epoch;
    }

    public double lr() {
        return lr;
    }

    /** The momentum a cycling schedule sets for this step, if it does. */
    public OptionalDouble momentum() {
        return momentum;
    }

    public Batches.Batch batch() {
        return batch;
    }

    /** The batch loss before the update (NaN before the forward pass). */
    public double loss() {
        return loss;
    }

    /** The model's output for the batch, from the forward pass until the update; null otherwise. */
    public INDArray output() {
        return output;
    }

    /** The score ({@link Score}) summed over the batch, after the forward pass (NaN before). */
    public double score() {
        return score;
    }

    /** The gradients' statistics after backward, or null when nobody asked for them ({@link Callback#needsGradStats}). */
    public GradStats gradStats() {
        return gradStats;
    }

    /** The global gradient norm before the transforms (NaN when not measured). */
    public double gradNorm() {
        return gradNorm;
    }

    /** The global gradient norm after the transforms (NaN when a transform could not tell). */
    public double gradNormAfter() {
        return gradNormAfter;
    }

    /** Whether a transform clipped the gradients. */
    public boolean clipped() {
        return clipped;
    }

    /** Whether the update was vetoed (by a callback or a transform asking to skip) or rolled back. */
    public boolean skipped() {
        return cancelled || rollBackTo != null || rolledBack;
    }

    /** Whether the step rolled the run back. */
    public boolean rolledBack() {
        return rolledBack;
    }

    /** The step's record, after the update in {@link Trainer#fit} (null in a bare {@link Trainer#trainBatch}). */
    public StepResult result() {
        return result;
    }

    /** Vetoes this step's update (fastai's cancel-step); the transforms do not run either. From {@link Callback#afterBackward}. */
    public void cancelUpdate() {
        cancelled = true;
    }

    /**
     * Drops this step's update and restores {@code state} instead (parameters, optimizer,
     * transforms, generators, step; not the history, the callbacks or the batch position), then
     * multiplies the rate by {@code lrCut} from now on. From {@link Callback#afterBackward}.
     */
    public void rollBackTo(TrainState state, double lrCut) {
        if (!(lrCut > 0 && lrCut <= 1)) {
            throw new IllegalArgumentException("rollBackTo: lrCut must be in (0, 1], got " + lrCut);
        }
        this.rollBackTo = Objects.requireNonNull(state, "state");
        this.lrCut = lrCut;
    }

    TrainState rollBackTarget() {
        return rollBackTo;
    }

    double lrCut() {
        return lrCut;
    }

    boolean cancelled() {
        return cancelled;
    }

    /** Ends {@link Trainer#fit} after this step, saying why ({@link Trainer#stopReason()}). */
    public void stopTraining(String reason) {
        trainer.stopTraining(reason);
    }
}
