package org.gradlab.diagnostics;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Roll-back on a spike, a step callback of the trainer: it keeps a snapshot of the last good
 * training state (parameters and buffers, optimizer state, schedule position, plateau, gradient
 * transforms such as AutoClip, random generators: the trainer's {@code TrainState} without the
 * history and the callbacks) every {@code snapshotEvery} steps; when the {@link Monitor} raises one of the {@code triggers} at a
 * step, that step's update is dropped, the snapshot is restored, the learning rate is multiplied
 * by {@code lrCut} from then on, and training continues with the next batch (the offending one is
 * skipped). The run's history counts every roll-back. Steps between the snapshot and the spike
 * are not replayed.
 *
 * <pre>{@code
 * Monitor monitor = Monitor.create();
 * Trainer trainer = Trainer.builder(model).optimizer(Optimizer.of(Sgd.momentum(0.9))).lr(0.1)
 *         .callback(monitor).callback(SpikePolicy.rollback().watching(monitor)).build();
 * }</pre>
 */
public record SpikePolicy(int snapshotEvery, double lrCut, Set<Alarm.Kind> triggers) {

    public SpikePolicy {
        if (snapshotEvery < 1) {
            throw new IllegalArgumentException("spikePolicy: snapshotEvery must be >= 1, got " + snapshotEvery);
        }
        if (!(lrCut > 0 && lrCut <= 1)) {
            throw new IllegalArgumentException("spikePolicy: lrCut must be in (0, 1], got " + lrCut);
        }
        if (triggers.isEmpty()) {
            throw new IllegalArgumentException("spikePolicy: needs at least one trigger alarm kind");
        }
        triggers = Set.copyOf(triggers);
    }

    /** Snapshot every 50 steps, halve the rate, roll back on explosions, loss spikes and non-finite values. */
    public static SpikePolicy rollback() {
        return new SpikePolicy(50, 0.5, EnumSet.of(Alarm.Kind.EXPLOSION, Alarm.Kind.LOSS_SPIKE, Alarm.Kind.NON_FINITE));
    }

    public SpikePolicy withSnapshotEvery(int n) {
        return new SpikePolicy(n, lrCut, triggers);
    }

    public SpikePolicy withLrCut(double cut) {
        return new SpikePolicy(snapshotEvery, cut, triggers);
    }

    /** The same policy acting on {@code kinds}, e.g. {@code UPDATE_RATIO} as well as the defaults. */
    public SpikePolicy withTriggers(Alarm.Kind... kinds) {
        return new SpikePolicy(snapshotEvery, lrCut, Set.of(kinds));
    }

    /**
     * The policy as a callback acting on {@code monitor}'s alarms; add it after the monitor. Its
     * snapshot is part of the trainer's state, so a checkpoint restores it too.
     */
    public RollBack watching(Monitor monitor) {
        return new RollBack(this, monitor);
    }

    /** Whether any of {@code alarms} calls for a roll-back. */
    public boolean triggeredBy(List<Alarm> alarms) {
        return alarms.stream().anyMatch(a -> triggers.contains(a.kind()));
    }
}
