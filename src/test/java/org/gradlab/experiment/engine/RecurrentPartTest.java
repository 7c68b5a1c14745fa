package org.gradlab.experiment.engine;

import org.gradlab.experiment.spec.Models;
import org.gradlab.experiment.spec.Design;
import org.gradlab.experiment.spec.RunSpec;
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
        expected.put("rnn_sgd0.2", new Object[] {"rnn", "sgd", 0.0, 0.2, 0.0});
        expected.put("rnn_sgd0.2_norm1", new Object[] {"rnn", "sgd", 0.0, 0.2, 1.0});
        expected.put("rnn_sgd0.2_norm10", new Object[] {"rnn", "sgd", 0.0, 0.2, 10.0});
        expected.put("gru_sgd0.2", new Object[] {"gru", "sgd", 0.0, 0.2, 0.0});
        expected.put("lstm_sgd0.2", new Object[] {"lstm", "sgd", 0.0, 0.2, 0.0});
        expected.put("rnn_sgd0.05", new Object[] {"rnn", "sgd", 0.0, 0.05, 0.0});
        expected.put("rnn_sgd0.02_mom0.9", new Object[] {"rnn", "sgd", 0.9, 0.02, 0.0});
        expected.put("rnn_sgd0.02_mom0.9_norm1", new Object[] {"rnn", "sgd", 0.9, 0.02, 1.0});
        expected.put("gru_sgd0.02_mom0.9", new Object[] {"gru", "sgd", 0.9, 0.02, 0.0});
        expected.put("rnn_adam0.001", new Object[] {"rnn", "adam", 0.0, 0.001, 0.0});
        expected.put("rnn_adam0.005", new Object[] {"rnn", "adam", 0.0, 0.005, 0.0});
        expected.put("rnn_adam0.005_norm1", new Object[] {"rnn", "adam", 0.0, 0.005, 1.0});
        expected.put("gru_adam0.005", new Object[] {"gru", "adam", 0.0, 0.005, 0.0});
        List<RunSpec> part = Design.parts().get("rnn");
        assertEquals(List.copyOf(expected.keySet()), part.stream().map(RunSpec::config).toList());
        for (RunSpec s : part) {
            Object[] e = expected.get(s.config());
            assertEquals("rnn", s.part());
            assertEquals(e[0], s.model().kind(), s.config());
            assertEquals(128, s.model().width(), s.config());
            assertEquals("pytorch", s.model().init(), s.config());
            assertEquals(e[1], s.optimizer().kind(), s.config());
            assertEquals((double) e[2], s.optimizer().momentum(), 0, s.config());
            assertEquals("constant", s.schedule().kind(), s.config());
            assertEquals((double) e[3], s.schedule().lr(), 0, s.config());
            double clip = (double) e[4];
            assertEquals(clip == 0 ? List.of() : List.of(new RunSpec.Grad("norm", clip)), s.gradients(), s.config());
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
            RunSpec.Model m = RunSpec.Model.recurrent(kind, 128);
            assertEquals(m, RunStore.JSON.readValue(RunStore.JSON.writeValueAsString(m), RunSpec.Model.class));
            Sequential net = Models.build(m, 3);
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
        assertEquals("model.kind must be one of [gru, lstm, rnn] for a recurrent model, got 'mlp'",
                assertThrows(IllegalArgumentException.class, () -> RunSpec.Model.recurrent("mlp", 128)).getMessage());
        assertEquals("model.width must be in [1, 4096], got 0", assertThrows(IllegalArgumentException.class,
                () -> new RunSpec.Model("gru", "pytorch", "none", "plain", 1, 2, 0)).getMessage());
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
        Backend.singleThreaded();
        RunSpec spec = new RunSpec("rnn", "rnn_sgd0.2", RunSpec.Model.recurrent("rnn", 16), new RunSpec.Optim("sgd", 0),
                RunSpec.Sched.of("constant", 0.2), List.of(), new RunSpec.Data("digits", 320, 32), 0, 1);
        RunResult r = RunExecutor.run(spec, Mnist.bundled().split(320, 0));
        assertEquals(10, r.gradNorms().length);
        assertEquals(28, r.throughTime().length);
        assertTrue(r.throughTime()[27] > 0 && r.throughTime()[0] > 0);
        long over10 = java.util.stream.IntStream.range(0, 10).filter(i -> !(r.gradNorms()[i] <= 10)).findFirst().orElse(-1);
        assertEquals(over10, r.firstStepOver10());
        Table runs = StudyTables.runs(List.of(r));
        assertEquals(1, runs.rowCount());
        assertEquals(r.lossSpikes(), runs.intColumn("loss_spikes").get(0));
        assertTrue(runs.columnNames().containsAll(List.of("first_step_over_10", "first_step_over_100")));
        Table summary = StudyTables.summary(List.of(r));
        assertTrue(summary.columnNames().containsAll(List.of("loss_spikes_median", "spiked", "first_step_over_10_median",
                "first_step_over_100_median")));
        assertEquals(over10 < 0 ? Double.NaN : over10, summary.doubleColumn("first_step_over_10_median").getDouble(0));
        Table tt = StudyTables.throughTime(r);
        assertEquals(28, tt.rowCount());
        assertArrayEquals(r.throughTime(), tt.doubleColumn("grad_norm").asDoubleArray());
        StudyReport.Part part = StudyReport.of(List.of(r)).parts().get("rnn");
        assertTrue(part.charts().containsKey("through-time"));
        assertFalse(part.conclusions().stream().noneMatch(c -> c.startsWith("Gradient norm (in any seed)")));
    }
}
