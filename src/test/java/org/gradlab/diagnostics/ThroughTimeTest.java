package org.gradlab.diagnostics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.gradlab.nn.Dense;
import org.gradlab.nn.LastStep;
import org.gradlab.nn.Loss;
import org.gradlab.nn.Param;
import org.gradlab.nn.Rng;
import org.gradlab.nn.Rnn;
import org.gradlab.nn.Sequences;
import org.gradlab.nn.Sequential;
import org.gradlab.plot.ThroughTimeChart;
import org.junit.jupiter.api.Test;
import org.knowm.xchart.XYChart;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import tech.tablesaw.api.Table;

class ThroughTimeTest {
    private static final int TIME = 12;

    /** A tanh RNN classifier whose recurrent weights are scaled by {@code gain}. */
    private static Sequential model(double gain, int layers) {
        Rng rng = Rng.seeded(3);
        Rnn rnn = Rnn.of(Rnn.Nonlinearity.TANH, 4, 16, layers, rng);
        rnn.namedParams().forEach((n, p) -> {
            if (n.startsWith("weight_hh")) {
                p.value().muli(gain);
            }
        });
        return Sequential.of(Sequences.rows(4), rnn, LastStep.of(), Dense.of(16, 3, rng));
    }

    private static INDArray[] batch() {
        Rng rng = Rng.seeded(4);
        INDArray x = Nd4j.zeros(DataType.FLOAT, 8, TIME * 4);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 8, 3);
        for (int i = 0; i < 8; i++) {
            for (int j = 0; j < TIME * 4; j++) {
                x.putScalar(i, j, rng.nextGaussian() * 0.1);
            }
            y.putScalar(i, i % 3, 1.0);
        }
        return new INDArray[] {x, y};
    }

    @Test
    void tableFollowsTheGradientBackThroughTime() {
        Sequential model = model(1.0, 2);
        INDArray[] b = batch();
        Table t = ThroughTime.measure(model, Loss.crossEntropy(), b[0], b[1]);
        assertEquals(2 * TIME, t.rowCount());
        assertEquals(java.util.List.of("layer", "level", "step", "distance", "grad_norm", "vs_last"), t.columnNames());
        Table top = t.where(t.intColumn("level").isEqualTo(1));
        assertEquals(1.0, top.doubleColumn("vs_last").get(TIME - 1), 1e-12);
        assertEquals(0, top.intColumn("distance").getInt(TIME - 1));
        // at the last step the gradient is the head's: dL/dlogits W_dense
        Param w = model.namedParams().get("3.weight");
        INDArray out = model.forward(b[0]);
        INDArray dLast = Loss.crossEntropy().evaluate(out, b[1]).gradient().mmul(w.value());
        assertEquals(dLast.norm2Number().doubleValue(), top.doubleColumn("grad_norm").get(TIME - 1), 1e-6);
        assertTrue(t.stringColumn("layer").isEqualTo("1").size() == t.rowCount(), "the Rnn is child 1 of the Sequential");
        XYChart chart = ThroughTimeChart.of(t);
        assertEquals(2, chart.getSeriesMap().size());
        assertTrue(chart.getStyler().isYAxisLogarithmic());
    }

    @Test
    void contractingWeightsVanishAndExpandingWeightsExplode() {
        INDArray[] b = batch();
        double small = ThroughTime.growthPerStep(ThroughTime.measure(model(0.5, 1), Loss.crossEntropy(), b[0], b[1]));
        double large = ThroughTime.growthPerStep(ThroughTime.measure(model(6.0, 1), Loss.crossEntropy(), b[0], b[1]));
        assertTrue(small < 1, "vanishing: " + small);
        assertTrue(large > 1, "exploding: " + large);
    }

    @Test
    void aModelWithoutRecurrentLayersIsRefused() {
        Sequential mlp = Sequential.of(Dense.of(4, 3, Rng.seeded(1)));
        assertEquals("ThroughTime: the model has no recurrent layer (Rnn, Gru, Lstm)",
                assertThrows(IllegalArgumentException.class, () -> ThroughTime.table(mlp)).getMessage());
        assertEquals("ThroughTime: recurrent layer 1 has not run backward yet",
                assertThrows(IllegalArgumentException.class, () -> ThroughTime.table(model(1.0, 1))).getMessage());
    }
}
