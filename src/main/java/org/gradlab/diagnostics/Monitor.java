package org.gradlab.diagnostics;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.gradlab.clip.GradStats;
import org.gradlab.nn.Param;
import org.gradlab.train.Callback;
import org.gradlab.train.StepContext;
import org.gradlab.train.Trainer;
import tech.tablesaw.api.Table;

/**
 * Watches every training step and keeps its numbers as tables: per step the loss, rate and
 * global gradient norm before and after clipping; per parameter (every step or every n) the
 * gradient norm, max |g|, non-finite count, weight norm, update norm and update/weight ratio;
 * and the {@link Alarm}s it raised. It is a {@link Callback} in three parts: the rules
 * ({@code AlarmRules}: explosions, loss spikes, vanishing, non-finite values, update ratios,
 * cooldowns), the weight measurement ({@code WeightPass}, on the trainer's helper thread while
 * the next forward pass runs) and the records. It reads the step's {@code GradStats} (no second
 * pass over the gradients). Diagnostics read, policies act: the monitor only reports; a
 * {@link SpikePolicy} acts on its alarms. Its statistics and records are part of the trainer's
 * {@code TrainState}, so a checkpoint restores them.
 *
 * <pre>{@code
 * Monitor monitor = Monitor.create();
 * Trainer trainer = Trainer.builder(model).optimizer(Optimizer.of(Sgd.momentum(0.9))).lr(0.1)
 *         .callback(monitor).build();
 * trainer.fit(split.train(), split.test());
 * System.out.println(monitor.alarms().print());
 * }</pre>
 */
public final class Monitor implements Callback {

    /**
     * Settings: per-parameter statistics every {@code layerEvery} steps; explosion when a norm's
     * z-score against its running statistics (EMA {@code alpha}, after {@code warmup} steps)
     * exceeds {@code explosionZ} and the norm is at least {@code explosionFactor} times the mean;
     * a single parameter's explosion needs, besides, a norm of at least {@code explosionFloor} and
     * at least a tenth of the global norm (a small gradient jumping while the global norm is
     * healthy is no explosion); the same for the loss; vanishing below {@code vanishingNorm} or
     * when the first layer's gradient norm falls under {@code vanishingRatio} times the last one's;
     * the update/weight ratio band {@code [ratioLow, ratioHigh]} (around DL4J's rule of thumb of
     * 1e-3); the same alarm for the same parameter at most once per {@code cooldown} steps.
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
            return edit(b -> b.layerEvery = n);
        }

        /** The EMA factor of the running statistics. */
        public Config withAlpha(double a) {
            return edit(b -> b.alpha = a);
        }

        /** Steps of plain averaging before alarms can fire. */
        public Config withWarmup(int steps) {
            return edit(b -> b.warmup = steps);
        }

        public Config withExplosion(double z, double factor) {
            return edit(b -> {
                b.explosionZ = z;
                b.explosionFactor = factor;
            });
        }

        /** The vanishing floor of a norm and of the first/last layer gradient ratio. */
        public Config withVanishing(double norm, double ratio) {
            return edit(b -> {
                b.vanishingNorm = norm;
                b.vanishingRatio = ratio;
            });
        }

        public Config withRatioBand(double low, double high) {
            return edit(b -> {
                b.ratioLow = low;
                b.ratioHigh = high;
            });
        }

        /** The absolute norm a single parameter's gradient must reach to count as exploding. */
        public Config withExplosionFloor(double floor) {
            return edit(b -> b.explosionFloor = floor);
        }

        /** Steps before the same alarm for the same parameter can fire again. */
        public Config withCooldown(int steps) {
            return edit(b -> b.cooldown = steps);
        }

        private Config edit(java.util.function.Consumer<Editor> change) {
            Editor e = new Editor(this);
            change.accept(e);
            return e.build();
        }

        /** The settings as fields, for the {@code with...} methods. */
        private static final class Editor {
            int layerEvery;
            double alpha;
            int warmup;
            double explosionZ;
            double explosionFactor;
            double vanishingNorm;
            double vanishingRatio;
            double ratioLow;
            double ratioHigh;
            int cooldown;
            double explosionFloor;

            Editor(Config c) {
                layerEvery = c.layerEvery;
                alpha = c.alpha;
                warmup = c.warmup;
                explosionZ = c.explosionZ;
                explosionFactor = c.explosionFactor;
                vanishingNorm = c.vanishingNorm;
                vanishingRatio = c.vanishingRatio;
                ratioLow = c.ratioLow;
                ratioHigh = c.ratioHigh;
                cooldown = c.cooldown;
                explosionFloor = c.explosionFloor;
            }

            Config build() {
                return new Config(layerEvery, alpha, warmup, explosionZ, explosionFactor, vanishingNorm, vanishingRatio,
                        ratioLow, ratioHigh, cooldown, explosionFloor);
            }
        }
    }

    /**
     * Everything the monitor has learned and recorded, for checkpoints: the rules' running
     * statistics, cooldowns and divergence, the weights of the last measured step (for update
     * norms), update-ratio alarms not yet handed to a step, and the records so far.
     */
    public record State(RulesState rules, Map<String, double[]> previousWeights, List<Alarm> pending, Records records) {
    }

    /**
     * What the rules have learned: running statistics of the global norm, the loss and each
     * parameter's norm, when each alarm last fired, and whether the run has diverged.
     */
    public record RulesState(RunningStats.State global, RunningStats.State loss, Map<String, RunningStats.State> perParam,
            List<Cooldown> cooldowns, boolean diverged) {
    }

    /** The records so far: a row per step, per parameter row and per alarm. */
    public record Records(List<StepRecord> steps, List<LayerStats> layers, List<Alarm> alarms) {
    }

    /** An alarm key ({@code "EXPLOSION/0.weight"}) and the step it last fired. */
    public record Cooldown(String key, long step) {
    }

    private final Config config;
    private final AlarmRules rules;
    private final WeightPass weights;
    private final MonitorRecords records = new MonitorRecords();
    /** Update-ratio alarms measured after an update, handed to the next step. */
    private final List<Alarm> ratioAlarms = new ArrayList<>();
    private List<Alarm> stepAlarms = List.of();
    private Map<String, Param> params;
    private int stepAlarmCount;

    private Monitor(Config config) {
        this.config = Objects.requireNonNull(config, "config");
        this.rules = new AlarmRules(config);
        this.weights = new WeightPass(config.layerEvery());
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

    @Override
    public String name() {
        return "monitor";
    }

    @Override
    public boolean needsGradStats() {
        return true;
    }

    @Override
    public void attach(Trainer trainer) {
        if (params != null && params != trainer.params()) {
            throw new IllegalArgumentException("monitor: already watching another trainer; make one monitor per trainer");
        }
        params = trainer.params();
    }

    @Override
    public void beforeStep(StepContext s) {
        weights.begin(s.trainer().helper());
    }

    /**
     * Reads a step's gradients before the update: the alarms this step raised (explosion, loss
     * spike, vanishing, non-finite with its source), preceded by the update/weight-ratio alarms of
     * the previous step's update, which are measured after it (so a roll-back policy sees them one
     * step later), are then {@link #stepAlarms()}.
     */
    @Override
    public void afterBackward(StepContext s) {
        weights.await();
        stepAlarmCount = 0;
        GradStats stats = s.gradStats();
        if (s.step() % config.layerEvery() == 0) {
            stats.maxAbs();      // the per-layer row reads it after the update, when a clip may have changed the gradients
        }
        List<Alarm> kept = new ArrayList<>(ratioAlarms);
        ratioAlarms.clear();
        List<Alarm> raised = rules.onGradients(s);
        records.addAlarms(raised);
        stepAlarmCount = raised.size();
        kept.addAll(raised);
        stepAlarms = Collections.unmodifiableList(kept);
    }

    /** Records an alarm another watcher raised (a {@link Forecaster}'s forecast), with this monitor's own. */
    void raise(Alarm a) {
        records.addAlarms(List.of(a));
    }

    /** The alarms of the step in progress ({@link #afterBackward}); a {@link SpikePolicy} reads them. */
    public List<Alarm> stepAlarms() {
        return stepAlarms;
    }

    /**
     * Closes the step's record after the update (or after a skip or roll-back) and defers the
     * weight pass that measures weight and update norms to the next step's start.
     */
    @Override
    public void afterUpdate(StepContext s) {
        GradStats stats = s.gradStats();
        boolean noUpdate = s.skipped() || s.rolledBack();
        records.add(new StepRecord(s.step(), s.epoch(), s.loss(), s.lr(), stats.globalNorm(), s.gradNormAfter(), s.clipped(),
                s.skipped() && !s.rolledBack(), s.rolledBack(), stepAlarmCount));
        long step = s.step();
        weights.defer(step, s.trainer().params(), stats, rows -> {
            List<Alarm> kept = new ArrayList<>();
            for (int i = 0; i < rows.size(); i++) {
                WeightPass.Row row = rows.get(i);
                LayerStats ls = new LayerStats(step, row.param(), stats.norm(i), stats.maxAbs()[i],
                        stats.nan()[i] + stats.inf()[i], row.weightNorm(), row.updateNorm());
                records.add(ls);
                if (!noUpdate) {
                    rules.updateRatio(ls, kept);
                }
            }
            if (!kept.isEmpty()) {
                records.addAlarms(kept);
                ratioAlarms.addAll(kept);
                records.countOnLastStep(kept.size());
            }
        });
    }

    @Override
    public void onRunEnd(Trainer trainer, org.gradlab.train.History history) {
        flush();
    }

    /** Finishes any deferred work; tables and lists are complete afterwards. */
    public void flush() {
        weights.flush();
    }

    @Override
    public State state() {
        requireAttached();
        flush();
        return new State(rules.state(params), weights.state(params), List.copyOf(ratioAlarms), records.state());
    }

    @Override
    public void restore(Record saved) {
        requireAttached();
        if (!(saved instanceof State s)) {
            throw new IllegalArgumentException("monitor: expected a monitor's state, got " + saved);
        }
        rules.requireFits(s.rules(), params);
        weights.requireFits(s.previousWeights(), params);
        weights.restore(s.previousWeights(), params);
        rules.restore(s.rules(), params);
        ratioAlarms.clear();
        ratioAlarms.addAll(s.pending());
        records.restore(s.records());
        stepAlarms = List.of();
    }

    private void requireAttached() {
        if (params == null) {
            throw new IllegalStateException("monitor: not attached to a trainer; add it with Trainer.builder(...).callback(monitor)");
        }
    }

    public List<StepRecord> stepRecords() {
        flush();
        return records.steps();
    }

    public List<LayerStats> layerStats() {
        flush();
        return records.layers();
    }

    public List<Alarm> alarmList() {
        flush();
        return records.alarms();
    }

    /** Global gradient norms before clipping, one per recorded step. */
    public double[] gradNorms() {
        return stepRecords().stream().mapToDouble(StepRecord::gradNorm).toArray();
    }

    /** step, epoch, loss, lr, grad_norm, grad_norm_clipped, clipped, skipped, rolled_back, alarms. */
    public Table steps() {
        flush();
        return records.stepTable();
    }

    /** step, param, grad_norm, max_abs, non_finite, weight_norm, update_norm, update_ratio. */
    public Table layers() {
        flush();
        return records.layerTable();
    }

    /** step, kind, layer, value, threshold, message. */
    public Table alarms() {
        flush();
        return records.alarmTable();
    }
}
