package org.gradlab.train;

import java.util.Map;
import org.gradlab.diagnostics.Monitor;
import org.gradlab.optim.Optimizer;
import org.gradlab.schedule.Plateau;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Everything training changes, as one tree of records (Optax's single optimizer state and
 * PyTorch's {@code state_dict} are the anchors): the position reached, parameters and buffers,
 * every random generator, the update rule with its per-parameter state, the plateau, the state
 * of every gradient transform (AutoClip's norms, ZClip's statistics), the monitor's running
 * statistics and records, and the history so far. {@link Trainer#state()} takes one (a deep
 * copy), {@link Trainer#restore(TrainState)} puts one back, all or nothing; roll-backs,
 * checkpoints and {@link Trainer#lrFind} all go through these two methods.
 *
 * @param progress   counters and positions
 * @param model      parameters and buffers by full name ({@code "0.weight"}, {@code "1.running_mean"})
 * @param rngs       the model's random generators (dropout masks) by full name
 * @param optimizer  the update rule, each parameter's group, each parameter's state
 * @param plateau    the plateau controller's state, or null without one
 * @param gradients  the state of each gradient transform by position and name ({@code "1:autoClip(10.0)"}), null when stateless
 * @param monitor    the monitor's statistics and records, or null without one
 * @param history    the steps and epochs recorded so far
 */
public record TrainState(Progress progress, Map<String, INDArray> model, Map<String, Long> rngs,
        Optimizer.State optimizer, Plateau.State plateau, Map<String, Record> gradients, Monitor.State monitor,
        History.State history) {

    /**
     * Where the run is.
     *
     * @param step          optimizer steps taken
     * @param epochsDone    epochs finished
     * @param batchInEpoch  batches of the epoch in progress already trained (0 between epochs)
     * @param epochShuffle  the batch-order generator's state when the epoch in progress began
     * @param shuffle       the batch-order generator's state now
     * @param lrScale       the product of the roll-backs' rate cuts, in (0, 1]
     * @param rollbacks     roll-backs so far
     * @param epochLossSum  sum of batch loss times batch size over the epoch in progress
     * @param epochScore    sum of the metric over the epoch's examples so far
     */
    public record Progress(long step, int epochsDone, int batchInEpoch, long epochShuffle, long shuffle,
            double lrScale, int rollbacks, double epochLossSum, double epochScore) {
        public Progress {
            if (step < 0 || epochsDone < 0 || batchInEpoch < 0 || rollbacks < 0) {
                throw new IllegalArgumentException("progress: step, epochsDone, batchInEpoch and rollbacks must be >= 0, got "
                        + step + ", " + epochsDone + ", " + batchInEpoch + ", " + rollbacks);
            }
            if (!(lrScale > 0 && lrScale <= 1)) {
                throw new IllegalArgumentException("progress: lrScale must be in (0, 1], got " + lrScale);
            }
        }
    }
}
