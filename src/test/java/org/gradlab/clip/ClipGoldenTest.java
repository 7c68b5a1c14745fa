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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.opentest4j.AssertionFailedError;

/**
 * clip_grad_norm_ (any p-norm; NaN and inf), clip_grad_value_ and AGC (tensors of rank 1 to 4)
 * against clipping.json. Every argument a trace records is mapped; one that is not fails its case.
 */
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

    /** What a clip_grad_norm_ entry records besides the call's arguments. */
    private static final String[] NORM_RESULTS = {"total_norm", "clip_coef", "clip_coef_clamped", "clipped_grads",
        "raises_if_error_if_nonfinite_true"};

    /** The gradlab clip for a clip_grad_norm_ entry: its max_norm and any p-norm torch accepts. */
    static GradientTransform<?> globalNorm(String where, JsonNode entry, Clip.NonFinite policy) {
        Golden.Args a = Golden.Args.of(where, "clip_grad_norm_", entry, NORM_RESULTS);
        GradientTransform<?> clip = Clip.globalNorm(a.number("max_norm"), GradNorms.NormType.of(a.number("norm_type", 2.0)), policy);
        a.done();
        return clip;
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
                    ClipReport r = globalNorm(id, c, Clip.NonFinite.PROPAGATE).applyInPlace(ps);
                    Golden.assertClose(id + " total norm", new double[] {r.totalNorm()},
                            new double[] {Golden.number(c.get("total_norm"))});
                    Golden.assertClose(id + " scale", new double[] {r.scale()},
                            new double[] {Golden.number(c.get("clip_coef_clamped"))});
                    int i = 0;
                    for (Param p : ps.values()) {
                        Golden.assertClose(id + " grad " + i, p.grad(), c.get("clipped_grads").get(i++));
                    }
                    Map<String, Param> again = params(set.get("grads"));
                    GradientTransform<?> strict = globalNorm(id, c, Clip.NonFinite.ERROR);
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
        Golden.Args a = Golden.Args.of("agc", "adaptive_clip_grad", agc, "note", "formula", "cases");
        GradientTransform<?> clip = Clip.adaptive(a.number("clipping", 0.01), a.number("eps", 1e-3));
        assertEquals(1e-6, a.number("min_grad_norm", 1e-6), 0.0, "agc: gradlab's AGC divides by max(|g|, 1e-6)");
        a.done();
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

    @Test
    void aClipArgumentTheTestCannotMapFailsTheCase() {
        JsonNode entry = Golden.parse("{\"max_norm\": 1.0, \"norm_type\": 3.0, \"foreach\": true, "
                + "\"total_norm\": 2.0}");
        AssertionFailedError e = assertThrows(AssertionFailedError.class,
                () -> globalNorm("case X", entry, Clip.NonFinite.PROPAGATE));
        assertEquals("case X: clip_grad_norm_ argument foreach = true is not mapped to gradlab", e.getMessage());
    }
}
