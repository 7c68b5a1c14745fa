package org.gradlab.train;

import org.gradlab.diagnostics.SpikePolicy;

/**
 * The {@link SpikePolicy} as a step plugin: a snapshot ({@link Trainer#snapshot()}, the same
 * {@link TrainState} checkpoints use) every {@code snapshotEvery} steps, and a roll-back to it
 * when the step's alarms include a trigger. The snapshot lives in memory only: after a restore
 * from a checkpoint the first snapshot is taken at the first step.
 */
final class SpikeCallback implements Callback {
    private final SpikePolicy policy;
    private TrainState snapshot;

    SpikeCallback(SpikePolicy policy) {
        this.policy = policy;
    }

    @Override
    public void beforeStep(StepContext s) {
        if (snapshot == null || s.step() % policy.snapshotEvery() == 0) {
            snapshot = s.trainer().snapshot();
        }
    }

    @Override
    public void afterBackward(StepContext s) {
        if (policy.triggeredBy(s.alarms())) {
            s.rollBackTo(snapshot, policy.lrCut());
        }
    }
}
