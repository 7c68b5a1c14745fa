package org.gradlab.diagnostics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.gradlab.Golden;
import org.gradlab.nn.GoldenNetworks;
import org.gradlab.nn.Loss;
import org.gradlab.nn.Param;
import org.gradlab.nn.Sequential;
import org.gradlab.optim.Adam;
import org.gradlab.optim.Optimizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Every case of curvature.json (bench/golden/curvature.py) at the default settings: Hessian-vector
 * products against PyTorch's full Hessian times v, top eigenvalues against {@code eigvalsh} and
 * the article MLP's power iteration on exact products, Adam's preconditioned sharpness, and the
 * largest Jacobian singular values per layer, up to each layer and of the whole network, all at
 * 1e-6 relative (the worst seen per kind is printed).
 */
class CurvatureGoldenTest {
    private static final double RELATIVE = 1e-6;
    private static final JsonNode GOLDEN = Golden.load("curvature.json");
    private static final Map<String, Double> WORST = new LinkedHashMap<>();

    @AfterAll
    static void report() {
        WORST.forEach((k, v) -> System.out.printf("curvature golden: worst relative error of %s %.1e%n", k, v));
    }

    private static void close(String kind, String what, double actual, double expected) {
        double d = Math.abs(actual - expected) / Math.abs(expected);
        WORST.merge(kind, d, Math::max);
        assertTrue(d <= RELATIVE, what + ": " + actual + " vs PyTorch " + expected + ", relative difference " + d);
    }

    private static void close(String kind, String what, double[] actual, JsonNode expected) {
        double d = Golden.relativeDiff(actual, Golden.numbers(expected.get("data")));
        WORST.merge(kind, d, Math::max);
        assertTrue(d <= RELATIVE, what + ": relative difference " + d + " exceeds " + RELATIVE);
    }

    private static Regime regime(JsonNode c) {
        return c.get("mode").asText().equals("train") ? Regime.TRAINING : Regime.EVALUATION;
    }

    private static Sharpness sharpness(JsonNode c, Sequential model, JsonNode input, JsonNode labels, long classes) {
        return Sharpness.of(model, Loss.crossEntropy(), Golden.tensor(input), Golden.oneHot(labels, classes),
                SpectrumSettings.defaults().withRegime(regime(c)));
    }

    @TestFactory
    Stream<DynamicTest> hessiansMatchPyTorch() {
        long classes = GOLDEN.get("sizes").get("classes").asLong();
        return StreamSupport.stream(GOLDEN.get("hessian_cases").spliterator(), false)
                .map(c -> DynamicTest.dynamicTest(c.get("name").asText(), () -> {
                    String name = c.get("name").asText();
                    Sequential model = GoldenNetworks.of(name, c.get("layers"), c.get("state_dict"));
                    assertEquals(List.copyOf(model.namedParams().keySet()), names(c.get("parameters")), name + ": parameter order");
                    Sharpness s = sharpness(c, model, c.get("input"), c.get("labels"), classes);
                    assertEquals(c.get("dimension").asInt(), s.dimension(), name + ": dimension");
                    close("a Hessian-vector product (small nets)", name + " Hv", s.hessianTimes(Golden.numbers(c.get("v").get("data"))),
                            c.get("hv"));
                    Sharpness.Estimate top = s.top();
                    assertTrue(top.converged(), name + ": " + top);
                    close("the top Hessian eigenvalue (small nets, eigvalsh)", name + " sharpness", top.value(),
                            c.get("max_eigenvalue").asDouble());
                }));
    }

    private static List<String> names(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    @Test
    void adamPreconditionedSharpnessMatchesPyTorch() {
        JsonNode a = GOLDEN.get("adam");
        JsonNode c = StreamSupport.stream(GOLDEN.get("hessian_cases").spliterator(), false)
                .filter(k -> k.get("name").asText().equals(a.get("case").asText())).findFirst().orElseThrow();
        Sequential model = GoldenNetworks.of("adam", c.get("layers"), a.get("state_dict"));
        Golden.Args args = Golden.Args.of("adam", a.get("optimizer"));
        args.number("lr");
        JsonNode betas = args.node("betas");
        Optimizer adam = Optimizer.of(new Adam(betas.get(0).asDouble(), betas.get(1).asDouble(), args.number("eps"), 0, false));
        args.done();
        Map<String, Param> params = model.namedParams();
        Optimizer.State blank = adam.state(params);
        Map<String, Record> records = new LinkedHashMap<>();
        a.get("state").fields().forEachRemaining(e -> records.put(e.getKey(), new Adam.State(e.getValue().get("step").asLong(),
                Golden.tensor(e.getValue().get("exp_avg")), Golden.tensor(e.getValue().get("exp_avg_sq")), null)));
        adam.restore(new Optimizer.State(blank.rule(), blank.groups(), records), params);

        Sharpness s = sharpness(c, model, a.get("input"), a.get("labels"), GOLDEN.get("sizes").get("classes").asLong());
        close("the top Hessian eigenvalue (small nets, eigvalsh)", "adam case sharpness", s.top().value(),
                a.get("hessian_max_eigenvalue").asDouble());
        Sharpness.Estimate pre = s.preconditioned(adam);
        assertTrue(pre.converged(), pre.toString());
        close("Adam's preconditioned top eigenvalue (eigvalsh)", "preconditioned sharpness", pre.value(),
                a.get("preconditioned_max_eigenvalue").asDouble());
    }

    @Test
    void articleMlpMatchesPyTorchPowerIteration() {
        JsonNode a = GOLDEN.get("article");
        Sequential model = GoldenNetworks.of("article", a.get("layers"), a.get("state_dict"));
        INDArray x = Golden.tensor(a.get("input"));
        INDArray y = Golden.oneHot(a.get("labels"), 10);
        Sharpness s = Sharpness.of(model, Loss.crossEntropy(), x, y);
        Sharpness.Estimate top = s.top();
        assertTrue(top.converged(), top.toString());
        close("the top Hessian eigenvalue (article MLP, power iteration)", "article sharpness", top.value(),
                a.get("power_iteration").get("max_eigenvalue").asDouble());

        // H v at v = g / ||g||: the gradient from the model itself (a float64 copy of the trace's weights)
        model.setTraining(false);
        Loss.Evaluation e = Loss.crossEntropy().evaluate(model.forward(x), y);
        assertEquals(a.get("loss").asDouble(), e.value(), 1e-12 * e.value(), "article loss");
        model.backward(e.gradient(), false);
        List<Param> params = model.allParams();
        double[] g = Flat.of(params, Param::grad);
        double[] hv = s.hessianTimes(Lanczos.scaled(g, 1 / Lanczos.norm(g)));
        JsonNode ref = a.get("hv_at_gradient_direction");
        close("a Hessian-vector product (article MLP)", "article ||Hv||", Lanczos.norm(hv), ref.get("norm").asDouble());
        close("a Hessian-vector product (article MLP)", "article v.Hv", Lanczos.dot(g, hv) / Lanczos.norm(g),
                ref.get("v_hv").asDouble());
        int offset = 0;
        for (Map.Entry<String, Param> p : model.namedParams().entrySet()) {
            int n = Math.toIntExact(p.getValue().size());
            double[] part = java.util.Arrays.copyOfRange(hv, offset, offset + n);
            if (ref.get("tensors").has(p.getKey())) {
                close("a Hessian-vector product (article MLP)", "article Hv " + p.getKey(), part, ref.get("tensors").get(p.getKey()));
            } else {
                close("a Hessian-vector product (article MLP)", "article ||Hv|| of " + p.getKey(), Lanczos.norm(part),
                        ref.get(p.getKey() + "_norm").asDouble());
            }
            offset += n;
        }
    }

    @TestFactory
    Stream<DynamicTest> jacobiansMatchPyTorch() {
        return StreamSupport.stream(GOLDEN.get("jacobian_cases").spliterator(), false)
                .map(c -> DynamicTest.dynamicTest(c.get("name").asText(), () -> {
                    String name = c.get("name").asText();
                    Sequential model = GoldenNetworks.of(name, c.get("layers"), c.get("state_dict"));
                    JacobianSpectrum.Result r = JacobianSpectrum.measure(model, Golden.tensor(c.get("input")),
                            SpectrumSettings.defaults().withRegime(regime(c)));
                    assertTrue(r.converged(), name + " did not converge:\n" + r.table().print());
                    JsonNode rows = c.get("per_layer");
                    assertEquals(rows.size(), r.table().rowCount(), name + ": layers");
                    for (int l = 0; l < rows.size(); l++) {
                        JsonNode row = rows.get(l);
                        String where = name + " layer " + l + " (" + row.get("type").asText() + ")";
                        assertEquals(Integer.toString(l), r.table().stringColumn("name").get(l), where + " name");
                        close("a layer's sigma_max", where + " sigma_max", r.table().doubleColumn("sigma_max").getDouble(l),
                                row.get("sigma_max").asDouble());
                        close("a layer's sigma_max", where + " product", r.table().doubleColumn("product").getDouble(l),
                                row.get("product").asDouble());
                        close("sigma_max of the first layers together", where + " network_upto",
                                r.table().doubleColumn("network_upto").getDouble(l), row.get("upto_sigma_max").asDouble());
                    }
                    close("sigma_max of the first layers together", name + " network", r.network(),
                            c.get("network_sigma_max").asDouble());
                }));
    }
}
