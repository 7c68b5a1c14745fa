package org.gradlab.diagnostics;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.gradlab.Words;

/**
 * How well forecasts came before failures over a set of runs: a failing run ({@link Failure}) is
 * <b>warned</b> when its first forecast came at a step before its failure step, and its
 * <b>lead</b> is the difference; a healthy run with any forecast is a <b>false alarm</b>.
 * {@code recall} = warned / failing, {@code medianLead} over the warned runs, false-alarm share =
 * false alarms / healthy. The study's goals: recall at least {@value #GOAL_RECALL}, median lead at
 * least {@value #GOAL_LEAD} steps, false alarms at most {@value #GOAL_FALSE_ALARMS} of the healthy
 * runs.
 *
 * <pre>{@code
 * ForecastScore s = ForecastScore.of(List.of(new ForecastScore.Case(389, 120), new ForecastScore.Case(-1, -1)));
 * s.recall();   // 1.0; s.medianLead() 269; s.falseAlarms() 0
 * }</pre>
 *
 * @param failing     runs that failed
 * @param warned      failing runs forecast before their failure step
 * @param healthy     runs that did not fail
 * @param falseAlarms healthy runs with a forecast
 * @param leads       each warned run's lead in steps, ascending
 */
public record ForecastScore(int failing, int warned, int healthy, int falseAlarms, long[] leads) {
    public static final double GOAL_RECALL = 0.9;
    public static final double GOAL_LEAD = 50;
    public static final double GOAL_FALSE_ALARMS = 0.02;

    /** One run: its failure step and its first forecast's step, each -1 for none. */
    public record Case(long failureStep, long firstForecastStep) {
        public Case {
            if (failureStep < -1 || firstForecastStep < -1) {
                throw new IllegalArgumentException("forecast score: steps must be >= 0, or -1 for none, got " + failureStep
                        + " and " + firstForecastStep);
            }
        }

        public boolean failed() {
            return failureStep >= 0;
        }

        /** Failed, and forecast before the failure step. */
        public boolean warned() {
            return failed() && firstForecastStep >= 0 && firstForecastStep < failureStep;
        }
    }

    /** The score of {@code cases}. */
    public static ForecastScore of(List<Case> cases) {
        if (cases == null) {
            throw new IllegalArgumentException("forecast score: cases must not be null");
        }
        int failing = (int) cases.stream().filter(Case::failed).count();
        long[] leads = cases.stream().filter(Case::warned).mapToLong(c -> c.failureStep() - c.firstForecastStep()).sorted().toArray();
        int falseAlarms = (int) cases.stream().filter(c -> !c.failed() && c.firstForecastStep() >= 0).count();
        return new ForecastScore(failing, leads.length, cases.size() - failing, falseAlarms, leads);
    }

    /** Warned over failing (NaN without a failing run). */
    public double recall() {
        return failing == 0 ? Double.NaN : warned / (double) failing;
    }

    /** The median lead of the warned runs in steps (the mean of the middle two for an even count; NaN when none). */
    public double medianLead() {
        int n = leads.length;
        return n == 0 ? Double.NaN : n % 2 == 1 ? leads[n / 2] : (leads[n / 2 - 1] + leads[n / 2]) / 2.0;
    }

    /** False alarms over healthy runs (NaN without a healthy run). */
    public double falseAlarmShare() {
        return healthy == 0 ? Double.NaN : falseAlarms / (double) healthy;
    }

    /** Whether each goal is met (recall, lead, false alarms); a goal without runs to judge it is not met. */
    public boolean[] goalsMet() {
        return new boolean[] {recall() >= GOAL_RECALL, medianLead() >= GOAL_LEAD, falseAlarmShare() <= GOAL_FALSE_ALARMS};
    }

    /** "warned 30 of 35 failing runs (85.7%), median lead 74 steps; 2 false alarms in 109 healthy runs (1.8%)". */
    public String words() {
        return String.format(Locale.ROOT, "warned %d of %d failing runs before they failed (%s), median lead %s; %d false %s in %d "
                + "healthy runs (%s)", warned, failing, percent(recall()), Double.isNaN(medianLead()) ? "none"
                : String.format(Locale.ROOT, "%.0f steps", medianLead()), falseAlarms, Words.noun(falseAlarms, "alarm"),
                healthy, percent(falseAlarmShare()));
    }

    private static String percent(double share) {
        return Double.isNaN(share) ? "no runs" : String.format(Locale.ROOT, "%.1f%%", 100 * share);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ForecastScore s && s.failing == failing && s.warned == warned && s.healthy == healthy
                && s.falseAlarms == falseAlarms && Arrays.equals(s.leads, leads);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(leads) + failing + 7 * warned + 13 * healthy + 17 * falseAlarms;
    }

    @Override
    public String toString() {
        return "ForecastScore[" + words() + "]";
    }
}
