package org.gradlab.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Rnn, Gru and Lstm: backward against finite differences, layout, names, states and errors. */
class RecurrentTest {
    private static final int BATCH = 3;
    private static final int TIME = 4;
    private static final int IN = 3;
    private static final int HIDDEN = 5;

    static Recurrent cell(String kind, int layers, Rng rng) {
        return switch (kind) {
            case "rnn_tanh" -> Rnn.of(Rnn.Nonlinearity.TANH, IN, HIDDEN, layers, rng);
            case "rnn_relu" -> Rnn.of(Rnn.Nonlinearity.RELU, IN, HIDDEN, layers, rng);
            case "gru" -> Gru.of(IN, HIDDEN, layers, rng);
            case "lstm" -> Lstm.of(IN, HIDDEN, layers, rng);
            default -> throw new AssertionError(kind);
        };
    }

    /**
     * L = sum(output * r) + sum(h_n * rh) + sum(c_n * rc) of a two-layer stack from random initial
     * states; every parameter, the input and the initial states against central differences.
     */
    @ParameterizedTest
    @ValueSource(strings = {"rnn_tanh", "rnn_relu", "gru", "lstm"})
    void backwardMatchesFiniteDifferences(String kind) {
        Rng rng = Rng.seeded(11);
        Recurrent r = cell(kind, 2, rng);
        r.to(DataType.DOUBLE);
        boolean lstm = r instanceof Lstm;
        INDArray x = GradCheck.randn(rng, BATCH, TIME, IN);
        INDArray h0 = GradCheck.randn(rng, 2, BATCH, HIDDEN).muli(0.5);
        INDArray c0 = lstm ? GradCheck.randn(rng, 2, BATCH, HIDDEN).muli(0.5) : null;
        INDArray rOut = GradCheck.randn(rng, BATCH, TIME, HIDDEN);
        INDArray rh = GradCheck.randn(rng, 2, BATCH, HIDDEN);
        INDArray rc = lstm ? GradCheck.randn(rng, 2, BATCH, HIDDEN) : null;
        java.util.function.DoubleSupplier loss = () -> {
            Recurrent.Output o = r.forward(x, new Recurrent.State(h0, c0));
            double v = o.output().mul(rOut).sumNumber().doubleValue() + o.last().h().mul(rh).sumNumber().doubleValue();
            return lstm ? v + o.last().c().mul(rc).sumNumber().doubleValue() : v;
        };
        r.forward(x, new Recurrent.State(h0, c0));
        Recurrent.Gradients g = r.backward(rOut, new Recurrent.State(rh, rc));
        Map<String, INDArray> analytic = new java.util.LinkedHashMap<>();
        r.namedParams().forEach((n, p) -> analytic.put(n, p.grad().dup()));
        GradCheck.compare(kind + " input", g.input(), x, loss);
        GradCheck.compare(kind + " h0", g.initial().h(), h0, loss);
        if (lstm) {
            GradCheck.compare(kind + " c0", g.initial().c(), c0, loss);
        }
        r.namedParams().forEach((n, p) -> GradCheck.compare(kind + " " + n, analytic.get(n), p.value(), loss));
    }

    /** The classifier chain through the plain Layer interface: rows view, cell, last step, Dense. */
    @ParameterizedTest
    @ValueSource(strings = {"rnn_tanh", "gru", "lstm"})
    void classifierChainMatchesFiniteDifferences(String kind) {
        Rng rng = Rng.seeded(5);
        Sequential net = Sequential.of(Sequences.rows(IN), cell(kind, 1, rng), LastStep.of(), Dense.of(HIDDEN, 4, rng));
        net.to(DataType.DOUBLE);
        GradCheck.check(net, GradCheck.randn(rng, BATCH, TIME * IN));
    }

    /** Training never reads dL/dx, so the cell behind the parameter-free rows view skips it; the parameter gradients are the same bits. */
    @ParameterizedTest
    @ValueSource(strings = {"rnn_tanh", "gru", "lstm"})
    void classifierSkipsTheCellsInputGradientWithTheSameParameterGradients(String kind) {
        Rng rng = Rng.seeded(6);
        Sequential net = Sequential.of(Sequences.rows(IN), cell(kind, 1, rng), LastStep.of(), Dense.of(HIDDEN, 4, rng));
        INDArray x = GradCheck.randn(rng, BATCH, TIME * IN).castTo(DataType.FLOAT);
        INDArray dy = GradCheck.randn(rng, BATCH, 4).castTo(DataType.FLOAT);
        net.forward(x);
        assertArrayEquals(new long[] {BATCH, TIME * IN}, net.backward(dy, true).shape());
        Map<String, INDArray> full = new java.util.LinkedHashMap<>();
        net.namedParams().forEach((n, p) -> full.put(n, p.grad().dup()));
        net.forward(x);
        assertNull(net.backward(dy, false));
        net.namedParams().forEach((n, p) -> assertArrayEquals(full.get(n).data().asFloat(), p.grad().data().asFloat(), n));
    }

    @Test
    void namesShapesAndInitFollowPyTorch() {
        Lstm lstm = Lstm.of(IN, 8, 2, Rng.seeded(1));
        assertEquals(List.of("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
                "weight_ih_l1", "weight_hh_l1", "bias_ih_l1", "bias_hh_l1"), List.copyOf(lstm.namedParams().keySet()));
        assertArrayEquals(new long[] {32, IN}, lstm.namedParams().get("weight_ih_l0").value().shape());
        assertArrayEquals(new long[] {32, 8}, lstm.namedParams().get("weight_ih_l1").value().shape());
        assertArrayEquals(new long[] {32}, lstm.namedParams().get("bias_hh_l1").value().shape());
        double bound = 1 / Math.sqrt(8);
        for (Param p : lstm.params()) {
            assertEquals(DataType.FLOAT, p.value().dataType());
            assertTrue(p.value().amaxNumber().doubleValue() <= bound, p.name() + " within U(-1/sqrt(hidden), 1/sqrt(hidden))");
            assertTrue(p.value().amaxNumber().doubleValue() > 0.8 * bound, p.name() + " spreads over the range");
        }
        assertEquals(3 * (3 * 8 + 8 * 8 + 16), Gru.of(3, 8, Rng.seeded(1)).paramCount());
    }

    @ParameterizedTest
    @ValueSource(strings = {"rnn_tanh", "rnn_relu", "gru", "lstm"})
    void float32AgreesWithFloat64AndOutputsAreBatchFirst(String kind) {
        Recurrent f32 = cell(kind, 2, Rng.seeded(3));
        Recurrent f64 = cell(kind, 2, Rng.seeded(3));
        f64.to(DataType.DOUBLE);
        INDArray x = GradCheck.randn(Rng.seeded(4), BATCH, TIME, IN);
        Recurrent.Output a = f32.forward(x.castTo(DataType.FLOAT), null);
        Recurrent.Output b = f64.forward(x, null);
        assertArrayEquals(new long[] {BATCH, TIME, HIDDEN}, a.output().shape());
        assertTrue(a.output().castTo(DataType.DOUBLE).equalsWithEps(b.output(), 1e-5));
        // batch first: example 1's steps do not depend on example 0's input
        INDArray x2 = x.dup();
        x2.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0)).assign(7.0);
        INDArray other = f64.forward(x2);
        assertTrue(other.get(org.nd4j.linalg.indexing.NDArrayIndex.point(1)).equalsWithEps(
                b.output().get(org.nd4j.linalg.indexing.NDArrayIndex.point(1)), 1e-15));
        // the output's last step is the top layer's final hidden state
        assertTrue(b.output().get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.point(TIME - 1))
                .equalsWithEps(b.last().h().get(org.nd4j.linalg.indexing.NDArrayIndex.point(1)), 1e-15));
        assertEquals(kind.equals("lstm"), b.last().c() != null);
    }

    @Test
    void gradientNormsReachEveryStep() {
        Rnn rnn = Rnn.tanh(IN, HIDDEN, Rng.seeded(2));
        rnn.to(DataType.DOUBLE);
        INDArray x = GradCheck.randn(Rng.seeded(3), BATCH, TIME, IN);
        INDArray out = rnn.forward(x);
        INDArray dy = Nd4j.zeros(DataType.DOUBLE, out.shape());
        dy.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.point(TIME - 1)).assign(1.0);
        rnn.backward(dy);
        double[][] norms = rnn.hiddenGradNorms();
        assertEquals(1, norms.length);
        assertEquals(TIME, norms[0].length);
        assertEquals(Math.sqrt(BATCH * HIDDEN), norms[0][TIME - 1], 1e-12);   // only the loss's own gradient at the last step
        for (int t = 0; t < TIME - 1; t++) {
            assertTrue(norms[0][t] > 0 && norms[0][t] < norms[0][t + 1], "a contracting tanh RNN decays back in time");
        }
    }

    @Test
    void rowsViewAndLastStep() {
        INDArray x = Nd4j.arange(2 * 6).reshape(2, 6).castTo(DataType.DOUBLE);
        Sequences rows = Sequences.rows(3);
        INDArray seq = rows.forward(x);
        assertArrayEquals(new long[] {2, 2, 3}, seq.shape());
        assertEquals(4.0, seq.getDouble(0, 1, 1));
        LastStep last = LastStep.of();
        INDArray y = last.forward(seq);
        assertArrayEquals(new double[] {3, 4, 5, 9, 10, 11}, y.data().asDouble());
        INDArray dx = rows.backward(last.backward(Nd4j.ones(DataType.DOUBLE, 2, 3)));
        assertArrayEquals(new double[] {0, 0, 0, 1, 1, 1, 0, 0, 0, 1, 1, 1}, dx.dup('c').data().asDouble());
    }

    @Test
    void badInputsNameTheValue() {
        Rnn rnn = Rnn.tanh(IN, HIDDEN, Rng.seeded(1));
        assertMessage("Rnn(3->5): input must be [batch, time, 3] (batch first), got [2, 3]",
                () -> rnn.forward(Nd4j.zeros(DataType.FLOAT, 2, 3)));
        assertMessage("Rnn(3->5): input must be [batch, time, 3] (batch first), got [2, 4, 4]",
                () -> rnn.forward(Nd4j.zeros(DataType.FLOAT, 2, 4, 4)));
        assertMessage("Rnn(3->5): input is DOUBLE but the parameters are FLOAT",
                () -> rnn.forward(Nd4j.zeros(DataType.DOUBLE, 2, 4, 3)));
        assertMessage("Rnn(3->5): initial h must be FLOAT [1, 2, 5] [layers, batch, hidden], got FLOAT[2, 5]",
                () -> rnn.forward(Nd4j.zeros(DataType.FLOAT, 2, 4, 3), Recurrent.State.of(Nd4j.zeros(DataType.FLOAT, 2, 5))));
        Lstm lstm = Lstm.of(IN, HIDDEN, 2, Rng.seeded(1));
        assertMessage("Lstm(3->5, layers 2): initial c must be FLOAT [2, 2, 5] [layers, batch, hidden], got none",
                () -> lstm.forward(Nd4j.zeros(DataType.FLOAT, 2, 4, 3), Recurrent.State.of(Nd4j.zeros(DataType.FLOAT, 2, 2, 5))));
        assertThrows(IllegalStateException.class, () -> Gru.of(IN, HIDDEN, Rng.seeded(1)).backward(Nd4j.zeros(DataType.FLOAT, 2, 4, 5)));
        rnn.forward(Nd4j.zeros(DataType.FLOAT, 2, 4, 3));
        assertMessage("Rnn(3->5): gradient must be FLOAT [2, 4, 5] like the output, got FLOAT[2, 4, 3]",
                () -> rnn.backward(Nd4j.zeros(DataType.FLOAT, 2, 4, 3)));
        assertMessage("Gru: hidden must be > 0, got 0", () -> Gru.of(3, 0, Rng.seeded(1)));
        assertMessage("Lstm: layers must be > 0, got 0", () -> Lstm.of(3, 4, 0, Rng.seeded(1)));
        assertMessage("Rows(28): input must be [batch, time * 28] with time >= 1, got [2, 30]",
                () -> Sequences.rows(28).forward(Nd4j.zeros(DataType.FLOAT, 2, 30)));
        assertMessage("LastStep: input must be [batch, time, features] with time >= 1, got [2, 30]",
                () -> LastStep.of().forward(Nd4j.zeros(DataType.FLOAT, 2, 30)));
    }

    private static void assertMessage(String expected, org.junit.jupiter.api.function.Executable call) {
        assertEquals(expected, assertThrows(IllegalArgumentException.class, call).getMessage());
    }

    @Test
    void zeroInitialStatesEqualNoStateAndStatesHaveNoCellForRnn() {
        Gru gru = Gru.of(IN, HIDDEN, Rng.seeded(8));
        INDArray x = GradCheck.randn(Rng.seeded(9), BATCH, TIME, IN).castTo(DataType.FLOAT);
        Recurrent.Output none = gru.forward(x, null);
        Recurrent.Output zeros = gru.forward(x, Recurrent.State.of(Nd4j.zeros(DataType.FLOAT, 1, BATCH, HIDDEN)));
        assertEquals(none.output(), zeros.output());
        assertNull(none.last().c());
        Supplier<Recurrent.Gradients> back = () -> gru.backward(null, Recurrent.State.of(Nd4j.ones(DataType.FLOAT, 1, BATCH, HIDDEN)));
        assertArrayEquals(new long[] {BATCH, TIME, IN}, back.get().input().shape());
    }
}
