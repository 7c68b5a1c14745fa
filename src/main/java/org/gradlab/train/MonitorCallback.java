package org.gradlab.train;

import org.gradlab.diagnostics.Monitor;

/** The {@link Monitor} as a step plugin: it reads every step and adds its alarms to the context. */
record MonitorCallback(Monitor monitor) implements Callback {

    @Override
    public void beforeStep(StepContext s) {
        monitor.beginStep();
    }

    @Override
    public void afterBackward(StepContext s) {
        s.alarms().addAll(monitor.onGradients(new Monitor.StepContext(s.step(), s.epoch(), s.loss(), s.lr(),
                s.batch().features(), s.output(), s.gradStats())));
    }

    @Override
    public void afterUpdate(StepContext s) {
        monitor.onUpdate(s.trainer().params(), s.gradNormAfter(), s.clipped(), s.skipped() && !s.rolledBack(),
                s.rolledBack());
    }

    @Override
    public void onRunEnd(Trainer trainer, History history) {
        monitor.flush();
    }

    @Override
    public boolean needsGradStats() {
        return true;
    }
}
