package org.gradlab.experiment.engine;

import org.gradlab.experiment.spec.RunSpec;
import java.util.List;

/**
 * What one run of a study recorded. Gradient norms are global L2 norms over all parameter
 * gradients, measured after backward and before any clipping; a non-finite norm counts as above
 * every threshold. Steps are counted from 0; -1 means "never".
 *
 * @param spec                  the run
 * @param testAccuracy          final test accuracy (of the model as it was when the run stopped)
 * @param trainLoss             the last finished epoch's mean training loss (NaN if none finished)
 * @param epochTestAccuracy     test accuracy after each finished epoch
 * @param epochTrainLoss        mean training loss of each finished epoch
 * @param divergedAt            the first step whose training loss was not finite (the run stopped there), or -1
 * @param gradNormStep0         the grad norm of step 0
 * @param gradNormMedian        the median grad norm over the steps taken
 * @param gradNormMax           the largest grad norm (infinite if one was not finite)
 * @param firstStepOver1e3      the first step with a grad norm above 1e3 (or not finite), or -1
 * @param clippedShare          the share of steps a gradient transform changed
 * @param layers                the Linear layers' parameter prefixes, input to output
 * @param layerNormsStep0       each Linear layer's gradient norm (weight and bias) at step 0
 * @param layerNormsAtExplosion each Linear layer's gradient norm at {@code firstStepOver1e3} (empty if never)
 * @param activationRatio       at init, on the first 256 training digits in training mode: the norm of the
 *                              last hidden block's output over the first's (for a recurrent model: the last
 *                              hidden state's over the input's)
 * @param seconds               wall time of the run
 * @param gradNorms             the grad norm of every step taken
 * @param lrs                   the learning rate of every step taken
 * @param traceStride           steps per column of {@code layerTrace}
 * @param layerTrace            per window of {@code traceStride} steps, each Linear layer's largest gradient norm
 * @param lossSpikes            batch losses more than 1.5 nats above the median of the previous 50
 * @param firstStepOver10       the first step with a grad norm above 10 (or not finite), or -1
 * @param firstStepOver100      the first step with a grad norm above 100 (or not finite), or -1
 * @param throughTime           for a recurrent model, the norm of dL/dh_t at each time step (top layer) in
 *                              step 0's backward pass, at init on the first batch; else empty
 */
public record RunResult(RunSpec spec, double testAccuracy, double trainLoss, double[] epochTestAccuracy,
        double[] epochTrainLoss, long divergedAt, double gradNormStep0, double gradNormMedian, double gradNormMax,
        long firstStepOver1e3, double clippedShare, List<String> layers, double[] layerNormsStep0,
        double[] layerNormsAtExplosion, double activationRatio, double seconds, double[] gradNorms, double[] lrs,
        int traceStride, double[][] layerTrace, int lossSpikes, long firstStepOver10, long firstStepOver100,
        double[] throughTime) {

    /** Below this final test accuracy a run has collapsed (chance is 0.1). */
    public static final double COLLAPSE_ACCURACY = 0.2;
    /** A grad norm above this is an explosion. */
    public static final double EXPLOSION_NORM = 1e3;

    /** Whether the training loss became non-finite. */
    public boolean diverged() {
        return divergedAt >= 0;
    }

    /** Whether the final test accuracy is below {@link #COLLAPSE_ACCURACY} (or not a number), diverged or not. */
    public boolean collapsed() {
        return !(testAccuracy >= COLLAPSE_ACCURACY);
    }

    /** Whether a grad norm went above {@link #EXPLOSION_NORM}. */
    public boolean exploded() {
        return firstStepOver1e3 >= 0;
    }
}
