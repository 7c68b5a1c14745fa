package org.gradlab.experiment.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.gradlab.clip.Clip;
import org.gradlab.nn.Activation;
import org.gradlab.schedule.OneCycle;
import org.junit.jupiter.api.Test;

/** The one codec of specs: every kind reachable from JSON, defaults filled, everything else refused in one line. */
class SpecCodecTest {
    /** A minimal JSON of every kind of every spec interface: a new kind without an entry here fails the coverage test. */
    static final Map<Class<?>, Map<String, String>> EXAMPLES = new LinkedHashMap<>();

    static {
        EXAMPLES.put(ModelSpec.class, Map.of(
                "article", "{\"kind\": \"article\"}",
                "mlp", "{\"kind\": \"mlp\", \"depth\": 3, \"width\": 8, \"activation\": \"gelu\", \"init\": {\"kind\": \"xavier_normal\"}}",
                "recurrent", "{\"kind\": \"recurrent\", \"cell\": \"lstm\", \"hidden\": 8}",
                "layers", "{\"kind\": \"layers\", \"layers\": [{\"kind\": \"linear\", \"out\": 10}]}",
                "registered", "{\"kind\": \"registered\", \"name\": \"" + TestModels.NAME + "\", \"args\": {\"width\": 16}}"));
        EXAMPLES.put(LayerSpec.class, Map.ofEntries(
                Map.entry("linear", "{\"kind\": \"linear\", \"out\": 4, \"init\": {\"kind\": \"lecun_normal\", \"gain\": 2}}"),
                Map.entry("activation", "{\"kind\": \"activation\", \"fn\": \"sigmoid\"}"),
                Map.entry("dropout", "{\"kind\": \"dropout\", \"p\": 0.1}"),
                Map.entry("batchnorm", "{\"kind\": \"batchnorm\"}"),
                Map.entry("layernorm", "{\"kind\": \"layernorm\", \"eps\": 1e-6}"),
                Map.entry("residual", "{\"kind\": \"residual\", \"layers\": [{\"kind\": \"activation\", \"fn\": \"tanh\"}]}"),
                Map.entry("scale", "{\"kind\": \"scale\", \"factor\": 0.5}"),
                Map.entry("rows", "{\"kind\": \"rows\", \"width\": 4}"),
                Map.entry("recurrent", "{\"kind\": \"recurrent\", \"cell\": \"rnn_relu\", \"hidden\": 3, \"layers\": 2}"),
                Map.entry("last_step", "{\"kind\": \"last_step\"}"),
                Map.entry("block", "{\"kind\": \"block\", \"layers\": [{\"kind\": \"linear\", \"out\": 3}]}"),
                Map.entry("input_guard", "{\"kind\": \"input_guard\", \"low\": 0, \"high\": 1, \"policy\": \"clamp\"}"),
                Map.entry("output_guard", "{\"kind\": \"output_guard\", \"layers\": [{\"kind\": \"linear\", \"out\": 3}]}")));
        EXAMPLES.put(OptimizerSpec.class, Map.of(
                "sgd", "{\"kind\": \"sgd\", \"momentum\": 0.9, \"nesterov\": true, \"weightDecay\": 1e-4}",
                "adam", "{\"kind\": \"adam\", \"amsgrad\": true}",
                "adamw", "{\"kind\": \"adamw\", \"groups\": [{\"select\": \"bias_and_norm\", \"weightDecay\": 0}]}",
                "rmsprop", "{\"kind\": \"rmsprop\", \"centered\": true, \"momentum\": 0.5}",
                "adagrad", "{\"kind\": \"adagrad\", \"lrDecay\": 1e-3}"));
        EXAMPLES.put(ScheduleSpec.class, Map.ofEntries(
                Map.entry("constant", "{\"kind\": \"constant\", \"lr\": 0.1}"),
                Map.entry("step", "{\"kind\": \"step\", \"lr\": 0.1, \"stepSize\": 3}"),
                Map.entry("multistep", "{\"kind\": \"multistep\", \"lr\": 0.1, \"milestones\": [2, 4]}"),
                Map.entry("exponential", "{\"kind\": \"exponential\", \"lr\": 0.1, \"gamma\": 0.9, \"interval\": \"step\"}"),
                Map.entry("linear", "{\"kind\": \"linear\", \"lr\": 0.1}"),
                Map.entry("constant_factor", "{\"kind\": \"constant_factor\", \"lr\": 0.1, \"factor\": 0.5}"),
                Map.entry("polynomial", "{\"kind\": \"polynomial\", \"lr\": 0.1, \"power\": 2}"),
                Map.entry("cosine", "{\"kind\": \"cosine\", \"lr\": 0.1}"),
                Map.entry("cosine_warm_restarts", "{\"kind\": \"cosine_warm_restarts\", \"lr\": 0.1, \"t0\": 2, \"tMult\": 2}"),
                Map.entry("onecycle", "{\"kind\": \"onecycle\", \"maxLr\": 0.1, \"anneal\": \"linear\", \"threePhase\": true}"),
                Map.entry("cyclic", "{\"kind\": \"cyclic\", \"baseLr\": 0.01, \"maxLr\": 0.1, \"stepSizeUp\": 50, \"mode\": \"exp_range\", \"gamma\": 0.99}"),
                Map.entry("warmup", "{\"kind\": \"warmup\", \"length\": 100, \"interval\": \"step\", \"then\": {\"kind\": \"cosine\", \"lr\": 0.1}}"),
                Map.entry("sequence", "{\"kind\": \"sequence\", \"schedules\": [{\"kind\": \"constant\", \"lr\": 0.01}, "
                        + "{\"kind\": \"exponential\", \"lr\": 0.1, \"gamma\": 0.5}], \"milestones\": [1]}"),
                Map.entry("chained", "{\"kind\": \"chained\", \"schedule\": {\"kind\": \"exponential\", \"lr\": 0.1, \"gamma\": 0.9}, "
                        + "\"factor\": {\"kind\": \"linear\", \"lr\": 1, \"totalIters\": 2}}"),
                Map.entry("plateau", "{\"kind\": \"plateau\", \"base\": {\"kind\": \"constant\", \"lr\": 0.1}, \"patience\": 1}")));
        EXAMPLES.put(TransformSpec.class, Map.of(
                "global_norm", "{\"kind\": \"global_norm\", \"maxNorm\": 1, \"normType\": Infinity, \"nonFinite\": \"skip\"}",
                "value", "{\"kind\": \"value\", \"clipValue\": 0.5}",
                "per_layer", "{\"kind\": \"per_layer\", \"maxNorm\": 2}",
                "agc", "{\"kind\": \"agc\", \"clipping\": 0.01, \"vectors\": \"elements\"}",
                "autoclip", "{\"kind\": \"autoclip\", \"percentile\": 90}",
                "zclip", "{\"kind\": \"zclip\"}",
                "skip_non_finite", "{\"kind\": \"skip_non_finite\"}",
                "shadow", "{\"kind\": \"shadow\", \"clip\": {\"kind\": \"autoclip\"}}"));
        EXAMPLES.put(DataSpec.class, Map.of(
                "digits", "{\"kind\": \"digits\", \"train\": 500, \"batch\": 16}",
                "idx", "{\"kind\": \"idx\", \"images\": \"a.gz\", \"labels\": \"b.gz\"}",
                "csv", "{\"kind\": \"csv\", \"path\": \"data/blobs.csv\", \"label\": \"label\"}",
                "registered", "{\"kind\": \"registered\", \"name\": \"" + TestModels.DATA + "\"}"));
        EXAMPLES.put(LossSpec.class, Map.of(
                "cross_entropy", "{\"kind\": \"cross_entropy\", \"labelSmoothing\": 0.1}",
                "mse", "{\"kind\": \"mse\"}"));
    }

    @Test
    void everyKindOfEverySpecDecodesAndRoundTrips() {
        TestModels.register();
        for (var e : EXAMPLES.entrySet()) {
            assertEquals(SpecCodec.kinds(e.getKey()).keySet(), e.getValue().keySet(), e.getKey().getSimpleName() + " kinds");
            for (var k : e.getValue().entrySet()) {
                Object spec = SpecCodec.read(k.getValue(), e.getKey());
                assertEquals(k.getKey(), SpecCodec.encode(spec).get("kind").asText());
                assertEquals(spec, SpecCodec.read(SpecCodec.write(spec), e.getKey()), k.getValue());
            }
        }
    }

    @Test
    void leftOutPropertiesTakeTheirDefaults() {
        OptimizerSpec.AdamSpec adam = SpecCodec.read("{\"kind\": \"adam\"}", OptimizerSpec.AdamSpec.class);
        assertEquals(new OptimizerSpec.AdamSpec(0.9, 0.999, 1e-8, 0, false, List.of()), adam);
        ScheduleSpec.OneCycleSpec oc = SpecCodec.read("{\"kind\": \"onecycle\", \"maxLr\": 0.2}", ScheduleSpec.OneCycleSpec.class);
        assertEquals(new ScheduleSpec.OneCycleSpec(0.2, null, 0.3, OneCycle.Anneal.COS, 25, 1e4, false, true, 0.85, 0.95), oc);
        ModelSpec.Mlp mlp = SpecCodec.read("{\"kind\": \"mlp\", \"depth\": 4, \"width\": 32}", ModelSpec.Mlp.class);
        assertEquals(Activation.Kind.RELU, mlp.activation());
        assertEquals(InitSpec.of(InitSpec.Kind.PYTORCH), mlp.init());
        RunSpec r = SpecCodec.read("{\"part\": \"p\", \"config\": \"c\", \"model\": {\"kind\": \"article\"}, "
                + "\"optimizer\": {\"kind\": \"sgd\"}, \"schedule\": {\"kind\": \"constant\", \"lr\": 0.1}}", RunSpec.class);
        assertEquals(DataSpec.Digits.DEFAULT, r.data());
        assertEquals(10, r.epochs());
        assertEquals(new TransformSpec.GlobalNorm(1, 2, Clip.NonFinite.PROPAGATE),
                SpecCodec.read("{\"kind\": \"global_norm\", \"maxNorm\": 1}", TransformSpec.class));
    }

    @Test
    void badDocumentsAreRefusedInOneLineNamingThePlace() {
        String base = "{\"part\": \"p\", \"config\": \"c\", \"model\": %s, \"optimizer\": %s, \"schedule\": %s%s}";
        String model = "{\"kind\": \"mlp\", \"depth\": 3, \"width\": 8}";
        String opt = "{\"kind\": \"sgd\"}";
        String sched = "{\"kind\": \"constant\", \"lr\": 0.1}";
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put(String.format(base, "{\"kind\": \"mlp\", \"depth\": 3.7, \"width\": 8}", opt, sched, ""),
                "model.depth: must be a whole number, got 3.7");
        cases.put(String.format(base, model, opt, sched, ", \"epochs\": 1.9"), "epochs: must be a whole number, got 1.9");
        cases.put(String.format(base, model, opt, sched, ", \"epochs\": 1000000000"), "epochs must be in [1, 1000], got 1000000000");
        cases.put(String.format(base, model, "{\"kind\": \"sgd\", \"momentum\": \"0.9\"}", sched, ""),
                "optimizer.momentum: must be a number, got '0.9'");
        cases.put(String.format(base, model, "{\"kind\": \"sgd\", \"momentun\": 0.9}", sched, ""),
                "optimizer: unknown property 'momentun'; expected one of [momentum, dampening, weightDecay, nesterov, groups]");
        cases.put(String.format(base, model, "{\"kind\": \"lbfgs\"}", sched, ""),
                "optimizer: unknown kind 'lbfgs', expected one of [sgd, adam, adamw, rmsprop, adagrad]");
        cases.put(String.format(base, "{\"depth\": 3}", opt, sched, ""), "model: needs \"kind\", one of");
        cases.put(String.format(base, model, opt, "{\"kind\": \"constant\"}", ""), "schedule.lr is missing (a number)");
        cases.put(String.format(base, model, opt, sched, ", \"gradients\": [{\"kind\": \"global_norm\", \"maxNorm\": -1}]"),
                "gradients[0]: globalNorm: maxNorm must be finite and > 0, got -1.0");
        cases.put(String.format(base, "{\"kind\": \"mlp\", \"depth\": 3, \"width\": 8, \"norm\": \"groupnorm\"}", opt, sched, ""),
                "model.norm: must be one of [none, layernorm, batchnorm], got 'groupnorm'");
        cases.put(String.format(base, model, opt, "{\"kind\": \"onecycle\", \"maxLr\": 0.1}", "")
                .replace("\"sgd\"", "\"adagrad\""), "schedule: it cycles momentum but the optimizer has none");
        cases.put("{\"part\": \"a__b\", \"config\": \"c\"}", "");
        cases.put("[1, 2", "not valid JSON at line 1");
        cases.put("{\"a\": 1, \"a\": 2}", "not valid JSON at line 1, column 13: Duplicate field 'a'");
        for (var c : cases.entrySet()) {
            var e = assertThrows(IllegalArgumentException.class, () -> SpecCodec.read(c.getKey(), RunSpec.class), c.getKey());
            assertTrue(e.getMessage().contains(c.getValue()), c.getKey() + " -> " + e.getMessage());
            assertEquals(1, e.getMessage().lines().count(), e.getMessage());
            assertTrue(!e.getMessage().contains("REDACTED") && !e.getMessage().contains("com.fasterxml"), e.getMessage());
        }
    }

    @Test
    void aRegisteredModelBuildsFromItsArguments() {
        TestModels.register();
        ModelSpec m = SpecCodec.read(EXAMPLES.get(ModelSpec.class).get("registered"), ModelSpec.class);
        var net = m.build(new ModelSpec.Shape(784, 10), 3);
        assertEquals(784 * 16 + 16 + 16 * 10 + 10, net.paramCount());
        var e = assertThrows(IllegalArgumentException.class, () -> SpecCodec.read(
                "{\"kind\": \"registered\", \"name\": \"nobody\"}", ModelSpec.class));
        assertTrue(e.getMessage().startsWith("name: no model factory is registered as 'nobody'"), e.getMessage());
    }
}
