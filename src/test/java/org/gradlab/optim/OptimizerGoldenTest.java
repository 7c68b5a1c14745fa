package org.gradlab.optim;

import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.gradlab.Golden;
import org.gradlab.nn.Param;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Every optimizer case of optimizers.json: parameters and state after each of 20 steps. */
class OptimizerGoldenTest {
    private static final JsonNode GOLDEN = Golden.load("optimizers.json");

    /** The gradlab rule for a torch optimizer spec. */
    static UpdateRule<? extends Record> rule(JsonNode spec) {
        JsonNode a = spec.get("args");
        double wd = a.path("weight_decay").asDouble(0);
        return switch (spec.get("type").asText()) {
            case "SGD" -> new Sgd(a.path("momentum").asDouble(0), a.path("dampening").asDouble(0), wd,
                    a.path("nesterov").asBoolean(false));
            case "Adam" -> {
                Adam adam = Adam.defaults().withWeightDecay(wd);
                yield a.path("amsgrad").asBoolean(false) ? adam.withAmsgrad() : adam;
            }
            case "AdamW" -> {
                AdamW adamW = AdamW.defaults().withWeightDecay(a.path("weight_decay").asDouble(0.01));
                yield a.path("amsgrad").asBoolean(false) ? adamW.withAmsgrad() : adamW;
            }
            case "RMSprop" -> new RmsProp(a.path("alpha").asDouble(0.99), a.path("eps").asDouble(1e-8), wd,
                    a.path("momentum").asDouble(0), a.path("centered").asBoolean(false));
            case "Adagrad" -> new Adagrad(a.path("lr_decay").asDouble(0), wd,
                    a.path("initial_accumulator_value").asDouble(0), a.path("eps").asDouble(1e-10));
            default -> throw new AssertionError("no gradlab rule for " + spec);
        };
    }

    @TestFactory
    Stream<DynamicTest> everyCaseMatchesPyTorch() {
        JsonNode problem = GOLDEN.get("problem");
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : GOLDEN.get("cases")) {
            UpdateRule<? extends Record> rule = rule(c.get("optimizer"));
            tests.add(DynamicTest.dynamicTest(c.get("name").asText(), () -> run(problem, c, rule)));
        }
        return tests.stream();
    }

    private static void run(JsonNode problem, JsonNode c, UpdateRule<? extends Record> rule) {
        double lr = c.get("optimizer").get("args").get("lr").asDouble();
        Map<String, Param> params = new LinkedHashMap<>();
        params.put("w", new Param("w", Golden.tensor(problem.get("w0"))));
        params.put("b", new Param("b", Golden.tensor(problem.get("b0"))));
        Optimizer opt = Optimizer.of(rule);
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
}
