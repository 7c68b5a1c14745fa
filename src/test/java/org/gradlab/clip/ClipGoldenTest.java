package org.gradlab.clip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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

/** clip_grad_norm_ (norm types 1, 2, inf; NaN and inf), clip_grad_value_ and AGC against clipping.json. */
class ClipGoldenTest {
    private static final JsonNode GOLDEN = Golden.load("clipping.json");

    private static Map<String, Param> params(JsonNode grads) {
        Map<String, Param> m = new LinkedHashMap<>();
        for (int i = 0; i < grads.size(); i++) {
            Param p = new Param("g" + i, Golden.tensor(grads.get(i)).ulike().assign(1));
            p.grad().assign(Golden.tensor(grads.get(i)));
            m.put("g" + i, p);
        }
        return m;
    }

    private static GradNorms.NormType normType(JsonNode n) {
        double v = Golden.number(n);
        return v == 1 ? GradNorms.NormType.L1 : v == 2 ? GradNorms.NormType.L2 : GradNorms.NormType.INF;
    }

    @TestFactory
    Stream<DynamicTest> globalNormAndValueClippingMatchPyTorch() {
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode set : GOLDEN.get("parameter_sets")) {
            String name = set.get("name").asText();
            for (JsonNode c : set.get("clip_grad_norm_")) {
                String id = name + " max_norm=" + c.get("max_norm").asText() + " norm_type=" + c.get("norm_type").asText();
                tests.add(DynamicTest.dynamicTest(id, () -> {
                    Map<String, Param> ps = params(set.get("grads"));
                    double max = c.get("max_norm").asDouble();
                    GradNorms.NormType type = normType(c.get("norm_type"));
                    ClipReport r = Clip.globalNorm(max, type, Clip.NonFinite.PROPAGATE).applyInPlace(ps);
                    Golden.assertClose(id + " total norm", new double[] {r.totalNorm()},
                            new double[] {Golden.number(c.get("total_norm"))});
                    int i = 0;
                    for (Param p : ps.values()) {
                        Golden.assertClose(id + " grad " + i, p.grad(), c.get("clipped_grads").get(i++));
                    }
                    Map<String, Param> again = params(set.get("grads"));
                    Clip strict = Clip.globalNorm(max, type, Clip.NonFinite.ERROR);
                    if (c.get("raises_if_error_if_nonfinite_true").asBoolean()) {
                        assertThrows(NonFiniteGradientException.class, () -> strict.applyInPlace(again));
                    } else {
                        strict.applyInPlace(again);
                    }
                }));
            }
            tests.add(DynamicTest.dynamicTest(name + " clip_grad_value_", () -> {
                JsonNode c = set.get("clip_grad_value_");
                Map<String, Param> ps = params(set.get("grads"));
                Clip.value(c.get("clip_value").asDouble()).applyInPlace(ps);
                int i = 0;
                for (Param p : ps.values()) {
                    Golden.assertClose(name + " value-clipped grad " + i, p.grad(), c.get("clipped_grads").get(i++));
                }
            }));
        }
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> adaptiveClippingMatchesTheReference() {
        JsonNode agc = GOLDEN.get("agc");
        Clip clip = Clip.adaptive(agc.get("clipping").asDouble(), agc.get("eps").asDouble());
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : agc.get("cases")) {
            tests.add(DynamicTest.dynamicTest(c.get("name").asText(), () -> {
                Param p = new Param(c.get("name").asText(), Golden.tensor(c.get("param")));
                p.grad().assign(Golden.tensor(c.get("grad")));
                ClipReport r = clip.applyInPlace(Map.of(p.name(), p));
                Golden.assertClose(c.get("name").asText(), p.grad(), c.get("clipped_grad"));
                long kept = 0;
                for (JsonNode k : c.get("kept_unclipped").get("data")) {
                    kept += k.asBoolean() || k.asDouble() != 0 ? 1 : 0;
                }
                assertEquals(c.get("kept_unclipped").get("data").size() - kept, r.clipped(), "units clipped");
            }));
        }
        return tests.stream();
    }
}
