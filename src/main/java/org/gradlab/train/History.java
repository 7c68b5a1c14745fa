package org.gradlab.train;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import tech.tablesaw.api.BooleanColumn;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.LongColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.numbers.NumberColumnFormatter;

/**
 * What a run produced so far (a trainer keeps one for its whole life, checkpoints included), as
 * Tablesaw tables: {@link #steps()} (step, epoch, loss, lr, grad_norm, clipped, skipped,
 * rolled_back) and {@link #epochs()} (epoch, train_loss, train_SCORE, test_loss, test_SCORE,
 * seconds, where SCORE is the trainer's {@link Score#name()}: {@code test_accuracy} by default).
 */
public final class History {
    private final String score;
    private final List<StepResult> steps = new ArrayList<>();
    private final List<EpochResult> epochs = new ArrayList<>();

    /** An empty history whose epochs report the score named {@code score}. */
    public History(String score) {
        this.score = java.util.Objects.requireNonNull(score, "score");
    }

    /** The name of the score the epochs report ({@code accuracy} by default). */
    public String scoreName() {
        return score;
    }

    /** The records so far, for {@link TrainState}. */
    public record State(List<StepResult> steps, List<EpochResult> epochs) {
    }

    /** A copy of the records so far. */
    public State state() {
        return new State(List.copyOf(steps), List.copyOf(epochs));
    }

    /** Replaces the records by {@code s}'s. */
    public void restore(State s) {
        steps.clear();
        steps.addAll(s.steps());
        epochs.clear();
        epochs.addAll(s.epochs());
    }

    void add(StepResult s) {
        steps.add(s);
    }

    void add(EpochResult e) {
        epochs.add(e);
    }

    public List<StepResult> stepResults() {
        return Collections.unmodifiableList(steps);
    }

    public List<EpochResult> epochResults() {
        return Collections.unmodifiableList(epochs);
    }

    /** The last epoch, or an exception if none ran. */
    public EpochResult last() {
        if (epochs.isEmpty()) {
            throw new IllegalStateException("no epoch has finished");
        }
        return epochs.get(epochs.size() - 1);
    }

    /** One row per optimizer step. */
    public Table steps() {
        return Table.create("steps",
                LongColumn.create("step", steps.stream().mapToLong(StepResult::step).toArray()),
                IntColumn.create("epoch", steps.stream().mapToInt(StepResult::epoch).toArray()),
                DoubleColumn.create("loss", steps.stream().mapToDouble(StepResult::loss).toArray()),
                DoubleColumn.create("lr", steps.stream().mapToDouble(StepResult::lr).toArray()),
                DoubleColumn.create("grad_norm", steps.stream().mapToDouble(StepResult::gradNorm).toArray()),
                BooleanColumn.create("clipped", steps.stream().map(StepResult::clipped).toList()),
                BooleanColumn.create("skipped", steps.stream().map(StepResult::skipped).toList()),
                BooleanColumn.create("rolled_back", steps.stream().map(StepResult::rolledBack).toList()));
    }

    /** Steps that rolled the run back to its last good state. */
    public long rollbacks() {
        return steps.stream().filter(StepResult::rolledBack).count();
    }


    /**
     * One row per epoch; printed with 4 decimals, accuracy as a percentage (CSV keeps full
     * precision). The score columns are named after the score: {@code train_accuracy},
     * {@code test_mae}.
     */
    public Table epochs() {
        Table t = Table.create("epochs",
                IntColumn.create("epoch", epochs.stream().mapToInt(EpochResult::epoch).toArray()),
                DoubleColumn.create("train_loss", epochs.stream().mapToDouble(EpochResult::trainLoss).toArray()),
                DoubleColumn.create("train_" + score, epochs.stream().mapToDouble(EpochResult::trainScore).toArray()),
                DoubleColumn.create("test_loss", epochs.stream().mapToDouble(EpochResult::testLoss).toArray()),
                DoubleColumn.create("test_" + score, epochs.stream().mapToDouble(EpochResult::testScore).toArray()),
                DoubleColumn.create("seconds", epochs.stream().mapToDouble(EpochResult::seconds).toArray()));
        for (String c : List.of("train_loss", "test_loss")) {
            t.doubleColumn(c).setPrintFormatter(NumberColumnFormatter.fixedWithGrouping(4));
        }
        for (String c : List.of("train_" + score, "test_" + score)) {
            t.doubleColumn(c).setPrintFormatter(score.equals("accuracy") ? NumberColumnFormatter.percent(2)
                    : NumberColumnFormatter.fixedWithGrouping(4));
        }
        t.doubleColumn("seconds").setPrintFormatter(NumberColumnFormatter.fixedWithGrouping(2));
        return t;
    }
}
