package org.gradlab.experiment.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.gradlab.Words;
import org.gradlab.diagnostics.Failure;
import org.gradlab.diagnostics.ForecastScore;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * The forecaster measured on a study, from {@code runs.csv}'s {@code failure_step} and
 * {@code first_forecast_step} alone ({@link ForecastScore}): over every run, over the seeds its
 * thresholds were tuned on ({@link #TUNED_SEEDS}) and over the others (held out), and per part.
 * The scopes as a table ({@link #table}) and the study-wide ones as {@link Claim}s (kinds
 * {@code forecast_recall}, {@code forecast_lead}, {@code forecast_false_alarms}, part empty), each
 * saying whether its goal is met. Runs that could not be trained are left out.
 *
 * <pre>{@code
 * Table scores = EarlyWarning.table(StudyTables.runs(results));
 * }</pre>
 */
public final class EarlyWarning {
    /** The seeds the forecaster's default thresholds were tuned on; the study's other seeds are held out. */
    public static final List<Long> TUNED_SEEDS = List.of(0L, 1L);

    /** How the forecaster was measured, for the report. */
    public static final String METHOD = String.format(Locale.ROOT, "Every run is a case. A run fails at its first non-finite "
            + "loss or the first step its gradient norm passes %.0e (an explosion), or else, for a collapse, at the first step "
            + "from which the mean of the last %d batch losses stays above %.1f to the end. A forecast counts when it comes "
            + "before the failure step; the lead is how many steps before. A forecast in a run that did not fail is a false "
            + "alarm. The forecaster reads only what a run shows while it trains: the loss, the gradient norm, the update/weight "
            + "ratios and, where sampled, the sharpness against its stability limit. Its thresholds were tuned on seeds %s. "
            + "Goals: recall at least %.0f%%, median lead at least %.0f steps, false alarms in at most %.0f%% of the healthy "
            + "runs.", Failure.EXPLOSION_NORM, Failure.WINDOW, Failure.COLLAPSE_LOSS,
            TUNED_SEEDS.stream().map(String::valueOf).collect(Collectors.joining(" and ")), 100 * ForecastScore.GOAL_RECALL,
            ForecastScore.GOAL_LEAD, 100 * ForecastScore.GOAL_FALSE_ALARMS);

    private EarlyWarning() {
    }

    /** One scope: its words, its part (empty: every part), its seeds, and the score over its runs. */
    record Scope(String words, String part, List<Long> seeds, ForecastScore score) {
    }

    /**
     * The scopes of {@code runs} (a {@code runs.csv} table): every run; the tuned seeds and the
     * held-out seeds when the study has both; each part when there are several.
     */
    static List<Scope> scopes(Table runs) {
        List<Long> seeds = List.copyOf(new TreeSet<>(runs.longColumn("seed").asList()));
        List<Scope> out = new ArrayList<>();
        out.add(scope(runs, "Every run (" + seedWords(seeds) + ")", "", seeds));
        List<Long> tuned = seeds.stream().filter(TUNED_SEEDS::contains).toList();
        List<Long> held = seeds.stream().filter(s -> !TUNED_SEEDS.contains(s)).toList();
        if (!tuned.isEmpty() && !held.isEmpty()) {
            out.add(scope(runs, cap(seedWords(tuned)) + ", the thresholds' tuning seeds", "", tuned));
            out.add(scope(runs, cap(seedWords(held)) + ", held out (not used to choose the thresholds)",
                    "", held));
        }
        List<String> parts = runs.stringColumn("part").asList().stream().distinct().toList();
        if (parts.size() > 1) {
            parts.forEach(p -> out.add(scope(runs, "Part " + p + " (" + seedWords(seeds) + ")", p, seeds)));
        }
        return out;
    }

    private static Scope scope(Table runs, String words, String part, List<Long> seeds) {
        List<ForecastScore.Case> cases = new ArrayList<>();
        for (int i = 0; i < runs.rowCount(); i++) {
            boolean in = (part.isEmpty() || runs.stringColumn("part").get(i).equals(part))
                    && seeds.contains(runs.longColumn("seed").get(i)) && !runs.stringColumn("outcome").get(i).equals("failed");
            if (in) {
                cases.add(new ForecastScore.Case(step(runs, "failure_step", i), step(runs, "first_forecast_step", i)));
            }
        }
        return new Scope(words, part, seeds, ForecastScore.of(cases));
    }

    private static long step(Table runs, String column, int row) {
        return runs.longColumn(column).isMissing(row) ? -1 : runs.longColumn(column).getLong(row);
    }

    /**
     * One row per scope: scope, runs, failing, warned (before the failure step), recall, median
     * lead (steps), healthy, false alarms, false-alarm share.
     */
    public static Table table(Table runs) {
        Table t = Table.create("the forecaster: failures warned before they happened, and false alarms",
                StringColumn.create("scope"), IntColumn.create("runs"), IntColumn.create("failing"), IntColumn.create("warned"),
                DoubleColumn.create("recall"), DoubleColumn.create("median_lead"), IntColumn.create("healthy"),
                IntColumn.create("false_alarms"), DoubleColumn.create("false_alarm_share"));
        for (Scope s : scopes(runs)) {
            ForecastScore f = s.score();
            t.stringColumn("scope").append(s.words());
            t.intColumn("runs").append(f.failing() + f.healthy());
            t.intColumn("failing").append(f.failing());
            t.intColumn("warned").append(f.warned());
            t.doubleColumn("recall").append(f.recall());
            t.doubleColumn("median_lead").append(f.medianLead());
            t.intColumn("healthy").append(f.healthy());
            t.intColumn("false_alarms").append(f.falseAlarms());
            t.doubleColumn("false_alarm_share").append(f.falseAlarmShare());
        }
        t.doubleColumn("recall").setPrintFormatter(tech.tablesaw.columns.numbers.NumberColumnFormatter.percent(1));
        t.doubleColumn("false_alarm_share").setPrintFormatter(tech.tablesaw.columns.numbers.NumberColumnFormatter.percent(1));
        t.doubleColumn("median_lead").setPrintFormatter(tech.tablesaw.columns.numbers.NumberColumnFormatter.ints());
        return t;
    }

    /** The study-wide scopes' claims: recall, median lead and false alarms, each where it has runs to count. */
    static List<Claim> claims(Table runs) {
        List<Claim> out = new ArrayList<>();
        for (Scope s : scopes(runs)) {
            if (!s.part().isEmpty()) {
                continue;
            }
            ForecastScore f = s.score();
            boolean[] met = f.goalsMet();
            if (f.failing() > 0) {
                out.add(claim(s, "forecast_recall", String.format(Locale.ROOT, "%s: the forecaster warned %d of %d failing runs "
                        + "before they failed (%.1f%%; goal at least %.0f%%: %s).", s.words(), f.warned(), f.failing(),
                        100 * f.recall(), 100 * ForecastScore.GOAL_RECALL, met(met[0])))
                        .withReason(null, f.warned() + "/" + f.failing()));
            }
            if (f.warned() > 0) {
                out.add(claim(s, "forecast_lead", String.format(Locale.ROOT, "%s: the median warning came %s steps before the "
                        + "failure (over the %d warned runs; goal at least %.0f steps: %s).", s.words(), steps(f.medianLead()),
                        f.warned(), ForecastScore.GOAL_LEAD, met(met[1]))).withValue(f.medianLead(), f.warned()));
            }
            if (f.healthy() > 0) {
                out.add(claim(s, "forecast_false_alarms", String.format(Locale.ROOT, "%s: the forecaster raised a forecast in %d "
                        + "of %d healthy runs (%.1f%%; goal at most %.0f%%: %s).", s.words(), f.falseAlarms(), f.healthy(),
                        100 * f.falseAlarmShare(), 100 * ForecastScore.GOAL_FALSE_ALARMS, met(met[2])))
                        .withReason(null, f.falseAlarms() + "/" + f.healthy()));
            }
        }
        return out;
    }

    private static Claim claim(Scope s, String kind, String text) {
        return Claim.of("", kind, List.of(), text).withSeeds(s.seeds());
    }

    private static String met(boolean yes) {
        return yes ? "met" : "not met";
    }

    private static String steps(double v) {
        return v == Math.rint(v) ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.1f", v);
    }

    /** "seed 0", "seeds 0 and 1", "seeds 0, 1, 2". */
    static String seedWords(List<Long> seeds) {
        String list = seeds.size() == 2 ? seeds.get(0) + " and " + seeds.get(1)
                : seeds.stream().map(String::valueOf).collect(Collectors.joining(", "));
        return Words.noun(seeds.size(), "seed") + " " + list;
    }

    private static String cap(String s) {
        return Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }
}
