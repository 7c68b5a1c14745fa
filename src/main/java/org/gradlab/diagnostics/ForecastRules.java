package org.gradlab.diagnostics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.gradlab.diagnostics.Forecaster.Config;
import org.gradlab.diagnostics.Forecaster.Forecast;
import org.gradlab.diagnostics.Forecaster.Signal;
import org.gradlab.diagnostics.Forecaster.Signals;

/**
 * The forecaster's state machine: per step it takes one {@link Signals} and returns the forecasts
 * it raises, judging each signal against running averages that only the past made (see
 * {@link Forecaster} for the rules). It holds nothing but numbers, all in its {@link
 * Forecaster.RulesState}, so the same steps give the same forecasts live, after a restore, or
 * replayed from a saved run.
 */
final class ForecastRules {
    /** Steps the fast averages span (EMA factor 1 - 1/FAST). */
    static final int FAST = 10;
    /** Steps the slow averages span. */
    static final int SLOW = 100;

    private final Config config;
    private long seen;
    private double startLoss;
    private double lossFast;
    private double lossSlow;
    private double lossLow = Double.POSITIVE_INFINITY;
    private double normFast;
    private double normSlow;
    private double normLow = Double.POSITIVE_INFINITY;
    private int ratioRun;
    private int sharpnessRun;
    private final Map<Signal, Long> fired = new HashMap<>();

    ForecastRules(Config config) {
        this.config = config;
    }

    Forecaster.RulesState state() {
        List<Forecaster.Fired> f = new ArrayList<>();
        for (Signal s : Signal.values()) {
            if (fired.containsKey(s)) {
                f.add(new Forecaster.Fired(s, fired.get(s)));
            }
        }
        return new Forecaster.RulesState(seen, startLoss, lossFast, lossSlow, lossLow, normFast, normSlow, normLow, ratioRun,
                sharpnessRun, f);
    }

    void restore(Forecaster.RulesState s) {
        seen = s.seen();
        startLoss = s.startLoss();
        lossFast = s.lossFast();
        lossSlow = s.lossSlow();
        lossLow = s.lossLow();
        normFast = s.normFast();
        normSlow = s.normSlow();
        normLow = s.normLow();
        ratioRun = s.ratioRun();
        sharpnessRun = s.sharpnessRun();
        fired.clear();
        s.fired().forEach(x -> fired.put(x.signal(), x.step()));
    }

    /** The forecasts step {@code x} raises (none once the loss is not finite: the run has failed). */
    List<Forecast> observe(Signals x) {
        List<Forecast> out = new ArrayList<>();
        if (!Double.isFinite(x.loss())) {
            return out;
        }
        seen++;
        if (seen <= config.warmup()) {
            startLoss = average(startLoss, x.loss(), seen, config.warmup());
        }
        lossFast = average(lossFast, x.loss(), seen, FAST);
        lossSlow = average(lossSlow, x.loss(), seen, SLOW);
        boolean normSeen = x.gradNorm() > 0 && Double.isFinite(x.gradNorm());
        if (normSeen) {
            double log = Math.log(x.gradNorm());
            normFast = average(normFast, log, seen, FAST);
            normSlow = average(normSlow, log, seen, SLOW);
        }
        ratioRun = x.updateRatio() >= config.ratioHigh() ? ratioRun + 1 : Double.isNaN(x.updateRatio()) ? ratioRun : 0;
        if (!Double.isNaN(x.sharpness())) {
            sharpnessRun = x.sharpness() >= config.sharpnessHigh() ? sharpnessRun + 1 : 0;
        }
        if (ratioRun >= config.ratioSteps()) {
            raise(out, x, Signal.UPDATE_RATIO, x.updateRatio(), config.ratioHigh(), String.format(Locale.ROOT,
                    "the largest update/weight ratio of a weight matrix has been at least %s for %d steps (%s now)",
                    Tables.g3(config.ratioHigh()), ratioRun, Tables.g3(x.updateRatio())));
        }
        if (sharpnessRun >= config.sharpnessSamples()) {
            raise(out, x, Signal.SHARPNESS, x.sharpness(), config.sharpnessHigh(), String.format(Locale.ROOT,
                    "the sharpness has been at least %s times its stability limit for %d samples (%s times now)",
                    Tables.g3(config.sharpnessHigh()), sharpnessRun, Tables.g3(x.sharpness())));
        }
        if (seen > config.warmup()) {
            normLow = Math.min(normLow, normSlow);
            lossLow = Math.min(lossLow, lossSlow);
            double growth = Math.exp(normFast - normLow);
            if (growth >= config.normGrowth()) {
                raise(out, x, Signal.GRAD_NORM_TREND, Math.exp(normFast), Math.exp(normLow) * config.normGrowth(),
                        String.format(Locale.ROOT, "the gradient norm's %d-step average, %s, is %s times its lowest %d-step "
                                + "average (%s)", FAST, Tables.g3(Math.exp(normFast)), Tables.g3(growth), SLOW,
                                Tables.g3(Math.exp(normLow))));
            }
            if (lossFast - lossLow >= config.lossRise()) {
                raise(out, x, Signal.LOSS_RISE, lossFast, lossLow + config.lossRise(), String.format(Locale.ROOT,
                        "the loss's %d-step average, %s, is %s above its lowest %d-step average (%s)", FAST, Tables.g3(lossFast),
                        Tables.g3(lossFast - lossLow), SLOW, Tables.g3(lossLow)));
            }
        }
        if (seen == config.stallSteps() && lossSlow > startLoss - config.stallDrop()) {
            raise(out, x, Signal.LOSS_STALL, lossSlow, startLoss - config.stallDrop(), String.format(Locale.ROOT,
                    "after %d steps the loss's average, %s, is less than %s below where it started (%s)", seen,
                    Tables.g3(lossSlow), Tables.g3(config.stallDrop()), Tables.g3(startLoss)));
        }
        return out;
    }

    /** Adds a forecast of {@code signal} unless it fired within the cooldown. */
    private void raise(List<Forecast> out, Signals x, Signal signal, double value, double threshold, String detail) {
        Long last = fired.get(signal);
        if (last != null && x.step() - last < config.cooldown()) {
            return;
        }
        fired.put(signal, x.step());
        out.add(new Forecast(x.step(), signal.expects(), signal, value, threshold, String.format(Locale.ROOT,
                "step %d: %s expected (%s): %s", x.step(), signal.expects().word(), signal.word(), detail)));
    }

    /** The running average of {@code n} values so far while {@code n <= span}, then an EMA over about {@code span} steps. */
    private static double average(double mean, double x, long n, int span) {
        double keep = n <= span ? 1.0 - 1.0 / n : 1.0 - 1.0 / span;
        return mean + (1 - keep) * (x - mean);
    }
}
