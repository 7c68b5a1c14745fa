package org.gradlab.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.gradlab.Golden;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Every case of rnn.json (bench/golden/rnn.py): outputs at every step, final states, loss, every
 * parameter gradient and the gradients of the input and initial states, against PyTorch in float64.
 */
class RecurrentGoldenTest {
    /** Networks match PyTorch to 1e-10 relative (max|a - b| / max|b| per tensor). */
    private static final double RELATIVE = 1e-10;
    private static final JsonNode GOLDEN = Golden.load("rnn.json");
    private static final Map<String, Double> WORST = new TreeMap<>();

    @AfterAll
    static void report() {
        WORST.forEach((cell, err) -> System.out.printf("rnn golden: %-9s max relative error %.2e%n", cell, err));
    }

    /** The gradlab layer for a case's PyTorch module spec, float64; every argument the spec sets must map. */
    static Recurrent layer(String name, JsonNode module) {
        Golden.Args args = Golden.Args.of(name, module);
        int in = (int) args.integer("input_size");
        int hidden = (int) args.integer("hidden_size");
        int layers = (int) args.integer("num_layers", 1);
        assertTrue(args.flag("batch_first", false), name + ": gradlab's layout is batch first");
        Rng rng = Rng.seeded(0);
        Recurrent r = switch (module.get("type").asText()) {
            case "RNN" -> Rnn.of(args.choice("nonlinearity", "tanh", "tanh", "relu").equals("tanh")
                    ? Rnn.Nonlinearity.TANH : Rnn.Nonlinearity.RELU, in, hidden, layers, rng);
            case "GRU" -> Gru.of(in, hidden, layers, rng);
            case "LSTM" -> Lstm.of(in, hidden, layers, rng);
            default -> throw new AssertionError(name + ": no gradlab layer for " + module);
        };
        args.done();
        r.to(DataType.DOUBLE);
        return r;
    }

    private static INDArray optional(JsonNode n) {
        return n == null || n.isNull() ? null : Golden.tensor(n);
    }

    private static void close(String cell, String what, INDArray actual, JsonNode expected) {
        double[] e = Golden.numbers(expected.get("data"));
        double[] a = actual.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        assertEquals(e.length, a.length, what + ": length");
        double d = Golden.relativeDiff(a, e);
        WORST.merge(cell, d, Math::max);
        assertTrue(d <= RELATIVE, what + ": relative difference " + d + " exceeds " + RELATIVE);
    }

    private static void close(String cell, String what, double actual, double expected) {
        double d = Math.abs(actual - expected) / Math.max(Math.abs(expected), Double.MIN_NORMAL);
        WORST.merge(cell, d, Math::max);
        assertTrue(d <= RELATIVE, what + ": " + actual + " vs " + expected);
    }

    private static Stream<JsonNode> cases(String field) {
        return StreamSupport.stream(GOLDEN.get(field).spliterator(), false);
    }

    @TestFactory
    Stream<DynamicTest> sequencesMatchPyTorch() {
        return cases("cases").map(c -> DynamicTest.dynamicTest(c.get("name").asText(), () -> sequence(c)));
    }

    private static void sequence(JsonNode c) {
        String cell = c.get("cell").asText();
        String name = c.get("name").asText();
        Recurrent r = layer(name, c.get("module"));
        r.loadStateDict(Golden.stateDict(c.get("state_dict")));
        boolean zeros = c.get("initial_state").asText().equals("zeros");
        Recurrent.State initial = zeros ? null : new Recurrent.State(Golden.tensor(c.get("h0")), optional(c.get("c0")));
        Recurrent.Output out = r.forward(Golden.tensor(c.get("input")), initial);
        close(cell, name + " output", out.output(), c.get("output"));
        close(cell, name + " h_n", out.last().h(), c.get("h_n"));
        INDArray rOut = Golden.tensor(c.get("r_output"));
        INDArray rh = Golden.tensor(c.get("r_h"));
        INDArray rc = optional(c.get("r_c"));
        double loss = out.output().mul(rOut).sumNumber().doubleValue() + out.last().h().mul(rh).sumNumber().doubleValue();
        if (rc != null) {
            close(cell, name + " c_n", out.last().c(), c.get("c_n"));
            loss += out.last().c().mul(rc).sumNumber().doubleValue();
        }
        close(cell, name + " loss", loss, c.get("loss").asDouble());
        Recurrent.Gradients g = r.backward(rOut, new Recurrent.State(rh, rc));
        c.get("grads").fields().forEachRemaining(e ->
                close(cell, name + " grad " + e.getKey(), r.namedParams().get(e.getKey()).grad(), e.getValue()));
        assertEquals(List.copyOf(r.namedParams().keySet()), iterate(c.get("grads").fieldNames()), name + ": parameter names and order");
        close(cell, name + " grad input", g.input(), c.get("grad_input"));
        close(cell, name + " grad h0", g.initial().h(), c.get("grad_h0"));
        if (rc != null) {
            close(cell, name + " grad c0", g.initial().c(), c.get("grad_c0"));
        }
    }

    private static List<String> iterate(java.util.Iterator<String> names) {
        List<String> out = new java.util.ArrayList<>();
        names.forEachRemaining(out::add);
        return out;
    }

    @TestFactory
    Stream<DynamicTest> classifiersMatchPyTorch() {
        return cases("classifier_cases").map(c -> DynamicTest.dynamicTest(c.get("name").asText(), () -> classifier(c)));
    }

    /** rows view, cell, last step, Dense head under cross-entropy, as a Sequential. */
    private static void classifier(JsonNode c) {
        String cell = c.get("cell").asText();
        String name = c.get("name").asText();
        Recurrent r = layer(name, c.get("module"));
        INDArray logitsRef = Golden.tensor(c.get("logits"));
        Sequential model = Sequential.of(Sequences.rows(r.in()), r, LastStep.of(), Dense.of(r.hidden(), (int) logitsRef.size(1), Rng.seeded(1)));
        model.to(DataType.DOUBLE);
        model.loadStateDict(Golden.stateDict(c.get("state_dict")));
        INDArray x = Golden.tensor(c.get("input"));
        INDArray logits = model.forward(x);
        close(cell, name + " logits", logits, c.get("logits"));
        Loss.Evaluation e = Loss.crossEntropy().evaluate(logits, Golden.oneHot(c.get("labels"), logits.size(1)));
        close(cell, name + " loss", e.value(), c.get("loss").asDouble());
        INDArray dx = model.backward(e.gradient());
        c.get("grads").fields().forEachRemaining(p ->
                close(cell, name + " grad " + p.getKey(), model.namedParams().get(p.getKey()).grad(), p.getValue()));
        close(cell, name + " grad input", dx, c.get("grad_input"));
    }
}
