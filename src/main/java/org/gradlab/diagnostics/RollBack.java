package org.gradlab.diagnostics;

import java.util.Objects;
import org.gradlab.train.Callback;
import org.gradlab.train.StepContext;
import org.gradlab.train.TrainState;
import org.gradlab.train.Trainer;

/**
 * A {@link SpikePolicy} at work ({@link SpikePolicy#watching}): a snapshot of the trainer's
 * roll-back state ({@link Trainer#rollbackState()}) when it is built and every
 * {@code snapshotEvery} steps, and a roll-back to it when the monitor's alarms of the step include
 * a trigger. The snapshot is this callback's state, so checkpoints keep it.
 */
public final class RollBack implements Callback {
    private final SpikePolicy policy;
    private final Monitor monitor;
    private Trainer trainer;
    private TrainState snapshot;

    /** The last snapshot. */
    public record State(TrainState snapshot) {
        public State {
            Objects.requireNonNull(snapshot, "snapshot");
        }
    }

    RollBack(SpikePolicy policy, Monitor monitor) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.monitor = Objects.requireNonNull(monitor, "monitor");
    }

    public SpikePolicy policy() {
        return policy;
    }

    @Override
    public String name() {
        return "rollBack";
    }

    @Override
    public void attach(Trainer t) {
        int at = t.callbacks().indexOf(this);
        if (t.callbacks().indexOf(monitor) < 0 || t.callbacks().indexOf(monitor) > at) {
            throw new IllegalArgumentException("spikePolicy: add the monitor it watches to the trainer before it");
        }
        trainer = t;
        snapshot = t.rollbackState();
    }

    @Override
    public void beforeStep(StepContext s) {
        if (s.step() % policy.snapshotEvery() == 0) {
            snapshot = trainer.rollbackState();
        }
    }

    @Override
    public void afterBackward(StepContext s) {
        if (policy.triggeredBy(monitor.stepAlarms())) {
            s.rollBackTo(snapshot, policy.lrCut());
        }
    }

    @Override
    public Record state() {
        return snapshot == null ? null : new State(snapshot);
    }

    @Override
    public void restore(Record saved) {
        if (!(saved instanceof State s)) {
            throw new IllegalArgumentException("rollBack: expected its own state, got " + saved);
        }
        snapshot = s.snapshot();
    }
}
