package org.gradlab.experiment.engine;

import java.util.Arrays;
import org.gradlab.nn.Recurrent;
import org.gradlab.train.StepResult;
import org.gradlab.train.TrainingListener;

/**
 * Counts a run's loss spikes and notes the first steps its grad norm went above 10 and 100 (the
 * step above 1e3 is the layer recorder's), and for a recurrent model the gradient norm through
 * time of step 0's backward pass (at init, on the first batch; {@code ThroughTime}'s
 * {@code grad_norm} column for the top layer). Per step it costs a scan of {@value #WINDOW}
 * numbers, and a sort of them when the loss is high.
 *
 * <p>A loss spike is a batch loss more than {@value #SPIKE_NATS} nats above the median of the
 * previous {@value #WINDOW} batch losses (no spike is counted before {@value #WINDOW} steps). The
 * grad norm is the one a step measured before clipping; a non-finite norm counts as above every
 * threshold. Steps count from 0; -1 means "never".
 */
final class StepEvents implements TrainingListener {
    /** Previous batch losses a spike is measured against. */
    static final int WINDOW = 50;
    /** How far above the window's median a batch loss must be to count as a spike. */
    static final double SPIKE_NATS = 1.5;

    private final double[] window = new double[WINDOW];
    private final double[] sorted = new double[WINDOW];
    private long seen;
    private int spikes;
    private long over10 = -1;
    private long over100 = -1;
    private final Recurrent cell;
    private double[] throughTime = new double[0];

    /** A recorder of a run whose recurrent layer is {@code cell} (null for a model without one). */
    StepEvents(Recurrent cell) {
        this.cell = cell;
    }

    @Override
    public void onStep(StepResult s) {
        if (s.step() == 0 && cell != null) {
            double[][] levels = cell.hiddenGradNorms();
            throughTime = levels[levels.length - 1];
        }
        record(s.step(), s.loss(), s.gradNorm());
    }

    /** Takes one step's batch loss and grad norm. */
    void record(long step, double loss, double gradNorm) {
        if (seen >= WINDOW && isSpike(loss)) {
            spikes++;
        }
        window[(int) (seen++ % WINDOW)] = loss;
        if (over10 < 0 && !(gradNorm <= 10)) {
            over10 = step;
        }
        if (over100 < 0 && !(gradNorm <= 100)) {
            over100 = step;
        }
    }

    /** Whether {@code loss} is more than {@link #SPIKE_NATS} above the window's median (sorted only when above its minimum + SPIKE_NATS). */
    private boolean isSpike(double loss) {
        double min = Double.POSITIVE_INFINITY;
        for (double v : window) {
            min = Math.min(min, v);
        }
        if (!(loss > min + SPIKE_NATS)) {
            return false;
        }
        System.arraycopy(window, 0, sorted, 0, WINDOW);
        Arrays.sort(sorted);
        return loss > Stats.median(sorted) + SPIKE_NATS;
    }

    /** Loss spikes so far. */
    int spikes() {
        return spikes;
    }

    /** The first step whose grad norm was above 10, or -1. */
    long firstOver10() {
        return over10;
    }

    /** The first step whose grad norm was above 100, or -1. */
    long firstOver100() {
        return over100;
    }

    /** The norm of dL/dh_t at each time step in step 0's backward pass (top layer), or empty. */
    double[] throughTime() {
        return throughTime.clone();
    }
}
