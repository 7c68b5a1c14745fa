package org.gradlab.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.gradlab.Golden;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.opentest4j.AssertionFailedError;

/**
 * Every schedule and plateau case of schedules.json, step by step, momentum included. Every
 * argument a trace passes to torch is mapped to a gradlab setting ({@link Golden.Args}); one
 * that is not fails its case.
 */
class ScheduleGoldenTest {
    private static final JsonNode GOLDEN = Golden.load("schedules.json");

    /** The gradlab schedule for a torch scheduler spec on an optimizer with learning rate {@code lr}. */
    static Schedule schedule(String where, JsonNode spec, double lr) {
        Golden.Args a = Golden.Args.of(where, spec);
        Schedule s = switch (spec.path("type").asText()) {
            case "StepLR" -> Schedule.step(lr, a.integer("step_size"), a.number("gamma", 0.1));
            case "MultiStepLR" -> Schedule.multiStep(lr, longs(a.node("milestones")), a.number("gamma", 0.1));
            case "ExponentialLR" -> Schedule.exponential(lr, a.number("gamma"));
            case "CosineAnnealingLR" -> Schedule.cosine(lr, a.integer("T_max"), a.number("eta_min", 0));
            case "CosineAnnealingWarmRestarts" -> Schedule.cosineWarmRestarts(lr, a.integer("T_0"),
                    Math.toIntExact(a.integer("T_mult", 1)), a.number("eta_min", 0));
            case "LinearLR" -> Schedule.linear(lr, a.number("start_factor", 1.0 / 3), a.number("end_factor", 1.0),
                    a.integer("total_iters", 5));
            case "PolynomialLR" -> Schedule.polynomial(lr, a.integer("total_iters", 5), a.number("power", 1));
            case "ConstantLR" -> Schedule.constantFactor(lr, a.number("factor", 1.0 / 3), a.integer("total_iters", 5));
            case "OneCycleLR" -> oneCycle(a);
            case "CyclicLR" -> cyclic(a);
            case "SequentialLR" -> {
                List<Schedule> parts = new ArrayList<>();
                a.node("schedulers").forEach(p -> parts.add(schedule(where, p, lr)));
                yield Schedule.sequence(parts, longs(a.node("milestones")));
            }
            case "ChainedScheduler" -> {
                JsonNode parts = a.node("schedulers");
                Schedule chained = schedule(where, parts.get(0), lr);
                for (int i = 1; i < parts.size(); i++) {
                    chained = chained.times(schedule(where, parts.get(i), 1.0));
                }
                yield chained;
            }
            default -> fail(where + ": no gradlab schedule for " + spec.path("type"));
        };
        a.done();
        return s;
    }

    /** OneCycleLR: total_steps, or epochs * steps_per_epoch as torch computes it. */
    private static OneCycle oneCycle(Golden.Args a) {
        long total = a.has("total_steps") ? a.integer("total_steps")
                : a.integer("epochs") * a.integer("steps_per_epoch");
        OneCycle s = Schedule.oneCycle(a.number("max_lr"), total)
                .withPctStart(a.number("pct_start", 0.3))
                .withAnneal(a.choice("anneal_strategy", "cos", "cos", "linear").equals("cos")
                        ? OneCycle.Anneal.COS : OneCycle.Anneal.LINEAR)
                .withDivFactors(a.number("div_factor", 25), a.number("final_div_factor", 1e4))
                .withMomentum(a.number("base_momentum", 0.85), a.number("max_momentum", 0.95));
        s = a.flag("three_phase", false) ? s.withThreePhase() : s;
        return a.flag("cycle_momentum", true) ? s : s.withoutMomentumCycling();
    }

    /** CyclicLR: step_size_down defaults to step_size_up; gamma only acts in exp_range mode, in torch too. */
    private static Cyclic cyclic(Golden.Args a) {
        long up = a.integer("step_size_up", 2000);
        Cyclic s = Schedule.cyclic(a.number("base_lr"), a.number("max_lr"), up)
                .withStepSizeDown(a.integer("step_size_down", up))
                .withMomentum(a.number("base_momentum", 0.8), a.number("max_momentum", 0.9));
        double gamma = a.number("gamma", 1.0);
        s = switch (a.choice("mode", "triangular", "triangular", "triangular2", "exp_range")) {
            case "triangular2" -> s.withMode(Cyclic.Mode.TRIANGULAR2);
            case "exp_range" -> s.withExpRange(gamma);
            default -> s;
        };
        return a.flag("cycle_momentum", true) ? s : s.withoutMomentumCycling();
    }

    private static long[] longs(JsonNode array) {
        long[] v = new long[array.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = array.get(i).asLong();
        }
        return v;
    }

    /**
     * The optimizer's learning rate; its momentum only matters to a schedule that cycles it
     * (and then overwrites it), so elsewhere it is an argument the test cannot map.
     */
    static double baseLr(String where, JsonNode optimizer, boolean cyclesMomentum) {
        assertEquals("SGD", optimizer.path("type").asText(), where + ": schedules run on SGD");
        Golden.Args a = Golden.Args.of(where + " optimizer", optimizer);
        double lr = a.number("lr");
        if (a.has("momentum")) {
            a.number("momentum", 0);
            assertTrue(cyclesMomentum, where + ": the optimizer's momentum is set but the schedule does not cycle it");
        }
        a.done();
        return lr;
    }

    @TestFactory
    Stream<DynamicTest> everyScheduleMatchesPyTorch() {
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : GOLDEN.get("cases")) {
            String name = c.get("name").asText();
            tests.add(DynamicTest.dynamicTest(name, () -> {
                JsonNode optimizer = c.get("optimizer");
                Schedule s = schedule(name, c.get("scheduler"), Golden.number(optimizer.path("args").path("lr")));
                baseLr(name, optimizer, s.momentumAt(0).isPresent());
                int n = c.get("steps").asInt();
                double[] lr = new double[n + 1];
                for (int k = 0; k <= n; k++) {
                    lr[k] = s.at(k);
                }
                double[] expected = new double[n + 1];
                System.arraycopy(Golden.numbers(c.get("lr")), 0, expected, 0, n);
                expected[n] = Golden.number(c.get("lr_after_last_step"));
                Golden.assertClose(name + " lr", lr, expected);
                if (c.has("momentum")) {
                    double[] m = new double[n];
                    for (int k = 0; k < n; k++) {
                        m[k] = s.momentumAt(k).orElseThrow();
                    }
                    Golden.assertClose(name + " momentum", m, Golden.numbers(c.get("momentum")));
                } else {
                    assertTrue(s.momentumAt(0).isEmpty(), name + ": torch leaves momentum alone, gradlab cycles it");
                }
            }));
        }
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> plateauMatchesReduceLROnPlateau() {
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : GOLDEN.get("plateau_cases")) {
            String name = c.get("name").asText();
            tests.add(DynamicTest.dynamicTest(name, () -> {
                Golden.Args a = Golden.Args.of(name, c.get("scheduler"));
                Plateau.Config d = Plateau.Config.defaults();
                Plateau p = Plateau.of(new Plateau.Config(
                        Plateau.Mode.valueOf(a.choice("mode", "min", "min", "max").toUpperCase()),
                        a.number("factor", d.factor()), Math.toIntExact(a.integer("patience", d.patience())),
                        a.number("threshold", d.threshold()),
                        Plateau.ThresholdMode.valueOf(a.choice("threshold_mode", "rel", "rel", "abs").toUpperCase()),
                        Math.toIntExact(a.integer("cooldown", d.cooldown())), a.number("min_lr", d.minLr()),
                        a.number("eps", d.eps())));
                a.done();
                double base = baseLr(name, c.get("optimizer"), false);
                assertEquals(c.get("lr_initial").asDouble(), base, 0.0, name + " lr_initial");
                double[] metrics = Golden.numbers(c.get("metrics"));
                for (int i = 0; i < metrics.length; i++) {
                    p.observe(metrics[i], base);
                    String at = name + " after metric " + i;
                    Golden.assertClose(at + " lr", new double[] {p.apply(base)},
                            new double[] {Golden.number(c.get("lr_after_step").get(i))});
                    assertEquals(Golden.number(c.get("best_after_step").get(i)), p.state().best(), 0.0, at + " best");
                    assertEquals(c.get("num_bad_epochs_after_step").get(i).asInt(), p.state().badEpochs(), at + " bad");
                    assertEquals(c.get("cooldown_counter_after_step").get(i).asInt(), p.state().cooldownCounter(),
                            at + " cooldown");
                }
            }));
        }
        return tests.stream();
    }

    @Test
    void aSchedulerArgumentTheTestCannotMapFailsTheCase() {
        JsonNode spec = Golden.parse("{\"type\": \"OneCycleLR\", \"args\": {\"max_lr\": 1.0, "
                + "\"total_steps\": 10, \"verbose\": true}}");
        AssertionFailedError e = assertThrows(AssertionFailedError.class, () -> schedule("case X", spec, 0.1));
        assertEquals("case X: OneCycleLR argument verbose = true is not mapped to gradlab", e.getMessage());
        JsonNode nested = Golden.parse("{\"type\": \"SequentialLR\", \"args\": {\"milestones\": [5], "
                + "\"schedulers\": [{\"type\": \"ConstantLR\", \"args\": {\"factor\": 0.5}}, "
                + "{\"type\": \"StepLR\", \"args\": {\"step_size\": 3, \"last_epoch\": 2}}]}}");
        e = assertThrows(AssertionFailedError.class, () -> schedule("case Y", nested, 0.1));
        assertEquals("case Y: StepLR argument last_epoch = 2 is not mapped to gradlab", e.getMessage());
        JsonNode unknown = Golden.parse("{\"type\": \"LambdaLR\", \"args\": {}}");
        assertThrows(AssertionFailedError.class, () -> schedule("case Z", unknown, 0.1));
    }

    @Test
    void anOptimizerMomentumOnlyMapsWhereTheScheduleCyclesIt() {
        JsonNode sgd = Golden.parse("{\"type\": \"SGD\", \"args\": {\"lr\": 0.1, \"momentum\": 0.9}}");
        assertEquals(0.1, baseLr("case M", sgd, true));
        assertThrows(AssertionFailedError.class, () -> baseLr("case M", sgd, false));
    }
}
