package org.gradlab.train;

import java.util.Map;
import org.gradlab.clip.Chain;
import org.gradlab.optim.Optimizer;
import org.gradlab.schedule.Plateau;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Everything a run is, as one tree of records (Optax's single optimizer state and PyTorch's
 * {@code state_dict} are the anchors): the position reached, parameters and buffers, every random
 * generator, the update rule with its per-parameter state, the plateau, the state of every
 * gradient transform (AutoClip's norms, ZClip's statistics), the state of every stateful
 * callback (the monitor's statistics and records, the spike policy's snapshot) and the history
 * so far. The trainer owns one: it reads and replaces its {@link Position} as it steps, and
 * {@link Trainer#state()} / {@link Trainer#restore(TrainState)} take and put back the whole tree,
 * all or nothing; roll-backs, checkpoints, {@link Trainer#lrFind} and the doctor's replays all go
 * through these two methods.
 *
 * @param position   counters and positions
 * @param model      parameters and buffers by full name ({@code "0.weight"}, {@code "1.running_mean"})
 * @param rngs       the model's random generators (dropout masks) by full name
 * @param optimizer  the update rule, each parameter's group, each parameter's state
 * @param plateau    the plateau controller's state, or null without one
 * @param transforms the state of each gradient transform by {@code "position:name"}
 * @param callbacks  the state of each stateful callback by {@code "position:name"} (null in a roll-back's state)
 * @param history    the steps and epochs recorded so far (null in a roll-back's state)
 */
public record TrainState(Position position, Map<String, INDArray> model, Map<String, Long> rngs,
        Optimizer.State optimizer, Plateau.State plateau, Chain.State transforms, Map<String, Record> callbacks,
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
     * @param epochScore    sum of the score over the epoch's examples so far
     */
    public record Position(long step, int epochsDone, int batchInEpoch, long epochShuffle, long shuffle,
            double lrScale, int rollbacks, double epochLossSum, double epochScore) {
        public Position {
            if (step < 0 || epochsDone < 0 || batchInEpoch < 0 || rollbacks < 0) {
                throw new IllegalArgumentException("position: step, epochsDone, batchInEpoch and rollbacks must be >= 0, got "
                        + step + ", " + epochsDone + ", " + batchInEpoch + ", " + rollbacks);
            }
            if (!(lrScale > 0 && lrScale <= 1)) {
                throw new IllegalArgumentException("position: lrScale must be in (0, 1], got " + lrScale);
            }
        }

        /** The start of a run whose batch-order generator is at {@code shuffle}. */
        static Position start(long shuffle) {
            return new Position(0, 0, 0, shuffle, shuffle, 1, 0, 0, 0);
        }

        /** A new epoch begins: the generator's state is {@code shuffle}, the sums restart. */
        Position epochBegun(long shuffle) {
            return new Position(step, epochsDone, 0, shuffle, shuffle, lrScale, rollbacks, 0, 0);
        }

        /** One more batch trained at step {@code next}, its loss times size and score added. */
        Position batchDone(long next, double lossTimesSize, double score) {
            return new Position(next, epochsDone, batchInEpoch + 1, epochShuffle, shuffle, lrScale, rollbacks,
                    epochLossSum + lossTimesSize, epochScore + score);
        }

        /** The epoch in progress is finished. */
        Position epochDone() {
            return new Position(step, epochsDone + 1, 0, epochShuffle, shuffle, lrScale, rollbacks, epochLossSum, epochScore);
        }

        /** Rolled back to {@code toStep}, the rate cut by {@code cut}. */
        Position rolledBack(long toStep, double cut) {
            return new Position(toStep, epochsDone, batchInEpoch, epochShuffle, shuffle, lrScale * cut, rollbacks + 1,
                    epochLossSum, epochScore);
        }

        /** This position with the batch-order generator now at {@code now}. */
        Position withShuffle(long now) {
            return new Position(step, epochsDone, batchInEpoch, epochShuffle, now, lrScale, rollbacks, epochLossSum, epochScore);
        }
    }
}
