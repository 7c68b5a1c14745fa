package org.gradlab.diagnostics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import org.gradlab.clip.GradStats;
import org.gradlab.nn.Param;
import org.gradlab.train.StepContext;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The monitor's rules: from a step's gradient statistics and loss, the alarms it raises
 * (non-finite values with their source, explosions of the global norm or of one parameter's,
 * loss spikes, vanishing gradients, update/weight ratios outside the band), judged against
 * running statistics ({@link RunningStats}) that leave spikes out, each alarm for the same
 * parameter at most once per cooldown. After the loss turns non-finite the run has diverged:
 * one {@code NON_FINITE} alarm says so and no rule fires again until the loss is finite.
 */
final class AlarmRules {
    private final Monitor.Config config;
    private final RunningStats global;
    private final RunningStats loss;
    private RunningStats[] perParam;
    private final Map<String, Long> lastRaised = new HashMap<>();
    private boolean diverged;

    AlarmRules(Monitor.Config config) {
        this.config = config;
        this.global = new RunningStats(config.alpha(), config.warmup());
        this.loss = new RunningStats(config.alpha(), config.warmup());
    }

    Monitor.RulesState state(Map<String, Param> params) {
        Map<String, RunningStats.State> per = new LinkedHashMap<>();
        int i = 0;
        for (String n : params.keySet()) {
            per.put(n, perParam == null ? new RunningStats.State(0, 0, 0) : perParam[i].state());
            i++;
        }
        List<Monitor.Cooldown> cool = new ArrayList<>();
        lastRaised.forEach((k, v) -> cool.add(new Monitor.Cooldown(k, v)));
        cool.sort(java.util.Comparator.comparing(Monitor.Cooldown::key));
        return new Monitor.RulesState(global.state(), loss.state(), per, cool, diverged);
    }

    void requireFits(Monitor.RulesState s, Map<String, Param> params) {
        if (!s.perParam().keySet().equals(params.keySet())) {
            throw new IllegalArgumentException("monitor: the state watches " + s.perParam().keySet() + " but the model has "
                    + params.keySet());
        }
    }

    void restore(Monitor.RulesState s, Map<String, Param> params) {
        global.restore(s.global());
        loss.restore(s.loss());
        perParam = new RunningStats[params.size()];
        int i = 0;
        for (String n : params.keySet()) {
            perParam[i] = new RunningStats(config.alpha(), config.warmup());
            perParam[i++].restore(s.perParam().get(n));
        }
        lastRaised.clear();
        s.cooldowns().forEach(c -> lastRaised.put(c.key(), c.step()));
        diverged = s.diverged();
    }

    /** The alarms a step's gradients and loss raise, past their cooldowns (and recorded as raised). */
    List<Alarm> onGradients(StepContext ctx) {
        GradStats s = ctx.gradStats();
        if (perParam == null) {
            perParam = new RunningStats[s.size()];
            for (int i = 0; i < perParam.length; i++) {
                perParam[i] = new RunningStats(config.alpha(), config.warmup());
            }
        }
        List<Alarm> raised = new ArrayList<>();
        if (!Double.isFinite(ctx.loss())) {
            if (!diverged) {
                diverged = true;
                nonFinite(ctx, "diverged at step " + ctx.step() + ": ", raised);
            }
            return raised;
        }
        diverged = false;
        if (!s.allFinite()) {
            nonFinite(ctx, "step " + ctx.step() + ": ", raised);
        } else {
            explosion(ctx, raised);
            vanishing(s, ctx.step(), raised);
        }
        return raised;
    }

    /** Whether the loss is non-finite since the last finite one: the rules are silent then. */
    boolean diverged() {
        return diverged;
    }

    private void nonFinite(StepContext ctx, String opening, List<Alarm> raised) {
        GradStats s = ctx.gradStats();
        String first = s.firstNonFiniteInBackwardOrder();
        String layer = first == null ? "global" : first;
        raiseIfDue(raised, ctx.step(), Alarm.Kind.NON_FINITE, layer, () -> new Alarm(ctx.step(), Alarm.Kind.NON_FINITE, layer,
                Double.NaN, Double.NaN, opening + "non-finite values came from " + source(ctx)
                        + "; first parameter in backward order with a non-finite gradient: " + layer + " (loss " + ctx.loss() + ")"));
    }

    private static String source(StepContext ctx) {
        String source;
        if (ctx.batch() != null && !finite(ctx.batch().features())) {
            source = "data: the batch's input features";
        } else if (ctx.output() != null && !finite(ctx.output())) {
            source = "the forward pass: the model's output";
        } else if (!Double.isFinite(ctx.loss())) {
            source = "the loss";
        } else {
            source = "the gradients";
        }
        return source;
    }

    private void explosion(StepContext ctx, List<Alarm> raised) {
        GradStats s = ctx.gradStats();
        double g = s.globalNorm();
        boolean globalSpike = spike(global, g);
        int worst = -1;
        double worstZ = 0;
        double floor = Math.max(config.explosionFloor(), 0.1 * g);
        for (int i = 0; i < s.size(); i++) {
            double n = s.norm(i);
            boolean spiked = spike(perParam[i], n);
            if (spiked && n >= floor && perParam[i].z(n) > worstZ) {
                worst = i;
                worstZ = perParam[i].z(n);
            }
            if (!spiked) {
                perParam[i].add(n);
            }
        }
        if (globalSpike || worst >= 0) {
            String layer = worst >= 0 ? s.names()[worst] : "global";
            double value = worst >= 0 ? s.norm(worst) : g;
            double mean = worst >= 0 ? perParam[worst].mean() : global.mean();
            double z = worst >= 0 ? worstZ : global.z(g);
            raiseIfDue(raised, ctx.step(), Alarm.Kind.EXPLOSION, layer, () -> new Alarm(ctx.step(), Alarm.Kind.EXPLOSION, layer, value,
                    mean * config.explosionFactor(), String.format(Locale.ROOT, "step %d: gradient norm of %s is %.3g, %.3gx "
                            + "its running mean (z = %.3g); global norm %.3g", ctx.step(), layer, value, value / mean,
                            z, g)));
        } else {
            global.add(g);
        }
        double l = ctx.loss();
        if (spike(loss, l)) {
            raiseIfDue(raised, ctx.step(), Alarm.Kind.LOSS_SPIKE, "global", () -> new Alarm(ctx.step(), Alarm.Kind.LOSS_SPIKE,
                    "global", l, loss.mean() * config.explosionFactor(), String.format(Locale.ROOT,
                            "step %d: loss %.3g is %.3gx its running mean (z = %.3g)", ctx.step(), l, l / loss.mean(), loss.z(l))));
        } else {
            loss.add(l);
        }
    }

    private boolean spike(RunningStats r, double x) {
        return r.ready() && r.z(x) > config.explosionZ() && x > config.explosionFactor() * r.mean();
    }

    private void vanishing(GradStats s, long step, List<Alarm> raised) {
        for (int i = 0; i < s.size(); i++) {
            if (s.norm(i) < config.vanishingNorm()) {
                int k = i;
                raiseIfDue(raised, step, Alarm.Kind.VANISHING, s.names()[i], () -> new Alarm(step, Alarm.Kind.VANISHING,
                        s.names()[k], s.norm(k), config.vanishingNorm(), String.format(Locale.ROOT,
                                "step %d: gradient norm of %s is %.3g, below %.1g", step, s.names()[k], s.norm(k),
                                config.vanishingNorm())));
            }
        }
        int first = firstWeight(s, false);
        int last = firstWeight(s, true);
        if (first >= 0 && last > first) {
            double ratio = s.norm(first) / s.norm(last);
            if (ratio < config.vanishingRatio()) {
                raiseIfDue(raised, step, Alarm.Kind.VANISHING, s.names()[first], () -> new Alarm(step, Alarm.Kind.VANISHING,
                        s.names()[first], ratio, config.vanishingRatio(), String.format(Locale.ROOT,
                                "step %d: gradient norm of the first layer (%s) is %.2g times the last one's (%s)", step,
                                s.names()[first], ratio, s.names()[last])));
            }
        }
    }

    /** The update/weight ratio alarm {@code ls} raises past its cooldown (and recorded as raised) into {@code raised}, if any. */
    void updateRatio(LayerStats ls, List<Alarm> raised) {
        double r = ls.updateRatio();
        if (!Double.isFinite(r) || (r >= config.ratioLow() && r <= config.ratioHigh())) {
            return;
        }
        raiseIfDue(raised, ls.step(), Alarm.Kind.UPDATE_RATIO, ls.param(), () -> new Alarm(ls.step(), Alarm.Kind.UPDATE_RATIO,
                ls.param(), r, r < config.ratioLow() ? config.ratioLow() : config.ratioHigh(), String.format(Locale.ROOT,
                        "step %d: update/weight ratio of %s is %.2g, outside [%.0e, %.0e]", ls.step(), ls.param(), r,
                        config.ratioLow(), config.ratioHigh())));
    }

    /**
     * Raises the alarm {@code make} writes when one of {@code kind} on {@code layer} passes its
     * cooldown at {@code step} (the same kind for the same parameter at most once per cooldown),
     * and records it. The message is written only then: a standing condition (a bias whose
     * gradient stays small) meets its rule at every step, and formatting messages the cooldown
     * drops cost about a point of a small model's step.
     */
    private void raiseIfDue(List<Alarm> raised, long step, Alarm.Kind kind, String layer, Supplier<Alarm> make) {
        String key = kind + "/" + layer;
        Long last = lastRaised.get(key);
        if (last == null || step - last >= config.cooldown()) {
            lastRaised.put(key, step);
            raised.add(make.get());
        }
    }

    /** The first (or, from the end, the last) parameter named like a weight. */
    private static int firstWeight(GradStats s, boolean fromEnd) {
        for (int k = 0; k < s.size(); k++) {
            int i = fromEnd ? s.size() - 1 - k : k;
            if (s.names()[i].endsWith("weight")) {
                return i;
            }
        }
        return -1;
    }

    private static boolean finite(INDArray a) {
        double s = a.sumNumber().doubleValue();
        return Double.isFinite(s) || (!a.isNaN().any() && !a.isInfinite().any());
    }
}
