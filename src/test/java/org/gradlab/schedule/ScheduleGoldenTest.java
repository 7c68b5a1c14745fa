package org.gradlab.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.gradlab.Golden;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** Every schedule and plateau case of schedules.json, step by step, momentum included. */
class ScheduleGoldenTest {
    private static final JsonNode GOLDEN = Golden.load("schedules.json");

    /** The gradlab schedule for a torch scheduler spec on an optimizer with learning rate {@code lr}. */
    static Schedule schedule(JsonNode spec, double lr) {
        JsonNode a = spec.get("args");
        return switch (spec.get("type").asText()) {
            case "StepLR" -> Schedule.step(lr, a.get("step_size").asLong(), a.path("gamma").asDouble(0.1));
            case "MultiStepLR" -> Schedule.multiStep(lr, longs(a.get("milestones")), a.path("gamma").asDouble(0.1));
            case "ExponentialLR" -> Schedule.exponential(lr, a.get("gamma").asDouble());
            case "CosineAnnealingLR" -> Schedule.cosine(lr, a.get("T_max").asLong(), a.path("eta_min").asDouble(0));
            case "CosineAnnealingWarmRestarts" -> Schedule.cosineWarmRestarts(lr, a.get("T_0").asLong(),
                    a.path("T_mult").asInt(1), a.path("eta_min").asDouble(0));
            case "LinearLR" -> Schedule.linear(lr, a.path("start_factor").asDouble(1.0 / 3),
                    a.path("end_factor").asDouble(1.0), a.path("total_iters").asLong(5));
            case "PolynomialLR" -> Schedule.polynomial(lr, a.path("total_iters").asLong(5), a.path("power").asDouble(1));
            case "ConstantLR" -> Schedule.constantFactor(lr, a.path("factor").asDouble(1.0 / 3), a.path("total_iters").asLong(5));
            case "OneCycleLR" -> {
                OneCycle s = Schedule.oneCycle(a.get("max_lr").asDouble(), a.get("total_steps").asLong());
                if (a.path("anneal_strategy").asText("cos").equals("linear")) {
                    s = s.withAnneal(OneCycle.Anneal.LINEAR);
                }
                yield a.path("three_phase").asBoolean(false) ? s.withThreePhase() : s;
            }
            case "CyclicLR" -> {
                Cyclic s = Schedule.cyclic(a.get("base_lr").asDouble(), a.get("max_lr").asDouble(),
                        a.path("step_size_up").asLong(2000));
                yield switch (a.path("mode").asText("triangular")) {
                    case "triangular2" -> s.withMode(Cyclic.Mode.TRIANGULAR2);
                    case "exp_range" -> s.withExpRange(a.path("gamma").asDouble(1));
                    default -> s;
                };
            }
            case "SequentialLR" -> {
                List<Schedule> parts = new ArrayList<>();
                a.get("schedulers").forEach(s -> parts.add(schedule(s, lr)));
                yield Schedule.sequence(parts, longs(a.get("milestones")));
            }
            case "ChainedScheduler" -> {
                Schedule chained = schedule(a.get("schedulers").get(0), lr);
                for (int i = 1; i < a.get("schedulers").size(); i++) {
                    chained = chained.times(schedule(a.get("schedulers").get(i), 1.0));
                }
                yield chained;
            }
            default -> throw new AssertionError("no gradlab schedule for " + spec);
        };
    }

    private static long[] longs(JsonNode array) {
        long[] v = new long[array.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = array.get(i).asLong();
        }
        return v;
    }

    @TestFactory
    Stream<DynamicTest> everyScheduleMatchesPyTorch() {
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : GOLDEN.get("cases")) {
            tests.add(DynamicTest.dynamicTest(c.get("name").asText(), () -> {
                Schedule s = schedule(c.get("scheduler"), c.get("optimizer").get("args").get("lr").asDouble());
                int n = c.get("steps").asInt();
                double[] lr = new double[n + 1];
                for (int k = 0; k <= n; k++) {
                    lr[k] = s.at(k);
                }
                double[] expected = new double[n + 1];
                System.arraycopy(Golden.numbers(c.get("lr")), 0, expected, 0, n);
                expected[n] = Golden.number(c.get("lr_after_last_step"));
                Golden.assertClose(c.get("name").asText() + " lr", lr, expected);
                if (c.has("momentum")) {
                    double[] m = new double[n];
                    for (int k = 0; k < n; k++) {
                        m[k] = s.momentumAt(k).orElseThrow();
                    }
                    Golden.assertClose(c.get("name").asText() + " momentum", m, Golden.numbers(c.get("momentum")));
                }
            }));
        }
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> plateauMatchesReduceLROnPlateau() {
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : GOLDEN.get("plateau_cases")) {
            tests.add(DynamicTest.dynamicTest(c.get("name").asText(), () -> {
                JsonNode a = c.get("scheduler").get("args");
                Plateau.Config d = Plateau.Config.defaults();
                Plateau p = Plateau.of(new Plateau.Config(
                        Plateau.Mode.valueOf(a.path("mode").asText("min").toUpperCase()),
                        a.path("factor").asDouble(d.factor()), a.path("patience").asInt(d.patience()),
                        a.path("threshold").asDouble(d.threshold()),
                        Plateau.ThresholdMode.valueOf(a.path("threshold_mode").asText("rel").toUpperCase()),
                        a.path("cooldown").asInt(d.cooldown()), a.path("min_lr").asDouble(d.minLr()),
                        a.path("eps").asDouble(d.eps())));
                double base = c.get("lr_initial").asDouble();
                double[] metrics = Golden.numbers(c.get("metrics"));
                for (int i = 0; i < metrics.length; i++) {
                    p.observe(metrics[i], base);
                    String at = c.get("name").asText() + " after metric " + i;
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
}
