package org.gradlab.diagnostics;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import tech.tablesaw.api.BooleanColumn;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.LongColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/** What the monitor recorded: a row per step, per parameter row, and per alarm; and the three as tables. */
final class MonitorRecords {
    private final List<StepRecord> steps = new ArrayList<>();
    private final List<LayerStats> layers = new ArrayList<>();
    private final List<Alarm> alarms = new ArrayList<>();

    Monitor.Records state() {
        return new Monitor.Records(List.copyOf(steps), List.copyOf(layers), List.copyOf(alarms));
    }

    void restore(Monitor.Records s) {
        replace(steps, s.steps());
        replace(layers, s.layers());
        replace(alarms, s.alarms());
    }

    private static <T> void replace(List<T> target, List<T> source) {
        target.clear();
        target.addAll(source);
    }

    void add(StepRecord r) {
        steps.add(r);
    }

    void add(LayerStats r) {
        layers.add(r);
    }

    void addAlarms(List<Alarm> a) {
        alarms.addAll(a);
    }

    /** Counts {@code more} alarms against the last step's record (alarms measured after its update). */
    void countOnLastStep(int more) {
        StepRecord r = steps.get(steps.size() - 1);
        steps.set(steps.size() - 1, new StepRecord(r.step(), r.epoch(), r.loss(), r.lr(), r.gradNorm(), r.gradNormAfter(),
                r.clipped(), r.skipped(), r.rolledBack(), r.alarms() + more));
    }

    List<StepRecord> steps() {
        return Collections.unmodifiableList(steps);
    }

    List<LayerStats> layers() {
        return Collections.unmodifiableList(layers);
    }

    List<Alarm> alarms() {
        return Collections.unmodifiableList(alarms);
    }

    /** step, epoch, loss, lr, grad_norm, grad_norm_clipped, clipped, skipped, rolled_back, alarms. */
    Table stepTable() {
        return Table.create("monitor steps",
                LongColumn.create("step", steps.stream().mapToLong(StepRecord::step).toArray()),
                IntColumn.create("epoch", steps.stream().mapToInt(StepRecord::epoch).toArray()),
                DoubleColumn.create("loss", steps.stream().mapToDouble(StepRecord::loss).toArray()),
                DoubleColumn.create("lr", steps.stream().mapToDouble(StepRecord::lr).toArray()),
                DoubleColumn.create("grad_norm", steps.stream().mapToDouble(StepRecord::gradNorm).toArray()),
                DoubleColumn.create("grad_norm_clipped", steps.stream().mapToDouble(StepRecord::gradNormAfter).toArray()),
                BooleanColumn.create("clipped", steps.stream().map(StepRecord::clipped).toList()),
                BooleanColumn.create("skipped", steps.stream().map(StepRecord::skipped).toList()),
                BooleanColumn.create("rolled_back", steps.stream().map(StepRecord::rolledBack).toList()),
                IntColumn.create("alarms", steps.stream().mapToInt(StepRecord::alarms).toArray()));
    }

    /** step, param, grad_norm, max_abs, non_finite, weight_norm, update_norm, update_ratio. */
    Table layerTable() {
        return Table.create("monitor layers",
                LongColumn.create("step", layers.stream().mapToLong(LayerStats::step).toArray()),
                StringColumn.create("param", layers.stream().map(LayerStats::param).toList()),
                DoubleColumn.create("grad_norm", layers.stream().mapToDouble(LayerStats::gradNorm).toArray()),
                DoubleColumn.create("max_abs", layers.stream().mapToDouble(LayerStats::maxAbs).toArray()),
                LongColumn.create("non_finite", layers.stream().mapToLong(LayerStats::nonFinite).toArray()),
                DoubleColumn.create("weight_norm", layers.stream().mapToDouble(LayerStats::weightNorm).toArray()),
                DoubleColumn.create("update_norm", layers.stream().mapToDouble(LayerStats::updateNorm).toArray()),
                DoubleColumn.create("update_ratio", layers.stream().mapToDouble(LayerStats::updateRatio).toArray()));
    }

    /** step, kind, layer, value, threshold, message. */
    Table alarmTable() {
        return Table.create("alarms",
                LongColumn.create("step", alarms.stream().mapToLong(Alarm::step).toArray()),
                StringColumn.create("kind", alarms.stream().map(a -> a.kind().name()).toList()),
                StringColumn.create("layer", alarms.stream().map(Alarm::layer).toList()),
                DoubleColumn.create("value", alarms.stream().mapToDouble(Alarm::value).toArray()),
                DoubleColumn.create("threshold", alarms.stream().mapToDouble(Alarm::threshold).toArray()),
                StringColumn.create("message", alarms.stream().map(Alarm::message).toList()));
    }
}
