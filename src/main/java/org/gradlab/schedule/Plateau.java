package org.gradlab.schedule;

/**
 * ReduceLROnPlateau as a multiplier that composes with any schedule: it watches a metric (once
 * per epoch, say) and, after {@code patience} observations without improvement, cuts its
 * {@link #scale()} by {@code factor}. The rate actually used is
 * {@code max(schedule.at(step) * scale, minLr)} ({@link #apply}), so warmup + cosine + plateau
 * works, which PyTorch's ReduceLROnPlateau cannot be chained into.
 *
 * <p>Semantics are PyTorch's, observation by observation (checked against its traces): better
 * means {@code m < best (1 - threshold)} (min, relative), {@code m < best - threshold} (min,
 * absolute), {@code m > best (1 + threshold)} or {@code m > best + threshold} (max); NaN is never
 * better; after a cut, {@code cooldown} observations pass before bad ones count again; a cut
 * that would change the rate by no more than {@code eps} is skipped. The one stateful schedule
 * in gradlab: its {@link State} is a record to save and {@link #restore}.
 *
 * <pre>{@code
 * Plateau plateau = Plateau.of(Plateau.Config.defaults().withPatience(2).withFactor(0.5));
 * plateau.observe(testLoss, schedule.at(step));
 * double lr = plateau.apply(schedule.at(step));
 * }</pre>
 */
public final class Plateau {

    /** Whether a lower ({@code MIN}, a loss) or higher ({@code MAX}, an accuracy) metric is better. */
    public enum Mode {
        MIN, MAX
    }

    /** Whether {@code threshold} is relative to the best value or absolute. */
    public enum ThresholdMode {
        REL, ABS
    }

    /** The settings, with PyTorch's names and defaults. */
    public record Config(Mode mode, double factor, int patience, double threshold, ThresholdMode thresholdMode,
            int cooldown, double minLr, double eps) {
        public Config {
            java.util.Objects.requireNonNull(mode, "mode");
            java.util.Objects.requireNonNull(thresholdMode, "thresholdMode");
            if (!(factor > 0 && factor < 1)) {
                throw new IllegalArgumentException("plateau: factor must be in (0, 1), got " + factor);
            }
            if (patience < 0) {
                throw new IllegalArgumentException("plateau: patience must be >= 0, got " + patience);
            }
            if (!(threshold >= 0) || Double.isInfinite(threshold)) {
                throw new IllegalArgumentException("plateau: threshold must be finite and >= 0, got " + threshold);
            }
            if (cooldown < 0) {
                throw new IllegalArgumentException("plateau: cooldown must be >= 0, got " + cooldown);
            }
            if (!(minLr >= 0) || Double.isInfinite(minLr)) {
                throw new IllegalArgumentException("plateau: minLr must be finite and >= 0, got " + minLr);
            }
            if (!(eps >= 0)) {
                throw new IllegalArgumentException("plateau: eps must be >= 0, got " + eps);
            }
        }

        /** mode min, factor 0.1, patience 10, threshold 1e-4 relative, cooldown 0, minLr 0, eps 1e-8. */
        public static Config defaults() {
            return new Config(Mode.MIN, 0.1, 10, 1e-4, ThresholdMode.REL, 0, 0, 1e-8);
        }

        public Config withMode(Mode m) {
            return new Config(m, factor, patience, threshold, thresholdMode, cooldown, minLr, eps);
        }

        public Config withFactor(double f) {
            return new Config(mode, f, patience, threshold, thresholdMode, cooldown, minLr, eps);
        }

        public Config withPatience(int p) {
            return new Config(mode, factor, p, threshold, thresholdMode, cooldown, minLr, eps);
        }

        public Config withThreshold(double t, ThresholdMode m) {
            return new Config(mode, factor, patience, t, m, cooldown, minLr, eps);
        }

        public Config withCooldown(int c) {
            return new Config(mode, factor, patience, threshold, thresholdMode, c, minLr, eps);
        }

        public Config withMinLr(double m) {
            return new Config(mode, factor, patience, threshold, thresholdMode, cooldown, m, eps);
        }

        public Config withEps(double e) {
            return new Config(mode, factor, patience, threshold, thresholdMode, cooldown, minLr, e);
        }
    }

    /** Everything that changes: best metric so far, bad observations, cooldown left, the multiplier and how many cuts. */
    public record State(double best, int badEpochs, int cooldownCounter, double scale, int reductions) {
        public State {
            if (Double.isNaN(best) || badEpochs < 0 || cooldownCounter < 0 || reductions < 0) {
                throw new IllegalArgumentException("plateau: need a best that is not NaN and counters >= 0, got best "
                        + best + ", badEpochs " + badEpochs + ", cooldownCounter " + cooldownCounter + ", reductions "
                        + reductions);
            }
            if (!(scale > 0 && scale <= 1)) {
                throw new IllegalArgumentException("plateau: scale must be in (0, 1], got " + scale);
            }
        }
    }

    private final Config config;
    private State state;

    private Plateau(Config config) {
        this.config = java.util.Objects.requireNonNull(config, "config");
        this.state = new State(config.mode() == Mode.MIN ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY,
                0, 0, 1.0, 0);
    }

    public static Plateau of(Config config) {
        return new Plateau(config);
    }

    public Config config() {
        return config;
    }

    public State state() {
        return state;
    }

    /** Continues from a saved {@link #state()}. */
    public void restore(State saved) {
        this.state = java.util.Objects.requireNonNull(saved, "state");
    }

    /** The multiplier on the schedule's rate: 1 until the first cut, then {@code factor^cuts}. */
    public double scale() {
        return state.scale();
    }

    /** The rate to use when the schedule says {@code scheduledLr}: {@code max(scheduledLr * scale, minLr)}. */
    public double apply(double scheduledLr) {
        return Math.max(scheduledLr * state.scale(), config.minLr());
    }

    /**
     * Records one observation of the metric; {@code scheduledLr} is the schedule's rate now (the
     * eps rule compares the rate before and after a cut). Returns whether the rate was cut.
     */
    public boolean observe(double metric, double scheduledLr) {
        double best = state.best();
        int bad = state.badEpochs() + 1;
        if (isBetter(metric, best)) {
            best = metric;
            bad = 0;
        }
        int cooldown = state.cooldownCounter();
        if (cooldown > 0) {
            cooldown--;
            bad = 0;
        }
        double scale = state.scale();
        int reductions = state.reductions();
        boolean cut = false;
        if (bad > config.patience()) {
            double old = apply(scheduledLr);
            double lower = Math.max(old * config.factor(), config.minLr());
            if (old - lower > config.eps()) {
                scale *= config.factor();
                reductions++;
                cut = true;
            }
            cooldown = config.cooldown();
            bad = 0;
        }
        state = new State(best, bad, cooldown, scale, reductions);
        return cut;
    }

    private boolean isBetter(double m, double best) {
        double t = config.threshold();
        boolean rel = config.thresholdMode() == ThresholdMode.REL;
        return config.mode() == Mode.MIN
                ? m < (rel ? best * (1 - t) : best - t)
                : m > (rel ? best * (1 + t) : best + t);
    }
}
