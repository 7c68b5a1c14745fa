package org.gradlab.experiment;

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

    /** One row per run. Steps that never happened ({@code diverged_step}, {@code first_step_over_1e3}) are missing. */
    public static Table runs(List<RunResult> results) {
        Table t = Table.create("runs", StringColumn.create("part"), StringColumn.create("config"), LongColumn.create("seed"),
                IntColumn.create("epochs"), DoubleColumn.create("test_acc"), DoubleColumn.create("train_loss"),
                BooleanColumn.create("diverged"), LongColumn.create("diverged_step"), BooleanColumn.create("collapsed"),
                DoubleColumn.create("grad_norm_step0"), DoubleColumn.create("grad_norm_median"),
                DoubleColumn.create("grad_norm_max"), LongColumn.create("first_step_over_1e3"),
                DoubleColumn.create("clipped_share"), DoubleColumn.create("activation_ratio"), DoubleColumn.create("seconds"));
        for (RunResult r : results) {
            t.stringColumn("part").append(r.spec().part());
            t.stringColumn("config").append(r.spec().config());
            t.longColumn("seed").append(r.spec().seed());
            t.intColumn("epochs").append(r.spec().epochs());
            t.doubleColumn("test_acc").append(r.testAccuracy());
            t.doubleColumn("train_loss").append(r.trainLoss());
            t.booleanColumn("diverged").append(r.diverged());
            appendStep(t.longColumn("diverged_step"), r.divergedAt());
            t.booleanColumn("collapsed").append(r.collapsed());
            t.doubleColumn("grad_norm_step0").append(r.gradNormStep0());
            t.doubleColumn("grad_norm_median").append(r.gradNormMedian());
            t.doubleColumn("grad_norm_max").append(r.gradNormMax());
            appendStep(t.longColumn("first_step_over_1e3"), r.firstStepOver1e3());
            t.doubleColumn("clipped_share").append(r.clippedShare());
            t.doubleColumn("activation_ratio").append(r.activationRatio());
            t.doubleColumn("seconds").append(r.seconds());
        }
        t.doubleColumn("test_acc").setPrintFormatter(NumberColumnFormatter.percent(2));
        return t;
    }

    /**
     * One row per configuration (part and config, in study order): seeds; test accuracy mean and
     * sample standard deviation; diverged and collapsed as {@code k/n}; medians over seeds of the
     * step-0 and the largest grad norm and of the first step above 1e3 (missing, NaN, when most
     * seeds never got there); mean share of clipped steps; median activation ratio; total seconds.
     */
    public static Table summary(List<RunResult> results) {
        Table t = Table.create("summary", StringColumn.create("part"), StringColumn.create("config"), IntColumn.create("seeds"),
                DoubleColumn.create("acc_mean"), DoubleColumn.create("acc_std"), StringColumn.create("diverged"),
                StringColumn.create("collapsed"), DoubleColumn.create("grad_norm_step0_median"),
                DoubleColumn.create("max_grad_norm_median"), DoubleColumn.create("first_step_over_1e3_median"),
                DoubleColumn.create("clipped_share_mean"), DoubleColumn.create("activation_ratio_median"),
                DoubleColumn.create("seconds"));
        for (List<RunResult> c : byConfig(results).values()) {
            RunSpec s = c.get(0).spec();
            t.stringColumn("part").append(s.part());
            t.stringColumn("config").append(s.config());
            t.intColumn("seeds").append(c.size());
            t.doubleColumn("acc_mean").append(Stats.mean(values(c, RunResult::testAccuracy)));
            t.doubleColumn("acc_std").append(Stats.std(values(c, RunResult::testAccuracy)));
            t.stringColumn("diverged").append(count(c, RunResult::diverged));
            t.stringColumn("collapsed").append(count(c, RunResult::collapsed));
            t.doubleColumn("grad_norm_step0_median").append(Stats.medianOf(values(c, RunResult::gradNormStep0)));
            t.doubleColumn("max_grad_norm_median").append(Stats.medianOf(values(c, RunResult::gradNormMax)));
            double first = Stats.medianOf(values(c, r -> r.exploded() ? r.firstStepOver1e3() : Double.POSITIVE_INFINITY));
            t.doubleColumn("first_step_over_1e3_median").append(Double.isInfinite(first) ? Double.NaN : first);
            t.doubleColumn("clipped_share_mean").append(Stats.mean(values(c, RunResult::clippedShare)));
            t.doubleColumn("activation_ratio_median").append(Stats.medianOf(values(c, RunResult::activationRatio)));
            t.doubleColumn("seconds").append(java.util.Arrays.stream(values(c, RunResult::seconds)).sum());
        }
        for (String col : List.of("acc_mean", "acc_std")) {
            t.doubleColumn(col).setPrintFormatter(NumberColumnFormatter.percent(2));
        }
        for (String col : List.of("grad_norm_step0_median", "max_grad_norm_median", "activation_ratio_median")) {
            t.doubleColumn(col).setPrintFormatter(new Significant());
        }
        t.doubleColumn("clipped_share_mean").setPrintFormatter(NumberColumnFormatter.percent(1));
        t.doubleColumn("first_step_over_1e3_median").setPrintFormatter(NumberColumnFormatter.ints());
        t.doubleColumn("seconds").setPrintFormatter(NumberColumnFormatter.fixedWithGrouping(1));
        return t;
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
                    mean[e] += (e < r.epochTestAccuracy().length ? r.epochTestAccuracy()[e] : r.testAccuracy()) / c.size();
                }
            }
            t.addColumns(DoubleColumn.create(c.get(0).spec().config(), mean));
        }
        return t;
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
