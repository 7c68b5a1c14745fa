package org.gradlab.experiment.engine;

import org.gradlab.experiment.spec.Design;
import org.gradlab.experiment.spec.DataSpec;
import org.gradlab.experiment.spec.LayerSpec;
import org.gradlab.experiment.spec.LossSpec;
import org.gradlab.experiment.spec.ModelSpec;
import org.gradlab.experiment.spec.OptimizerSpec;
import org.gradlab.experiment.spec.RunSpec;
import org.gradlab.experiment.spec.ScheduleSpec;
import org.gradlab.experiment.spec.SpecCodec;
import org.gradlab.experiment.report.StudyReport;
import org.gradlab.experiment.report.StudyTables;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.gradlab.data.Mnist;
import org.gradlab.nn.Backend;
import org.gradlab.nn.Gru;
import org.gradlab.nn.LastStep;
import org.gradlab.nn.Lstm;
import org.gradlab.nn.Rnn;
import org.gradlab.nn.Sequences;
import org.gradlab.nn.Sequential;
import org.junit.jupiter.api.Test;
import tech.tablesaw.api.Table;

/** The {@code rnn} part of the study: its configurations, its models, its recorder and its extra columns. */
class RecurrentPartTest {

    /** The issue's list, as (cell, optimizer, momentum, lr, clip norm or 0), keyed by config name. */
    @Test
    void thePartHasTheIssuesConfigurationsExactly() {
        Map<String, Object[]> expected = new LinkedHashMap<>();
        expected.put("rnn_sgd0.2", new Object[] {LayerSpec.Cell.RNN_TANH, "sgd", 0.0, 0.2, 0.0});
        expected.put("rnn_sgd0.2_norm1", new Object[] {LayerSpec.Cell.RNN_TANH, "sgd", 0.0, 0.2, 1.0});
        expected.put("rnn_sgd0.2_norm10", new Object[] {LayerSpec.Cell.RNN_TANH, "sgd", 0.0, 0.2, 10.0});
        expected.put("gru_sgd0.2", new Object[] {LayerSpec.Cell.GRU, "sgd", 0.0, 0.2, 0.0});
        expected.put("lstm_sgd0.2", new Object[] {LayerSpec.Cell.LSTM, "sgd", 0.0, 0.2, 0.0});
        expected.put("rnn_sgd0.05", new Object[] {LayerSpec.Cell.RNN_TANH, "sgd", 0.0, 0.05, 0.0});
        expected.put("rnn_sgd0.02_mom0.9", new Object[] {LayerSpec.Cell.RNN_TANH, "sgd", 0.9, 0.02, 0.0});
        expected.put("rnn_sgd0.02_mom0.9_norm1", new Object[] {LayerSpec.Cell.RNN_TANH, "sgd", 0.9, 0.02, 1.0});
        expected.put("gru_sgd0.02_mom0.9", new Object[] {LayerSpec.Cell.GRU, "sgd", 0.9, 0.02, 0.0});
        expected.put("rnn_adam0.001", new Object[] {LayerSpec.Cell.RNN_TANH, "adam", 0.0, 0.001, 0.0});
        expected.put("rnn_adam0.005", new Object[] {LayerSpec.Cell.RNN_TANH, "adam", 0.0, 0.005, 0.0});
        expected.put("rnn_adam0.005_norm1", new Object[] {LayerSpec.Cell.RNN_TANH, "adam", 0.0, 0.005, 1.0});
        expected.put("gru_adam0.005", new Object[] {LayerSpec.Cell.GRU, "adam", 0.0, 0.005, 0.0});
        List<RunSpec> part = Design.parts().get("rnn");
        assertEquals(List.copyOf(expected.keySet()), part.stream().map(RunSpec::config).toList());
        for (RunSpec s : part) {
            Object[] e = expected.get(s.config());
            assertEquals("rnn", s.part());
            assertEquals(new ModelSpec.RecurrentNet((LayerSpec.Cell) e[0], 128, 1, 28), s.model(), s.config());
            assertEquals(e[1].equals("adam") ? OptimizerSpec.adam() : OptimizerSpec.sgd((double) e[2]), s.optimizer(), s.config());
            assertEquals(new ScheduleSpec.Constant((double) e[3]), s.schedule(), s.config());
            double clip = (double) e[4];
            assertEquals(clip == 0 ? List.of() : List.of(Design.norm(clip)), s.gradients(), s.config());
            assertEquals(32, s.data().batch(), s.config());
            assertEquals(0, s.seed());
            assertEquals(Design.EPOCHS, s.epochs());
        }
        assertEquals(10, Design.EPOCHS);
        assertEquals(List.of(0L, 1L, 2L), Design.SEEDS);
    }

    @Test
    void recurrentModelsAreRowsCellLastStepDense() throws Exception {
        for (String kind : List.of("rnn", "gru", "lstm")) {
            ModelSpec m = new ModelSpec.RecurrentNet(kind.equals("rnn") ? LayerSpec.Cell.RNN_TANH
                    : LayerSpec.Cell.valueOf(kind.toUpperCase(java.util.Locale.ROOT)), 128, 1, 28);
            assertEquals(m, SpecCodec.read(SpecCodec.write(m), ModelSpec.class));
            Sequential net = m.build(new ModelSpec.Shape(784, 10), 3);
            assertTrue(net.layers().get(0) instanceof Sequences);
            assertTrue(switch (kind) {
                case "gru" -> net.layers().get(1) instanceof Gru;
                case "lstm" -> net.layers().get(1) instanceof Lstm;
                default -> net.layers().get(1) instanceof Rnn;
            }, kind);
            assertTrue(net.layers().get(2) instanceof LastStep);
            assertEquals(List.of(10L, 128L), List.of(net.namedParams().get("3.weight").value().shape()[0],
                    net.namedParams().get("3.weight").value().shape()[1]));
            assertEquals(List.of(net.namedParams().get("1.weight_hh_l0").value().shape()).size(), 1);
        }
        assertEquals("hidden must be in [1, 4096], got 0", assertThrows(IllegalArgumentException.class,
                () -> new ModelSpec.RecurrentNet(LayerSpec.Cell.GRU, 0, 1, 28)).getMessage());
        var e = assertThrows(IllegalArgumentException.class, () -> new ModelSpec.RecurrentNet(LayerSpec.Cell.GRU, 8, 1, 27)
                .build(new ModelSpec.Shape(784, 10), 0));
        assertEquals("layers[0]: 784 features are not rows of 27", e.getMessage());
    }

    @Test
    void spikesAreCountedAgainstTheMedianOfTheLast50() {
        StepEvents e = new StepEvents(null);
        long step = 0;
        for (int i = 0; i < 50; i++) {   // a window of 2.0 and 0.5 (median 1.25 when they are 25 each)
            e.record(step++, i % 2 == 0 ? 2.0 : 0.5, 1);
        }
        e.record(step++, 2.7, 1);         // 1.45 above the median 1.25: no spike (but above min + 1.5)
        assertEquals(0, e.spikes());
        e.record(step++, 2.9, 1);         // window now 24 x 2.0, 25 x 0.5, 2.7: median 1.25, 1.65 above: a spike
        assertEquals(1, e.spikes());
        for (int i = 0; i < 50; i++) {
            e.record(step++, 10.0, 5);    // a plateau at 10 counts while at most 25 of the window are 10s
        }                                 // (with 25: median (2.9 + 10) / 2 = 6.45); from 26 on the median is 10
        assertEquals(1 + 26, e.spikes());
        e.record(step++, 11.0, 10);       // 1 above the median 10: no spike; a norm of 10 is not above 10
        assertEquals(27, e.spikes());
        assertEquals(-1, e.firstOver10());
        e.record(step++, 1.0, 50);
        e.record(step++, 1.0, Double.NaN);
        assertEquals(step - 2, e.firstOver10());
        assertEquals(step - 1, e.firstOver100());

        StepEvents early = new StepEvents(null);
        for (int i = 0; i < 49; i++) {
            early.record(i, i == 48 ? 100 : 0.1, 1);   // no spike before a full window of 50
        }
        assertEquals(0, early.spikes());
        assertEquals(-1, early.firstOver100());
    }

    @Test
    void aQuickRnnRunHasRowsTheNewColumnsAndTheThroughTimeChart() {
        Backend.pinCallingThread();
        RunSpec spec = new RunSpec("rnn", "rnn_sgd0.2", new ModelSpec.RecurrentNet(LayerSpec.Cell.RNN_TANH, 16, 1, 28),
                OptimizerSpec.sgd(0), new ScheduleSpec.Constant(0.2), List.of(), new DataSpec.Digits(320, 32),
                new LossSpec.CrossEntropy(0), 0, 1);
        RunResult r = RunExecutor.run(spec, Mnist.bundled().split(320, 0));
        assertEquals(10, r.series().gradNorms().length);
        assertEquals(28, r.layers().throughTime().length);
        assertTrue(r.layers().throughTime()[27] > 0 && r.layers().throughTime()[0] > 0);
        long over10 = java.util.stream.IntStream.range(0, 10).filter(i -> !(r.series().gradNorms()[i] <= 10)).findFirst().orElse(-1);
        assertEquals(over10, r.norms().firstOver10());
        Table runs = StudyTables.runs(List.of(r));
        assertEquals(1, runs.rowCount());
        assertEquals(r.end().lossSpikes(), runs.intColumn("loss_spikes").get(0));
        assertTrue(runs.columnNames().containsAll(List.of("first_step_over_10", "first_step_over_100")));
        Table summary = StudyTables.summary(List.of(r));
        assertTrue(summary.columnNames().containsAll(List.of("loss_spikes_median", "spiked", "first_step_over_10_median",
                "first_step_over_100_median")));
        assertEquals(over10 < 0 ? Double.NaN : over10, summary.doubleColumn("first_step_over_10_median").getDouble(0));
        Table tt = StudyTables.throughTime(r);
        assertEquals(28, tt.rowCount());
        assertArrayEquals(r.layers().throughTime(), tt.doubleColumn("grad_norm").asDoubleArray());
        StudyReport.Part part = StudyReport.of(List.of(r)).parts().get("rnn");
        assertTrue(part.charts().containsKey("through-time"));
        assertTrue(part.claims().stream().anyMatch(c -> c.kind().equals("outcome") && c.text().startsWith("rnn_sgd0.2 ")));
    }
}
