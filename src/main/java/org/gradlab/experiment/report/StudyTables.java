package org.gradlab.experiment.report;

import org.gradlab.experiment.spec.RunSpec;
import org.gradlab.experiment.engine.Stats;
import org.gradlab.experiment.engine.RunResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.ToDoubleFunction;
import tech.tablesaw.api.BooleanColumn;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.LongColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.numbers.NumberColumnFormatter;

/**
 * A study's results as Tablesaw tables: one row per run ({@link #runs}), one per configuration
 * ({@link #summary}), and the series its charts draw. Rows follow the order of the results
 * (the study's order), never the order runs finished in.
 */
public final class StudyTables {
    private StudyTables() {
    }

    /**
     * One row per run. Steps that never happened ({@code diverged_step}, {@code first_step_over_*})
     * are missing. {@code loss_spikes}: batch losses more than 1.5 nats above the median of the
     * previous 50. {@code outcome}: diverged, collapsed, degraded, trained, or failed (the run could
     * not be trained: {@code failure} says why); {@code exploded}: the pre-clip gradient norm went
     * above 1e3, or the run diverged. {@code failure_step} and {@code failure_kind}: when and how the
     * run failed ({@code Failure}: explosion at the first non-finite loss or gradient norm above 1e3;
     * else collapse where the 100-step mean loss starts to stay above 2.0); {@code first_forecast_step}
     * and {@code forecast}: the forecaster's first forecast, the failure it expected and its signal.
     */
    public static Table runs(List<RunResult> results) {
        Table t = Table.create("runs", StringColumn.create("part"), StringColumn.create("config"), LongColumn.create("seed"),
                IntColumn.create("epochs"), DoubleColumn.create("test_acc"), DoubleColumn.create("train_loss"),
                BooleanColumn.create("diverged"), LongColumn.create("diverged_step"), BooleanColumn.create("collapsed"),
                DoubleColumn.create("grad_norm_step0"), DoubleColumn.create("grad_norm_median"),
                DoubleColumn.create("grad_norm_max"), LongColumn.create("first_step_over_1e3"),
                DoubleColumn.create("clipped_share"), DoubleColumn.create("activation_ratio"), DoubleColumn.create("seconds"),
                IntColumn.create("loss_spikes"), LongColumn.create("first_step_over_10"), LongColumn.create("first_step_over_100"),
                StringColumn.create("outcome"), BooleanColumn.create("exploded"), StringColumn.create("failure"),
                LongColumn.create("failure_step"), StringColumn.create("failure_kind"), LongColumn.create("first_forecast_step"),
                StringColumn.create("forecast"));
        for (RunResult r : results) {
            t.stringColumn("part").append(r.spec().part());
            t.stringColumn("config").append(r.spec().config());
            t.longColumn("seed").append(r.spec().seed());
            t.intColumn("epochs").append(r.spec().epochs());
            t.doubleColumn("test_acc").append(r.testAccuracy());
            t.doubleColumn("train_loss").append(r.end().trainLoss());
            t.booleanColumn("diverged").append(r.diverged());
            appendStep(t.longColumn("diverged_step"), r.end().divergedAt());
            t.booleanColumn("collapsed").append(r.collapsed());
            t.doubleColumn("grad_norm_step0").append(r.norms().step0());
            t.doubleColumn("grad_norm_median").append(r.norms().median());
            t.doubleColumn("grad_norm_max").append(r.norms().max());
            appendStep(t.longColumn("first_step_over_1e3"), r.norms().firstOver1e3());
            t.doubleColumn("clipped_share").append(r.norms().clippedShare());
            t.doubleColumn("activation_ratio").append(r.layers().activationRatio());
            t.doubleColumn("seconds").append(r.seconds());
            t.intColumn("loss_spikes").append(r.end().lossSpikes());
            appendStep(t.longColumn("first_step_over_10"), r.norms().firstOver10());
            appendStep(t.longColumn("first_step_over_100"), r.norms().firstOver100());
            t.stringColumn("outcome").append(r.failed() ? "failed" : r.outcome().word());
            t.booleanColumn("exploded").append(r.exploded());
            t.stringColumn("failure").append(r.failed() ? r.end().failure() : "");
            java.util.Optional<org.gradlab.diagnostics.Failure> failure = r.failure();
            appendStep(t.longColumn("failure_step"), failure.map(org.gradlab.diagnostics.Failure::step).orElse(-1L));
            t.stringColumn("failure_kind").append(failure.map(f -> f.kind().word()).orElse(""));
            List<org.gradlab.diagnostics.Forecaster.Forecast> forecasts = r.forecasts();
            appendStep(t.longColumn("first_forecast_step"), forecasts.isEmpty() ? -1 : forecasts.get(0).step());
            t.stringColumn("forecast").append(forecasts.isEmpty() ? "" : forecasts.get(0).expected().word() + ": "
                    + forecasts.get(0).signal().word());
        }
        t.doubleColumn("test_acc").setPrintFormatter(NumberColumnFormatter.percent(2));
        return t;
    }

    /**
     * One row per configuration (part and config, in study order): seeds; test accuracy mean and
     * sample standard deviation; diverged and collapsed as {@code k/n}; medians over seeds of the
     * step-0 and the largest grad norm and of the first step above 1e3 (missing, NaN, when most
     * seeds never got there); mean share of clipped steps; median activation ratio; total seconds;
     * median loss spikes, seeds with a spike as {@code k/n}, and medians of the first steps above 10
     * and 100 (as for 1e3).
     */
    public static Table summary(List<RunResult> results) {
        Table t = Table.create("summary", StringColumn.create("part"), StringColumn.create("config"), IntColumn.create("seeds"),
                DoubleColumn.create("acc_mean"), DoubleColumn.create("acc_std"), StringColumn.create("diverged"),
                StringColumn.create("collapsed"), DoubleColumn.create("grad_norm_step0_median"),
                DoubleColumn.create("max_grad_norm_median"), DoubleColumn.create("first_step_over_1e3_median"),
                DoubleColumn.create("clipped_share_mean"), DoubleColumn.create("activation_ratio_median"),
                DoubleColumn.create("seconds"), DoubleColumn.create("loss_spikes_median"), StringColumn.create("spiked"),
                DoubleColumn.create("first_step_over_10_median"), DoubleColumn.create("first_step_over_100_median"));
        for (List<RunResult> c : byConfig(results).values()) {
            RunSpec s = c.get(0).spec();
            t.stringColumn("part").append(s.part());
            t.stringColumn("config").append(s.config());
            t.intColumn("seeds").append(c.size());
            t.doubleColumn("acc_mean").append(Stats.mean(values(c, RunResult::testAccuracy)));
            t.doubleColumn("acc_std").append(Stats.std(values(c, RunResult::testAccuracy)));
            t.stringColumn("diverged").append(count(c, RunResult::diverged));
            t.stringColumn("collapsed").append(count(c, RunResult::collapsed));
            t.doubleColumn("grad_norm_step0_median").append(Stats.medianOf(values(c, r -> r.norms().step0())));
            t.doubleColumn("max_grad_norm_median").append(Stats.medianOf(values(c, r -> r.norms().max())));
            t.doubleColumn("first_step_over_1e3_median").append(firstStepMedian(c, r -> r.norms().firstOver1e3()));
            t.doubleColumn("clipped_share_mean").append(Stats.mean(values(c, r -> r.norms().clippedShare())));
            t.doubleColumn("activation_ratio_median").append(Stats.medianOf(values(c, r -> r.layers().activationRatio())));
            t.doubleColumn("seconds").append(java.util.Arrays.stream(values(c, RunResult::seconds)).sum());
            t.doubleColumn("loss_spikes_median").append(Stats.medianOf(values(c, r -> r.end().lossSpikes())));
            t.stringColumn("spiked").append(count(c, r -> r.end().lossSpikes() > 0));
            t.doubleColumn("first_step_over_10_median").append(firstStepMedian(c, r -> r.norms().firstOver10()));
            t.doubleColumn("first_step_over_100_median").append(firstStepMedian(c, r -> r.norms().firstOver100()));
        }
        for (String col : List.of("acc_mean", "acc_std")) {
            t.doubleColumn(col).setPrintFormatter(NumberColumnFormatter.percent(2));
        }
        for (String col : List.of("grad_norm_step0_median", "max_grad_norm_median", "activation_ratio_median")) {
            t.doubleColumn(col).setPrintFormatter(new Significant());
        }
        t.doubleColumn("clipped_share_mean").setPrintFormatter(NumberColumnFormatter.percent(1));
        for (String col : List.of("first_step_over_1e3_median", "loss_spikes_median", "first_step_over_10_median",
                "first_step_over_100_median")) {
            t.doubleColumn(col).setPrintFormatter(NumberColumnFormatter.ints());
        }
        t.doubleColumn("seconds").setPrintFormatter(NumberColumnFormatter.fixedWithGrouping(1));
        return t;
    }

    /**
     * One row per configuration, narrow enough to read (names left-aligned, numbers rounded to what
     * matters; the full table is {@link #summary}): config, seeds, accuracy (mean +- sample standard
     * deviation, in percent), outcomes (counts per outcome, failed runs included), exploded
     * (seeds), the median largest gradient norm, and the median first step above 1e3 ("never" when
     * most seeds never got there).
     */
    public static Table narrow(List<RunResult> results) {
        Table t = Table.create("summary", StringColumn.create("config"), IntColumn.create("seeds"), StringColumn.create("accuracy %"),
                StringColumn.create("outcomes"), StringColumn.create("exploded"), StringColumn.create("max grad norm"),
                StringColumn.create("first step > 1e3"));
        for (List<RunResult> c : byConfig(results).values()) {
            List<RunResult> ran = c.stream().filter(r -> !r.failed()).toList();
            t.stringColumn("config").append(c.get(0).spec().config());
            t.intColumn("seeds").append(c.size());
            double[] acc = values(ran, RunResult::testAccuracy);
            t.stringColumn("accuracy %").append(ran.isEmpty() ? "" : acc.length < 2 ? String.format(java.util.Locale.ROOT, "%.1f",
                    100 * acc[0]) : String.format(java.util.Locale.ROOT, "%.1f +- %.1f", 100 * Stats.mean(acc), 100 * Stats.std(acc)));
            Map<String, Long> counts = new LinkedHashMap<>();
            for (RunResult.Outcome o : RunResult.Outcome.values()) {
                long k = ran.stream().filter(r -> r.outcome() == o).count();
                if (k > 0) {
                    counts.put(o.word(), k);
                }
            }
            long failed = c.size() - ran.size();
            if (failed > 0) {
                counts.put("failed", failed);
            }
            t.stringColumn("outcomes").append(counts.entrySet().stream().map(e -> e.getValue() + " " + e.getKey())
                    .collect(java.util.stream.Collectors.joining(", ")));
            t.stringColumn("exploded").append(ran.stream().filter(RunResult::exploded).count() + "/" + ran.size());
            t.stringColumn("max grad norm").append(ran.isEmpty() ? "" : new Significant().format(Stats.medianOf(values(ran,
                    r -> r.norms().max()))));
            double first = firstStepMedian(ran, r -> r.norms().firstOver1e3());
            t.stringColumn("first step > 1e3").append(ran.isEmpty() ? "" : Double.isNaN(first) ? "never"
                    : String.format(java.util.Locale.ROOT, "%.0f", first));
        }
        return t;
    }

    /**
     * A table as fixed-width text of at most {@code width} columns: text columns left-aligned,
     * the others right-aligned, a column cut with "..." only when the whole does not fit.
     */
    public static String text(Table t, int width) {
        int cols = t.columnCount();
        int[] w = new int[cols];
        for (int c = 0; c < cols; c++) {
            w[c] = t.column(c).name().length();
            for (int r = 0; r < t.rowCount(); r++) {
                w[c] = Math.max(w[c], t.getString(r, c).length());
            }
        }
        int total = java.util.Arrays.stream(w).sum() + 2 * (cols - 1);
        for (int c = 0; total > width && c < cols; c++) {     // cut the widest text columns first
            int widest = 0;
            for (int k = 1; k < cols; k++) {
                widest = w[k] > w[widest] ? k : widest;
            }
            int cut = Math.min(total - width, w[widest] - 8);
            w[widest] -= Math.max(0, cut);
            total = java.util.Arrays.stream(w).sum() + 2 * (cols - 1);
        }
        StringBuilder b = new StringBuilder(t.name()).append('\n');
        for (int r = -1; r < t.rowCount(); r++) {
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < cols; c++) {
                String v = r < 0 ? t.column(c).name() : t.getString(r, c);
                if (v.length() > w[c]) {
                    v = v.substring(0, w[c] - 3) + "...";
                }
                boolean left = textColumn(t, c);
                line.append(c == 0 ? "" : "  ").append(left ? pad(v, w[c], true) : pad(v, w[c], false));
            }
            b.append(line.toString().stripTrailing()).append('\n');
        }
        return b.toString();
    }

    /** Whether column {@code c} holds words (left-aligned) rather than numbers. */
    private static boolean textColumn(Table t, int c) {
        if (t.column(c).type() != tech.tablesaw.api.ColumnType.STRING) {
            return false;
        }
        for (int r = 0; r < t.rowCount(); r++) {
            String v = t.getString(r, c);
            if (!v.isEmpty() && !v.matches("[-+0-9.eE/ ]+|never|[-+0-9.]+ \\+- [0-9.]+")) {
                return true;
            }
        }
        return false;
    }

    private static String pad(String v, int width, boolean left) {
        String fill = " ".repeat(Math.max(0, width - v.length()));
        return left ? v + fill : fill + v;
    }

    /** The median over seeds of a first step ({@code -1}: never, counted as later than any), missing when most seeds never got there. */
    private static double firstStepMedian(List<RunResult> c, java.util.function.ToLongFunction<RunResult> step) {
        double m = Stats.medianOf(values(c, r -> step.applyAsLong(r) >= 0 ? step.applyAsLong(r) : Double.POSITIVE_INFINITY));
        return Double.isInfinite(m) ? Double.NaN : m;
    }

    /** The results grouped by {@code part/config}, groups and members in study order. */
    public static Map<String, List<RunResult>> byConfig(List<RunResult> results) {
        Map<String, List<RunResult>> m = new LinkedHashMap<>();
        for (RunResult r : results) {
            m.computeIfAbsent(r.spec().part() + "/" + r.spec().config(), k -> new ArrayList<>()).add(r);
        }
        return m;
    }

    /**
     * Mean test accuracy per epoch, one column per configuration (after a run diverged, its
     * accuracy at the stop stands for the epochs it did not train).
     */
    public static Table epochAccuracy(List<RunResult> results) {
        int epochs = results.stream().mapToInt(r -> r.spec().epochs()).max().orElse(0);
        Table t = Table.create("mean test accuracy per epoch", IntColumn.indexColumn("epoch", epochs, 1));
        for (List<RunResult> c : byConfig(results).values()) {
            double[] mean = new double[epochs];
            for (RunResult r : c) {
                for (int e = 0; e < epochs; e++) {
                    mean[e] += (e < r.end().epochTestAccuracy().length ? r.end().epochTestAccuracy()[e] : r.testAccuracy()) / c.size();
                }
            }
            t.addColumns(DoubleColumn.create(c.get(0).spec().config(), mean));
        }
        return t;
    }

    /**
     * Final test accuracy by schedule family and peak learning rate (from the specs' structure,
     * {@code ScheduleSpec.family()} and {@code peakLr()}), one row per configuration: {@code family,
     * peak_lr, acc_mean, acc_std} (NaN with one seed) and {@code seeds}. Empty unless it is a
     * comparison of rates: every configuration has its own family and rate, and some family has
     * two rates or more (so the clipping and structure parts, whose configurations share a rate,
     * get none).
     */
    public static Table accuracyByPeakLr(List<RunResult> results) {
        Table t = Table.create("final accuracy by peak learning rate", StringColumn.create("family"), DoubleColumn.create("peak_lr"),
                DoubleColumn.create("acc_mean"), DoubleColumn.create("acc_std"), IntColumn.create("seeds"));
        java.util.Set<List<Object>> seen = new java.util.HashSet<>();
        Map<String, java.util.Set<Double>> rates = new LinkedHashMap<>();
        for (List<RunResult> c : byConfig(results).values()) {
            RunSpec s = c.get(0).spec();
            if (!seen.add(List.of(s.schedule().family(), s.schedule().peakLr()))) {
                return t.emptyCopy();
            }
            rates.computeIfAbsent(s.schedule().family(), k -> new java.util.HashSet<>()).add(s.schedule().peakLr());
            t.stringColumn("family").append(s.schedule().family());
            t.doubleColumn("peak_lr").append(s.schedule().peakLr());
            t.doubleColumn("acc_mean").append(Stats.mean(values(c, RunResult::testAccuracy)));
            t.doubleColumn("acc_std").append(Stats.std(values(c, RunResult::testAccuracy)));
            t.intColumn("seeds").append(c.size());
        }
        return rates.values().stream().anyMatch(r -> r.size() >= 2) ? t : t.emptyCopy();
    }

    /**
     * A per-step series of the first seed of each configuration ({@code gradNorms} or {@code lrs}),
     * one column per configuration, as long as the longest run; steps a run did not take are missing.
     */
    public static Table perStep(List<RunResult> results, String name, Function<RunResult, double[]> series) {
        return firstSeeds(results, name, "step", 0, series);
    }

    /**
     * Each Linear layer's gradient norm by depth (1 = the input layer), one column per
     * configuration (first seed) that has {@code norms}: at step 0, or at the first step above 1e3.
     */
    public static Table layerNorms(List<RunResult> results, String name, Function<RunResult, double[]> norms) {
        return firstSeeds(results, name, "depth", 1, norms);
    }

    /** An index column from {@code from}, then {@code series} of each configuration's first seed that has any, padded with missing values. */
    private static Table firstSeeds(List<RunResult> results, String name, String index, int from, Function<RunResult, double[]> series) {
        List<RunResult> firsts = byConfig(results).values().stream().map(c -> c.get(0))
                .filter(r -> series.apply(r).length > 0).toList();
        int rows = firsts.stream().mapToInt(r -> series.apply(r).length).max().orElse(0);
        Table t = Table.create(name, IntColumn.indexColumn(index, rows, from));
        for (RunResult r : firsts) {
            double[] v = java.util.Arrays.copyOf(series.apply(r), rows);
            java.util.Arrays.fill(v, series.apply(r).length, rows, Double.NaN);
            t.addColumns(DoubleColumn.create(r.spec().config(), v));
        }
        return t;
    }

    /**
     * A recurrent run's {@link RunResult#throughTime} in {@code ThroughTime}'s layout (layer
     * {@code "1"}, the cell's place in the model; level 0; step; distance; grad_norm; vs_last).
     */
    public static Table throughTime(RunResult r) {
        double[] n = r.layers().throughTime();
        int time = n.length;
        Table t = Table.create("gradient norm through time at init, first batch: " + r.spec().id(), StringColumn.create("layer"),
                IntColumn.create("level"), IntColumn.create("step"), IntColumn.create("distance"),
                DoubleColumn.create("grad_norm"), DoubleColumn.create("vs_last"));
        for (int s = 0; s < time; s++) {
            t.stringColumn("layer").append("1");
            t.intColumn("level").append(0);
            t.intColumn("step").append(s);
            t.intColumn("distance").append(time - 1 - s);
            t.doubleColumn("grad_norm").append(n[s]);
            t.doubleColumn("vs_last").append(n[s] / n[time - 1]);
        }
        return t;
    }

    /** Three significant digits, {@code inf} for infinity, blank for missing. */
    private static final class Significant extends NumberColumnFormatter {
        @Override
        public String format(double v) {
            if (Double.isNaN(v)) {
                return "";
            }
            if (Double.isInfinite(v)) {
                return v > 0 ? "inf" : "-inf";
            }
            return String.format(java.util.Locale.ROOT, Math.abs(v) >= 1e4 || (v != 0 && Math.abs(v) < 1e-3) ? "%.2e" : "%.3g", v);
        }
    }

    private static double[] values(List<RunResult> c, ToDoubleFunction<RunResult> f) {
        return c.stream().mapToDouble(f).toArray();
    }

    private static String count(List<RunResult> c, Predicate<RunResult> p) {
        return c.stream().filter(p).count() + "/" + c.size();
    }

    private static void appendStep(LongColumn col, long step) {
        if (step >= 0) {
            col.append(step);
        } else {
            col.appendMissing();
        }
    }
}
