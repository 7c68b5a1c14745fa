package org.gradlab.diagnostics;

import org.gradlab.host.Vec;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.gradlab.nn.Param;
import org.nd4j.linalg.api.ndarray.INDArray;
import tech.tablesaw.api.BooleanColumn;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.LongColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * Watches every training step and keeps its numbers as tables: per step the loss, rate and
 * global gradient norm before and after clipping; per parameter (every step or every n) the
 * gradient norm, max |g|, non-finite count, weight norm, update norm and update/weight ratio;
 * and the {@link Alarm}s it raised. It reads the step's {@link GradStats} (no second pass over
 * the gradients) and one pass over the weights per step, which runs on a second core while the
 * next step's forward pass does (the training step itself is single-threaded). Diagnostics read, policies act:
 * the monitor only reports; a {@link SpikePolicy} acts on its alarms.
 *
 * <pre>{@code
 * Monitor monitor = Monitor.create();
 * Trainer trainer = Trainer.builder(model)...monitor(monitor).build();
 * trainer.fit(train, test);
 * System.out.println(monitor.alarms().print());
 * System.out.println(Doctor.diagnose(monitor).markdown());
 * }</pre>
 */
public final class Monitor {

    /**
     * Settings: per-parameter statistics every {@code layerEvery} steps; explosion when a norm's
     * z-score against its running statistics (EMA {@code alpha}, after {@code warmup} steps)
     * exceeds {@code explosionZ} and the norm is at least {@code explosionFactor} times the mean;
     * a single parameter's explosion needs, besides, a norm of at least {@code explosionFloor} and
     * at least a tenth of the global norm (a small gradient jumping while the global norm is
     * healthy is no explosion); the same for the loss; vanishing below {@code vanishingNorm} or when the first layer's
     * gradient norm falls under {@code vanishingRatio} times the last one's; the update/weight
     * ratio band {@code [ratioLow, ratioHigh]} (around DL4J's rule of thumb of 1e-3); the same
     * alarm for the same parameter at most once per {@code cooldown} steps.
     */
    public record Config(int layerEvery, double alpha, int warmup, double explosionZ, double explosionFactor,
            double vanishingNorm, double vanishingRatio, double ratioLow, double ratioHigh, int cooldown,
            double explosionFloor) {
        public Config {
            if (layerEvery < 1) {
                throw new IllegalArgumentException("monitor: layerEvery must be >= 1, got " + layerEvery);
            }
            if (!(alpha > 0 && alpha < 1)) {
                throw new IllegalArgumentException("monitor: alpha must be in (0, 1), got " + alpha);
            }
            if (warmup < 2) {
                throw new IllegalArgumentException("monitor: warmup must be >= 2 steps, got " + warmup);
            }
            if (!(explosionZ > 0) || !(explosionFactor >= 1)) {
                throw new IllegalArgumentException("monitor: need explosionZ > 0 and explosionFactor >= 1, got "
                        + explosionZ + " and " + explosionFactor);
            }
            if (!(vanishingNorm >= 0) || !(vanishingRatio >= 0 && vanishingRatio < 1)) {
                throw new IllegalArgumentException("monitor: need vanishingNorm >= 0 and vanishingRatio in [0, 1), got "
                        + vanishingNorm + " and " + vanishingRatio);
            }
            if (!(ratioLow > 0 && ratioHigh > ratioLow)) {
                throw new IllegalArgumentException("monitor: need 0 < ratioLow < ratioHigh, got " + ratioLow + ", " + ratioHigh);
            }
            if (cooldown < 0) {
                throw new IllegalArgumentException("monitor: cooldown must be >= 0, got " + cooldown);
            }
            if (!(explosionFloor >= 0) || Double.isInfinite(explosionFloor)) {
                throw new IllegalArgumentException("monitor: explosionFloor must be finite and >= 0, got " + explosionFloor);
            }
        }

        /**
         * Every step; EMA 0.95 after 8 steps; explosion at z > 6 and 3x the mean, a parameter's at
         * a norm of 1 or more; vanishing below 1e-8 or a 1e-4 bottom/top ratio; ratio band
         * [1e-5, 1e-1]; cooldown 100.
         */
        public static Config defaults() {
            return new Config(1, 0.95, 8, 6, 3, 1e-8, 1e-4, 1e-5, 1e-1, 100, 1.0);
        }

        public Config withLayerEvery(int n) {
            return new Config(n, alpha, warmup, explosionZ, explosionFactor, vanishingNorm, vanishingRatio, ratioLow,
                    ratioHigh, cooldown, explosionFloor);
        }

        /** The EMA factor of the running statistics. */
        public Config withAlpha(double a) {
            return new Config(layerEvery, a, warmup, explosionZ, explosionFactor, vanishingNorm, vanishingRatio, ratioLow,
                    ratioHigh, cooldown, explosionFloor);
        }

        /** Steps of plain averaging before alarms can fire. */
        public Config withWarmup(int steps) {
            return new Config(layerEvery, alpha, steps, explosionZ, explosionFactor, vanishingNorm, vanishingRatio,
                    ratioLow, ratioHigh, cooldown, explosionFloor);
        }

        public Config withExplosion(double z, double factor) {
            return new Config(layerEvery, alpha, warmup, z, factor, vanishingNorm, vanishingRatio, ratioLow, ratioHigh,
                    cooldown, explosionFloor);
        }

        /** The vanishing floor of a norm and of the first/last layer gradient ratio. */
        public Config withVanishing(double norm, double ratio) {
            return new Config(layerEvery, alpha, warmup, explosionZ, explosionFactor, norm, ratio, ratioLow, ratioHigh,
                    cooldown, explosionFloor);
        }

        public Config withRatioBand(double low, double high) {
            return new Config(layerEvery, alpha, warmup, explosionZ, explosionFactor, vanishingNorm, vanishingRatio, low,
                    high, cooldown, explosionFloor);
        }

        /** The absolute norm a single parameter's gradient must reach to count as exploding. */
        public Config withExplosionFloor(double floor) {
            return new Config(layerEvery, alpha, warmup, explosionZ, explosionFactor, vanishingNorm, vanishingRatio,
                    ratioLow, ratioHigh, cooldown, floor);
        }

        /** Steps before the same alarm for the same parameter can fire again. */
        public Config withCooldown(int steps) {
            return new Config(layerEvery, alpha, warmup, explosionZ, explosionFactor, vanishingNorm, vanishingRatio,
                    ratioLow, ratioHigh, steps, explosionFloor);
        }
    }

    /** What the trainer knows about a step once its gradients exist, before the update. */
    public record StepContext(long step, int epoch, double loss, double lr, INDArray features, INDArray output,
            GradStats stats) {
    }

    /**
     * Everything the monitor has learned and recorded, for checkpoints: the running statistics
     * (global norm, loss, each parameter's norm), the weights of the last measured step (for
     * update norms), when each alarm last fired (cooldowns), update-ratio alarms not yet handed
     * to a step, and the records so far.
     */
    public record State(RunningStats.State global, RunningStats.State loss, Map<String, RunningStats.State> perParam,
            Map<String, double[]> previousWeights, List<Cooldown> cooldowns, List<Alarm> pending,
            List<StepRecord> steps, List<LayerStats> layers, List<Alarm> alarms) {
    }

    /** An alarm key ({@code "EXPLOSION/0.weight"}) and the step it last fired. */
    public record Cooldown(String key, long step) {
    }

    /** Weights per slice of the weight pass: 64 KB of float32, in the core's second-level cache. */
    private static final int SLICE = 16384;

    private final Config config;
    private final List<Alarm> ratioAlarms = new ArrayList<>();
    private Runnable deferred;
    private java.util.concurrent.Future<?> pending;
    private RunningStats global;
    private RunningStats lossStats;
    private RunningStats[] perParam;
    private Vec[] previousWeights;
    /** Whether {@link #previousWeights} hold the weights after the last step's update. */
    private boolean previousFresh;
    private long deferredSize;
    private final List<StepRecord> steps = new ArrayList<>();
    private final List<LayerStats> layers = new ArrayList<>();
    private final List<Alarm> alarms = new ArrayList<>();
    private final Map<String, Long> lastRaised = new HashMap<>();
    private GradStats current;
    private StepContext context;
    private int stepAlarms;

    private Monitor(Config config) {
        this.config = java.util.Objects.requireNonNull(config, "config");
        this.global = new RunningStats(config.alpha(), config.warmup());
        this.lossStats = new RunningStats(config.alpha(), config.warmup());
    }

    public static Monitor create() {
        return of(Config.defaults());
    }

    public static Monitor of(Config config) {
        return new Monitor(config);
    }

    public Config config() {
        return config;
    }

    /**
     * A deep copy of the monitor's state for the parameters {@code params} (in the trainer's
     * order); finishes any deferred measurement first.
     */
    public State state(Map<String, Param> params) {
        flush();
        Map<String, RunningStats.State> per = new LinkedHashMap<>();
        Map<String, double[]> prev = new LinkedHashMap<>();
        int i = 0;
        for (String n : params.keySet()) {
            per.put(n, perParam == null ? new RunningStats.State(0, 0, 0) : perParam[i].state());
            prev.put(n, previousWeights == null || previousWeights[i] == null || !previousFresh ? new double[0]
                    : previousWeights[i].toDoubles(Math.toIntExact(params.get(n).value().length())));
            i++;
        }
        List<Cooldown> cool = new ArrayList<>();
        lastRaised.forEach((k, v) -> cool.add(new Cooldown(k, v)));
        return new State(global.state(), lossStats.state(), per, prev, cool, List.copyOf(ratioAlarms), List.copyOf(steps),
                List.copyOf(layers), List.copyOf(alarms));
    }

    /**
     * Continues from a saved {@link #state(Map)} of a monitor watching {@code params}; throws
     * {@link IllegalArgumentException}, changing nothing, when it does not fit.
     */
    public void restore(State s, Map<String, Param> params) {
        if (!s.perParam().keySet().equals(params.keySet()) || !s.previousWeights().keySet().equals(params.keySet())) {
            throw new IllegalArgumentException("monitor: the state watches " + s.perParam().keySet() + " but the model has "
                    + params.keySet());
        }
        s.previousWeights().forEach((n, w) -> {
            if (w.length != 0 && w.length != params.get(n).value().length()) {
                throw new IllegalArgumentException("monitor: previous weights of " + n + " hold " + w.length
                        + " values, expected " + params.get(n).value().length());
            }
        });
        flush();
        deferred = null;
        context = null;
        global.restore(s.global());
        lossStats.restore(s.loss());
        perParam = new RunningStats[params.size()];
        previousWeights = new Vec[params.size()];
        int i = 0;
        for (String n : params.keySet()) {
            perParam[i] = new RunningStats(config.alpha(), config.warmup());
            perParam[i].restore(s.perParam().get(n));
            double[] w = s.previousWeights().get(n);
            if (w.length != 0) {
                previousWeights[i] = Vec.allocate(params.get(n).value().dataType(), w.length);
                previousWeights[i].set(w);
            }
            i++;
        }
        previousFresh = s.previousWeights().values().stream().anyMatch(w -> w.length != 0);
        lastRaised.clear();
        s.cooldowns().forEach(c -> lastRaised.put(c.key(), c.step()));
        replace(ratioAlarms, s.pending());
        replace(steps, s.steps());
        replace(layers, s.layers());
        replace(alarms, s.alarms());
    }

    private static <T> void replace(List<T> target, List<T> source) {
        target.clear();
        target.addAll(source);
    }

    /**
     * Reads a step's gradients before the update; returns the alarms this step raised (explosion,
     * loss spike, vanishing, non-finite with its source), preceded by the update/weight-ratio
     * alarms of the previous step's update, which are measured after it (so a roll-back policy
     * sees them one step later).
     */
    public List<Alarm> onGradients(StepContext ctx) {
        awaitWeightPass();
        context = ctx;
        current = ctx.stats();
        stepAlarms = 0;
        GradStats s = ctx.stats();
        if (ctx.step() % config.layerEvery() == 0) {
            s.maxAbs();      // the per-layer row reads it after the update, when a clip may have changed the gradients
        }
        if (perParam == null) {
            perParam = new RunningStats[s.size()];
            for (int i = 0; i < perParam.length; i++) {
                perParam[i] = new RunningStats(config.alpha(), config.warmup());
            }
        }
        List<Alarm> raised = new ArrayList<>();
        if (!s.allFinite() || !Double.isFinite(ctx.loss())) {
            raised.add(nonFinite(ctx));
        } else {
            explosion(ctx, raised);
            vanishing(ctx, raised);
        }
        List<Alarm> kept = record(raised);
        kept.addAll(0, ratioAlarms);        // the previous update's ratio alarms, measured since
        ratioAlarms.clear();
        return kept;
    }

    private Alarm nonFinite(StepContext ctx) {
        GradStats s = ctx.stats();
        String source;
        if (ctx.features() != null && !finite(ctx.features())) {
            source = "data: the batch's input features";
        } else if (ctx.output() != null && !finite(ctx.output())) {
            source = "the forward pass: the model's output";
        } else if (!Double.isFinite(ctx.loss())) {
            source = "the loss";
        } else {
            source = "the gradients";
        }
        String layer = s.firstNonFiniteInBackwardOrder();
        layer = layer == null ? "global" : layer;
        return new Alarm(ctx.step(), Alarm.Kind.NON_FINITE, layer, Double.NaN, Double.NaN,
                "step " + ctx.step() + ": non-finite values came from " + source + "; first parameter in backward order "
                        + "with a non-finite gradient: " + layer + " (loss " + ctx.loss() + ")");
    }

    private void explosion(StepContext ctx, List<Alarm> raised) {
        GradStats s = ctx.stats();
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
            raised.add(new Alarm(ctx.step(), Alarm.Kind.EXPLOSION, layer, value, mean * config.explosionFactor(),
                    String.format(java.util.Locale.ROOT, "step %d: gradient norm of %s is %.3g, %.3gx its running mean "
                            + "(z = %.3g); global norm %.3g", ctx.step(), layer, value, value / mean,
                            worst >= 0 ? worstZ : global.z(g), g)));
        } else {
            global.add(g);
        }
        if (spike(lossStats, ctx.loss())) {
            raised.add(new Alarm(ctx.step(), Alarm.Kind.LOSS_SPIKE, "global", ctx.loss(),
                    lossStats.mean() * config.explosionFactor(), String.format(java.util.Locale.ROOT,
                            "step %d: loss %.3g is %.3gx its running mean (z = %.3g)", ctx.step(), ctx.loss(),
                            ctx.loss() / lossStats.mean(), lossStats.z(ctx.loss()))));
        } else {
            lossStats.add(ctx.loss());
        }
    }

    private boolean spike(RunningStats r, double x) {
        return r.ready() && r.z(x) > config.explosionZ() && x > config.explosionFactor() * r.mean();
    }

    private void vanishing(StepContext ctx, List<Alarm> raised) {
        GradStats s = ctx.stats();
        for (int i = 0; i < s.size(); i++) {
            if (s.norm(i) < config.vanishingNorm()) {
                raised.add(new Alarm(ctx.step(), Alarm.Kind.VANISHING, s.names()[i], s.norm(i), config.vanishingNorm(),
                        String.format(java.util.Locale.ROOT, "step %d: gradient norm of %s is %.3g, below %.1g",
                                ctx.step(), s.names()[i], s.norm(i), config.vanishingNorm())));
            }
        }
        int first = firstWeight(s, false);
        int last = firstWeight(s, true);
        if (first >= 0 && last > first) {
            double ratio = s.norm(first) / s.norm(last);
            if (ratio < config.vanishingRatio()) {
                raised.add(new Alarm(ctx.step(), Alarm.Kind.VANISHING, s.names()[first], ratio, config.vanishingRatio(),
                        String.format(java.util.Locale.ROOT, "step %d: gradient norm of the first layer (%s) is %.2g "
                                + "times the last one's (%s)", ctx.step(), s.names()[first], ratio, s.names()[last])));
            }
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

    /**
     * Closes the step's record after the update (or after a skip or roll-back). The pass over the
     * weights that measures weight and update norms is deferred: the trainer starts it with
     * {@link #beginStep()} at the next step, on a second core while that step's forward pass runs
     * (inline for models under 65,536 parameters, where the hand-over costs more), and
     * {@link #onGradients} waits for it before the next update can change the weights.
     */
    public void onUpdate(Map<String, Param> params, double gradNormAfter, boolean clipped, boolean skipped,
            boolean rolledBack) {
        if (context == null) {
            throw new IllegalStateException("monitor: onUpdate before onGradients");
        }
        steps.add(new StepRecord(context.step(), context.epoch(), context.loss(), context.lr(), current.globalNorm(),
                gradNormAfter, clipped, skipped, rolledBack, stepAlarms));
        StepContext ctx = context;
        GradStats stats = current;
        List<INDArray> weights = params.values().stream().map(Param::value).toList();
        deferredSize = weights.stream().mapToLong(INDArray::length).sum();
        deferred = () -> weightPass(ctx, stats, weights, skipped || rolledBack);
    }

    /**
     * Starts the deferred weight pass of the previous step on the monitor's thread, or runs it
     * here when the model is too small for the hand-over to pay.
     */
    public void beginStep() {
        if (deferred != null && pending == null) {
            if (SecondCore.worthIt(deferredSize)) {
                pending = SecondCore.EXECUTOR.submit(deferred);
            } else {
                deferred.run();
            }
            deferred = null;
        }
    }

    /** Finishes any deferred work; tables and lists are complete afterwards. */
    public void flush() {
        awaitWeightPass();
        if (deferred != null) {
            deferred.run();
            deferred = null;
        }
    }

    private void awaitWeightPass() {
        if (pending != null) {
            try {
                SecondCore.await(pending, "monitor: measuring weights");
            } finally {
                pending = null;
            }
        }
    }

    /**
     * Weight and update norms of every parameter on the monitor's layer steps, where it also
     * checks the update/weight ratio band. The update is measured against a copy of the weights
     * taken after the step before, so the weights are read only on layer steps and the steps
     * just before them (every step when {@code layerEvery} is 1).
     */
    private void weightPass(StepContext ctx, GradStats stats, List<INDArray> weights, boolean noUpdate) {
        long step = ctx.step();
        boolean layerStep = step % config.layerEvery() == 0;
        boolean snapshot = (step + 1) % config.layerEvery() == 0;
        if (!layerStep && !snapshot) {
            previousFresh = false;
            return;
        }
        if (previousWeights == null) {
            previousWeights = new Vec[weights.size()];
        }
        List<Alarm> raised = new ArrayList<>();
        for (int i = 0; i < weights.size(); i++) {
            INDArray w = weights.get(i);
            boolean first = previousWeights[i] == null || !previousFresh;
            if (previousWeights[i] == null) {
                previousWeights[i] = Vec.allocate(w.dataType(), w.length());
            }
            if (!layerStep) {       // the step before a row step: keep the weights to measure its update against
                Vec.of(w).copyTo(Math.toIntExact(w.length()), previousWeights[i]);
                continue;
            }
            double[] wu = weightAndUpdate(w, previousWeights[i], !first, snapshot);
            LayerStats ls = new LayerStats(step, stats.names()[i], stats.norm(i), stats.maxAbs()[i],
                    stats.nan()[i] + stats.inf()[i], wu[0], wu[1]);
            layers.add(ls);
            double r = ls.updateRatio();
            if (!noUpdate && Double.isFinite(r) && (r < config.ratioLow() || r > config.ratioHigh())) {
                raised.add(new Alarm(step, Alarm.Kind.UPDATE_RATIO, ls.param(), r,
                        r < config.ratioLow() ? config.ratioLow() : config.ratioHigh(),
                        String.format(java.util.Locale.ROOT, "step %d: update/weight ratio of %s is %.2g, outside [%.0e, %.0e]",
                                step, ls.param(), r, config.ratioLow(), config.ratioHigh())));
            }
        }
        previousFresh = snapshot;
        List<Alarm> kept = record(raised);
        if (!kept.isEmpty()) {
            ratioAlarms.addAll(kept);
            StepRecord r = steps.get(steps.size() - 1);
            steps.set(steps.size() - 1, new StepRecord(r.step(), r.epoch(), r.loss(), r.lr(), r.gradNorm(),
                    r.gradNormAfter(), r.clipped(), r.skipped(), r.rolledBack(), r.alarms() + kept.size()));
        }
    }

    /**
     * One pass over the weights, in slices that stay in cache: returns {@code {||w||, ||w - prev||}}
     * ({@code ||w - prev||} only when {@code update}, else NaN) and, when {@code keep}, stores
     * {@code w} into {@code prev} for the next step. Each slice is up to four OpenBLAS calls:
     * {@code ||w||^2}, {@code prev -= w}, {@code ||prev||^2}, {@code prev = w}. These norms are only
     * reported, so float32 models sum them in float32 ({@code sdot}), per slice.
     */
    private static double[] weightAndUpdate(INDArray w, Vec prev, boolean update, boolean keep) {
        int n = Math.toIntExact(w.length());
        Vec x = Vec.of(w);
        double ww = 0;
        double dd = 0;
        for (int from = 0; from < n; from += SLICE) {
            int len = Math.min(SLICE, n - from);
            Vec xs = x.at(from);
            Vec ps = prev.at(from);
            ww += xs.dot(len, xs);
            if (update) {
                xs.subtractFrom(len, ps);
                dd += ps.dot(len, ps);
            }
            if (keep) {
                xs.copyTo(len, ps);
            }
        }
        return new double[] {Math.sqrt(ww), update ? Math.sqrt(dd) : Double.NaN};
    }


    private List<Alarm> record(List<Alarm> raised) {
        List<Alarm> kept = new ArrayList<>();
        for (Alarm a : raised) {
            String key = a.kind() + "/" + a.layer();
            Long last = lastRaised.get(key);
            if (last == null || a.step() - last >= config.cooldown()) {
                lastRaised.put(key, a.step());
                kept.add(a);
            }
        }
        alarms.addAll(kept);
        stepAlarms += kept.size();
        return kept;
    }

    private static boolean finite(INDArray a) {
        double s = a.sumNumber().doubleValue();
        return Double.isFinite(s) || (!a.isNaN().any() && !a.isInfinite().any());
    }

    public List<StepRecord> stepRecords() {
        flush();
        return Collections.unmodifiableList(steps);
    }

    public List<LayerStats> layerStats() {
        flush();
        return Collections.unmodifiableList(layers);
    }

    public List<Alarm> alarmList() {
        flush();
        return Collections.unmodifiableList(alarms);
    }

    /** Global gradient norms before clipping, one per recorded step. */
    public double[] gradNorms() {
        flush();
        return steps.stream().mapToDouble(StepRecord::gradNorm).toArray();
    }

    /** step, epoch, loss, lr, grad_norm, grad_norm_clipped, clipped, skipped, rolled_back, alarms. */
    public Table steps() {
        flush();
        return Table.create("monitor steps",
                LongColumn.create("step", steps.stream().mapToLong(StepRecord::step).toArray()),
                IntColumn.create("epoch", steps.stream().mapToInt(StepRecord::epoch).toArray()),
                DoubleColumn.create("loss", steps.stream().mapToDouble(StepRecord::loss).toArray()),
                DoubleColumn.create("lr", steps.stream().mapToDouble(StepRecord::lr).toArray()),
                DoubleColumn.create("grad_norm", steps.stream().mapToDouble(StepRecord::gradNorm).toArray()),
                DoubleColumn.create("grad_norm_clipped", steps.stream().mapToDouble(StepRecord::gradNormAfter).toArray()),
                BooleanColumn.create("clipped", steps.stream().map(StepRecord::clipped).toList()),
                BooleanColumn.create("skipped", steps.stream().map(StepRecord::skipped).toList()),
                BooleanColumn.create("rolled_back", steps.stream().map(StepRecord::rolledBack).toList()),
                IntColumn.create("alarms", steps.stream().mapToInt(StepRecord::alarms).toArray()));
    }

    /** step, param, grad_norm, max_abs, non_finite, weight_norm, update_norm, update_ratio. */
    public Table layers() {
        flush();
        return Table.create("monitor layers",
                LongColumn.create("step", layers.stream().mapToLong(LayerStats::step).toArray()),
                StringColumn.create("param", layers.stream().map(LayerStats::param).toList()),
                DoubleColumn.create("grad_norm", layers.stream().mapToDouble(LayerStats::gradNorm).toArray()),
                DoubleColumn.create("max_abs", layers.stream().mapToDouble(LayerStats::maxAbs).toArray()),
                LongColumn.create("non_finite", layers.stream().mapToLong(LayerStats::nonFinite).toArray()),
                DoubleColumn.create("weight_norm", layers.stream().mapToDouble(LayerStats::weightNorm).toArray()),
                DoubleColumn.create("update_norm", layers.stream().mapToDouble(LayerStats::updateNorm).toArray()),
                DoubleColumn.create("update_ratio", layers.stream().mapToDouble(LayerStats::updateRatio).toArray()));
    }

    /** step, kind, layer, value, threshold, message. */
    public Table alarms() {
        flush();
        return Table.create("alarms",
                LongColumn.create("step", alarms.stream().mapToLong(Alarm::step).toArray()),
                StringColumn.create("kind", alarms.stream().map(a -> a.kind().name()).toList()),
                StringColumn.create("layer", alarms.stream().map(Alarm::layer).toList()),
                DoubleColumn.create("value", alarms.stream().mapToDouble(Alarm::value).toArray()),
                DoubleColumn.create("threshold", alarms.stream().mapToDouble(Alarm::threshold).toArray()),
                StringColumn.create("message", alarms.stream().map(Alarm::message).toList()));
    }
}
