package org.gradlab.train;

import java.util.List;
import java.util.OptionalDouble;
import org.gradlab.clip.Chain;
import org.gradlab.clip.ClipReport;
import org.gradlab.clip.GradStats;
import org.gradlab.clip.GradientTransform;
import org.gradlab.data.Batches;
import org.gradlab.nn.Backend;
import org.gradlab.nn.Loss;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A trainer's step: callbacks before the step; forward, loss, backward; gradient statistics
 * (measured when a transform or a callback reads them); callbacks after backward (alarms,
 * vetoes, roll-backs); the gradient transforms as one chain (a transform may ask to skip); then
 * the update, the veto or the roll-back; the callbacks after the update. Every temporary array
 * lives in a workspace the next step reuses: nothing allocated inside may outlive the step. One
 * {@link StepContext} is reused for every step.
 */
final class StepPipeline {
    /** Sized by the first step, then reused; larger later steps spill to memory freed at close. */
    static final WorkspaceConfiguration STEP_WORKSPACE = WorkspaceConfiguration.builder()
            .initialSize(0)
            .policyLearning(LearningPolicy.FIRST_LOOP)
            .policyAllocation(AllocationPolicy.STRICT)
            .build();
    private final Trainer t;
    private final StepContext context;
    private final boolean measure;
    private boolean sweeping;

    StepPipeline(Trainer trainer) {
        this.t = trainer;
        this.context = new StepContext(trainer);
        this.measure = !trainer.gradients().isEmpty() || trainer.callbacks().stream().anyMatch(Callback::needsGradStats);
    }

    /** Whether a learning-rate sweep runs: callbacks are left out, gradients always measured. */
    void sweeping(boolean on) {
        sweeping = on;
    }

    /** Steps on {@code batch} at rate {@code lr}; callbacks see step {@code stepNumber} and epoch {@code epoch}. */
    StepContext run(Batches.Batch batch, int epoch, double lr, OptionalDouble momentum, long stepNumber) {
        Backend.pinCallingThread();   // the same bits on any thread, core count or OMP_NUM_THREADS
        StepContext c = context;
        c.begin(stepNumber, epoch, lr, momentum, batch);
        List<Callback> hooks = sweeping ? List.of() : t.callbacks();
        for (int i = 0; i < hooks.size(); i++) {
            hooks.get(i).beforeStep(c);
        }
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().getAndActivateWorkspace(STEP_WORKSPACE, "gradlab-step")) {
            INDArray out = t.model().forward(batch.features());
            Loss.Evaluation e = t.loss().evaluate(out, batch.targets());
            c.forwarded(out, e.value());
            t.model().backward(e.gradient(), false);    // nothing reads dL/dx of the data
            GradStats stats = measure || sweeping ? GradStats.of(t.params(), t.helper()) : null;
            c.measured(stats);
            for (int i = 0; i < hooks.size(); i++) {
                hooks.get(i).afterBackward(c);
            }
            Chain chain = t.gradients();
            if (!c.skipped() && !chain.isEmpty()) {
                GradientTransform.Update<Chain.State> u = chain.update(t.params(), stats, t.transformState());
                t.resume(t.position(), u.state());
                ClipReport r = u.report();
                c.transformed(r.normAfter(), r.wasClipped());
                if (r.skip()) {
                    c.cancelUpdate();
                }
            }
            c.scored(t.score().total(out, batch));
            if (c.rollBackTarget() != null) {
                TrainState.Position at = t.position();
                StateSync.restore(t, c.rollBackTarget(), false);
                t.resume(at.rolledBack(t.position().step(), c.lrCut()), t.transformState());
                c.finished(true, null);
            } else if (!c.cancelled()) {
                t.optimizer().step(t.params(), lr, c.momentum());
            }
        }
        return c;
    }

    /** The callbacks after the update, outside the step's workspace (none during a sweep). */
    void afterUpdate(StepContext c) {
        if (sweeping) {
            return;
        }
        List<Callback> callbacks = t.callbacks();
        for (int i = 0; i < callbacks.size(); i++) {
            callbacks.get(i).afterUpdate(c);
        }
    }
}
