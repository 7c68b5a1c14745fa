package org.gradlab.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
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
 * Every case of layers.json (bench/golden/layers.py): small feed-forward networks under
 * cross-entropy against PyTorch in float64: logits, loss, every parameter gradient, the input's
 * gradient and BatchNorm's running statistics, matched at 1e-10 relative.
 */
class LayerGoldenTest {
    private static final double RELATIVE = 1e-10;
    private static final JsonNode GOLDEN = Golden.load("layers.json");
    private static double worst;

    @AfterAll
    static void report() {
        System.out.printf("layers golden: max relative error %.2e%n", worst);
    }

    /** The gradlab layer for one layer spec; every argument the spec sets must map. */
    static Layer layer(String where, JsonNode spec) {
        String type = spec.get("type").asText();
        if (type.equals("Residual")) {
            List<Layer> block = new ArrayList<>();
            spec.get("block").forEach(s -> block.add(layer(where, s)));
            return Residual.of(Sequential.of(block));
        }
        Golden.Args args = Golden.Args.of(where + " " + type, spec);
        Layer l = switch (type) {
            case "Linear" -> Dense.of((int) args.integer("in_features"), (int) args.integer("out_features"), Rng.seeded(0));
            case "ReLU" -> Activation.relu();
            case "Tanh" -> Activation.tanh();
            case "Sigmoid" -> Activation.sigmoid();
            case "GELU" -> Activation.of(Activation.Kind.valueOf(
                    args.choice("approximate", "none", "none").equals("none") ? "GELU" : "?"));
            case "Identity" -> Activation.identity();
            case "Dropout" -> Dropout.of(args.number("p", 0.5), Rng.seeded(0));
            case "Scale" -> Scale.of(args.number("factor"));
            case "BatchNorm1d" -> BatchNorm.of((int) args.integer("num_features"), args.number("eps", 1e-5),
                    args.number("momentum", 0.1));
            case "LayerNorm" -> LayerNorm.of((int) args.integer("normalized_shape"), args.number("eps", 1e-5));
            default -> throw new AssertionError(where + ": no gradlab layer for " + spec);
        };
        args.done();
        return l;
    }

    private static void close(String what, INDArray actual, JsonNode expected) {
        close(what, actual, expected, 0);
    }

    /**
     * max|a - b| / max(max|b|, 1e-4 floor) at most 1e-10. The floor matters only for a gradient
     * that is zero in exact arithmetic (the bias of a Linear feeding BatchNorm in training: the
     * batch mean removes it), where both sides hold rounding noise of 1e-17 and a plain relative
     * difference compares noise with noise; there the test is absolute, against the case's
     * largest gradient: at most 1e-14 of it, a few ulps of the sums involved.
     */
    private static void close(String what, INDArray actual, JsonNode expected, double floor) {
        double[] e = Golden.numbers(expected.get("data"));
        double[] a = actual.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        assertEquals(e.length, a.length, what + ": length");
        double scale = 0;
        for (double v : e) {
            scale = Math.max(scale, Math.abs(v));
        }
        double maxDiff = scale == 0 ? Golden.relativeDiff(a, e) : Golden.relativeDiff(a, e) * scale;
        double denominator = Math.max(scale, 1e-4 * floor);
        double d = denominator == 0 ? maxDiff : maxDiff / denominator;
        worst = Math.max(worst, d);
        assertTrue(d <= RELATIVE, what + ": relative difference " + d + " exceeds " + RELATIVE);
    }

    @TestFactory
    Stream<DynamicTest> networksMatchPyTorch() {
        return StreamSupport.stream(GOLDEN.get("cases").spliterator(), false)
                .map(c -> DynamicTest.dynamicTest(c.get("name").asText(), () -> network(c)));
    }

    private static void network(JsonNode c) {
        String name = c.get("name").asText();
        List<Layer> layers = new ArrayList<>();
        c.get("layers").forEach(s -> layers.add(layer(name, s)));
        Sequential model = Sequential.of(layers);
        model.to(DataType.DOUBLE);
        model.loadStateDict(Golden.stateDict(c.get("state_dict")));
        model.setTraining(c.get("mode").asText().equals("train"));

        INDArray logits = model.forward(Golden.tensor(c.get("input")));
        close(name + " logits", logits, c.get("logits"));
        Loss.Evaluation e = Loss.crossEntropy().evaluate(logits, Golden.oneHot(c.get("labels"), logits.size(1)));
        double loss = c.get("loss").asDouble();
        assertTrue(Math.abs(e.value() - loss) <= RELATIVE * Math.abs(loss), name + " loss " + e.value() + " vs " + loss);
        INDArray dx = model.backward(e.gradient());
        List<String> names = new ArrayList<>();
        double largest = 0;
        for (JsonNode g : c.get("grads")) {
            for (double v : Golden.numbers(g.get("data"))) {
                largest = Math.max(largest, Math.abs(v));
            }
        }
        double floor = largest;
        c.get("grads").fields().forEachRemaining(p -> {
            names.add(p.getKey());
            close(name + " grad " + p.getKey(), model.namedParams().get(p.getKey()).grad(), p.getValue(), floor);
        });
        assertEquals(List.copyOf(model.namedParams().keySet()), names, name + ": parameter names and order");
        close(name + " grad input", dx, c.get("grad_input"));
        c.get("buffers_after").fields().forEachRemaining(b ->
                close(name + " " + b.getKey(), model.namedBuffers().get(b.getKey()), b.getValue()));
        assertEquals(c.get("buffers_after").size(), model.namedBuffers().size(), name + ": buffers");
    }
}
