package org.gradlab.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.gradlab.Golden;
import org.gradlab.nn.Param;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.opentest4j.AssertionFailedError;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Every optimizer case of optimizers.json: parameters and state after each of 20 steps. Every
 * constructor argument a trace sets is mapped ({@link Golden.Args}); one that is not fails the case.
 */
class OptimizerGoldenTest {
    private static final JsonNode GOLDEN = Golden.load("optimizers.json");

    /** A torch optimizer spec in gradlab terms: the update rule and the learning rate. */
    record Mapped(UpdateRule<? extends Record> rule, double lr) {
    }

    /** The gradlab rule for a torch optimizer spec; an argument it cannot map fails the case. */
    static Mapped rule(String where, JsonNode spec) {
        Golden.Args a = Golden.Args.of(where, spec);
        double lr = a.number("lr");      // every trace sets it; torch's defaults differ per optimizer
        UpdateRule<? extends Record> rule = switch (spec.path("type").asText()) {
            case "SGD" -> new Sgd(a.number("momentum", 0), a.number("dampening", 0), a.number("weight_decay", 0),
                    a.flag("nesterov", false));
            case "Adam" -> {
                double[] betas = betas(a);
                Adam adam = Adam.defaults().withBetas(betas[0], betas[1]).withEps(a.number("eps", 1e-8))
                        .withWeightDecay(a.number("weight_decay", 0));
                yield a.flag("amsgrad", false) ? adam.withAmsgrad() : adam;
            }
            case "AdamW" -> {
                double[] betas = betas(a);
                AdamW adamW = AdamW.defaults().withBetas(betas[0], betas[1]).withEps(a.number("eps", 1e-8))
                        .withWeightDecay(a.number("weight_decay", 0.01));
                yield a.flag("amsgrad", false) ? adamW.withAmsgrad() : adamW;
            }
            case "RMSprop" -> new RmsProp(a.number("alpha", 0.99), a.number("eps", 1e-8), a.number("weight_decay", 0),
                    a.number("momentum", 0), a.flag("centered", false));
            case "Adagrad" -> new Adagrad(a.number("lr_decay", 0), a.number("weight_decay", 0),
                    a.number("initial_accumulator_value", 0), a.number("eps", 1e-10));
            default -> fail(where + ": no gradlab rule for " + spec.path("type"));
        };
        a.done();
        return new Mapped(rule, lr);
    }

    /** torch's betas pair, (0.9, 0.999) unless the trace sets it. */
    private static double[] betas(Golden.Args a) {
        if (!a.has("betas")) {
            return new double[] {0.9, 0.999};
        }
        double[] b = Golden.numbers(a.node("betas"));
        assertEquals(2, b.length, "betas is a pair");
        return b;
    }

    @TestFactory
    Stream<DynamicTest> everyCaseMatchesPyTorch() {
        JsonNode problem = GOLDEN.get("problem");
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : GOLDEN.get("cases")) {
            String name = c.get("name").asText();
            tests.add(DynamicTest.dynamicTest(name, () -> run(problem, c, rule(name, c.get("optimizer")))));
        }
        return tests.stream();
    }

    private static void run(JsonNode problem, JsonNode c, Mapped mapped) {
        double lr = mapped.lr();
        Map<String, Param> params = new LinkedHashMap<>();
        params.put("w", new Param("w", Golden.tensor(problem.get("w0"))));
        params.put("b", new Param("b", Golden.tensor(problem.get("b0"))));
        Optimizer opt = Optimizer.of(mapped.rule());
        for (int t = 0; t < problem.get("grads").size(); t++) {
            JsonNode g = problem.get("grads").get(t);
            for (String n : params.keySet()) {
                params.get(n).grad().assign(Golden.tensor(g.get(n)));
            }
            opt.step(params, lr);
            for (String n : params.keySet()) {
                String at = c.get("name").asText() + " step " + t + " " + n;
                Golden.assertClose(at + " param", params.get(n).value(), c.get("params_after_step").get(t).get(n));
                assertState(at, opt.state().get(n), c.get("state_after_step").get(t).get(n));
            }
        }
    }

    /** Compares each torch state entry with the record component of the same meaning. */
    private static void assertState(String at, Record state, JsonNode expected) {
        Map<String, Object> mine = new LinkedHashMap<>();
        if (state instanceof Sgd.State s) {
            mine.put("momentum_buffer", s.momentumBuffer());
        } else if (state instanceof Adam.State s) {
            mine.put("step", s.step());
            mine.put("exp_avg", s.expAvg());
            mine.put("exp_avg_sq", s.expAvgSq());
            mine.put("max_exp_avg_sq", s.maxExpAvgSq());
        } else if (state instanceof RmsProp.State s) {
            mine.put("step", s.step());
            mine.put("square_avg", s.squareAvg());
            mine.put("momentum_buffer", s.momentumBuffer());
            mine.put("grad_avg", s.gradAvg());
        } else if (state instanceof Adagrad.State s) {
            mine.put("step", s.step());
            mine.put("sum", s.sum());
        }
        expected.fields().forEachRemaining(e -> {
            Object v = mine.get(e.getKey());
            if (e.getValue().isNull()) {
                assertNull(v, at + " " + e.getKey());
            } else if (e.getValue().isNumber()) {
                Golden.assertClose(at + " " + e.getKey(), new double[] {((Number) v).doubleValue()},
                        new double[] {e.getValue().asDouble()});
            } else {
                Golden.assertClose(at + " " + e.getKey(), (INDArray) v, e.getValue());
            }
        });
    }

    @Test
    void anOptimizerArgumentTheTestCannotMapFailsTheCase() {
        JsonNode spec = Golden.parse("{\"type\": \"Adam\", \"args\": {\"lr\": 0.01, \"maximize\": true}}");
        AssertionFailedError e = assertThrows(AssertionFailedError.class, () -> rule("case X", spec));
        assertEquals("case X: Adam argument maximize = true is not mapped to gradlab", e.getMessage());
        JsonNode adamW = Golden.parse("{\"type\": \"AdamW\", \"args\": {\"lr\": 0.01, \"betas\": [0.8, 0.9], "
                + "\"eps\": 0.001}}");
        assertEquals(AdamW.defaults().withBetas(0.8, 0.9).withEps(1e-3), rule("case Y", adamW).rule());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> AdamW.defaults().withEps(-1));
        assertEquals("AdamW: eps must be finite and >= 0, got -1.0", bad.getMessage());
    }
}
