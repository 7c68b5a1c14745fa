package org.gradlab.experiment.report;

import org.gradlab.experiment.spec.Design;
import org.gradlab.experiment.spec.RunSpec;
import org.gradlab.experiment.engine.RunResult;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.gradlab.plot.Outputs;
import org.gradlab.plot.Report;
import org.gradlab.plot.StudyCharts;
import org.gradlab.plot.ThroughTimeChart;
import org.knowm.xchart.internal.chartpart.Chart;
import tech.tablesaw.api.Table;

/**
 * A study's results, part by part: tables, charts, conclusions, and the files they are written
 * to ({@code runs.csv}, {@code summary.csv}, {@code <part>-*.png}, {@code report.html}).
 *
 * @param runs        one row per run
 * @param summary     one row per configuration
 * @param parts       per part, in study order: its summary rows, charts and conclusions
 */
public record StudyReport(Table runs, Table summary, Map<String, Part> parts) {

    /** One part's summary rows, charts (file stem to chart) and conclusions. */
    public record Part(String name, Table summary, Map<String, Chart<?, ?>> charts, List<String> conclusions) {
    }

    /**
     * Tables, charts and conclusions of {@code results} (in study order). A run that failed (see
     * {@link RunResult#failed()}) is a row of {@code runs} with its reason; the summary, charts and
     * conclusions are of the runs that trained, and each part's conclusions end by listing its failed runs.
     */
    public static StudyReport of(List<RunResult> results) {
        Map<String, List<RunResult>> byPart = new LinkedHashMap<>();
        results.forEach(r -> byPart.computeIfAbsent(r.spec().part(), k -> new ArrayList<>()).add(r));
        Map<String, Part> parts = new LinkedHashMap<>();
        byPart.forEach((name, rs) -> parts.put(name, part(name, rs)));
        return new StudyReport(StudyTables.runs(results), StudyTables.summary(trained(results)), parts);
    }

    private static List<RunResult> trained(List<RunResult> rs) {
        return rs.stream().filter(r -> !r.failed()).toList();
    }

    /** One line naming each failed run of a part and why, or none. */
    private static List<String> failures(List<RunResult> rs) {
        List<String> failed = rs.stream().filter(RunResult::failed).map(r -> r.spec().id() + " (" + r.end().failure() + ")").toList();
        return failed.isEmpty() ? List.of() : List.of("Failed, so not in the table, charts or conclusions above: "
                + String.join("; ", failed) + ".");
    }

    private static Part part(String name, List<RunResult> all) {
        List<RunResult> rs = trained(all);
        if (rs.isEmpty()) {
            return new Part(name, StudyTables.summary(rs).setName(name + ": summary"), Map.of(), failures(all));
        }
        Table summary = StudyTables.summary(rs).setName(name + ": summary");
        Map<String, Chart<?, ?>> charts = new LinkedHashMap<>();
        charts.put("accuracy", StudyCharts.accuracy(summary, name));
        charts.put("epochs", StudyCharts.epochAccuracy(StudyTables.epochAccuracy(rs), name));
        Map<String, Double> thresholds = new LinkedHashMap<>();
        rs.stream().flatMap(r -> r.spec().gradients().stream()).mapToDouble(org.gradlab.experiment.spec.TransformSpec::normThreshold)
                .filter(Double::isFinite).distinct().sorted().forEach(t -> thresholds.put("clip at norm " + Design.num(t), t));
        charts.put("grad-norms", StudyCharts.gradNorms(StudyTables.perStep(rs, "grad norm per step", r -> r.series().gradNorms()), name,
                thresholds));
        if (rs.stream().anyMatch(r -> !(r.spec().schedule() instanceof org.gradlab.experiment.spec.ScheduleSpec.Constant))) {
            charts.put("lr", StudyCharts.learningRates(StudyTables.perStep(rs, "lr per step", r -> r.series().lrs()), name));
        }
        charts.put("layers-step0", StudyCharts.layerNorms(StudyTables.layerNorms(rs, "step 0", r -> r.layers().step0()),
                "Gradient norm per Linear layer at step 0, first seed (" + name + ")"));
        if (rs.stream().anyMatch(RunResult::exploded)) {
            charts.put("layers-explosion", StudyCharts.layerNorms(
                    StudyTables.layerNorms(rs, "explosion", r -> r.layers().atExplosion()),
                    "Gradient norm per Linear layer at the first step above 1e3, first seed (" + name + ")"));
        }
        exploding(rs).ifPresent(r -> charts.put("heatmap", StudyCharts.layerHeatmap(r.layers().trace(), r.layers().traceStride(),
                "log10 gradient norm per layer and step: " + r.spec().id())));
        rs.stream().filter(r -> r.layers().throughTime().length > 0)
                .min(java.util.Comparator.comparing((RunResult r) -> !isTanhSgd02(r.spec())))
                .ifPresent(r -> charts.put("through-time", ThroughTimeChart.of(StudyTables.throughTime(r))));
        List<String> conclusions = new ArrayList<>(Conclusions.of(rs));
        conclusions.addAll(failures(all));
        return new Part(name, summary, charts, conclusions);
    }

    /** The run the through-time chart prefers: the tanh RNN at SGD 0.2 without clipping. */
    private static boolean isTanhSgd02(RunSpec s) {
        return s.model() instanceof org.gradlab.experiment.spec.ModelSpec.RecurrentNet m
                && m.cell() == org.gradlab.experiment.spec.LayerSpec.Cell.RNN_TANH
                && s.optimizer() instanceof org.gradlab.experiment.spec.OptimizerSpec.SgdSpec && s.schedule().peakLr() == 0.2
                && s.gradients().isEmpty();
    }

    /**
     * The run a heatmap shows: of the runs that exploded with a gradient norm to draw, preferring
     * those without clipping, the one that took the most steps (the first in study order among equals).
     */
    private static Optional<RunResult> exploding(List<RunResult> rs) {
        java.util.Comparator<RunResult> order = java.util.Comparator.comparing((RunResult r) -> r.spec().gradients().isEmpty())
                .thenComparingInt(r -> r.series().gradNorms().length);
        RunResult best = null;
        for (RunResult r : rs) {
            if (r.exploded() && StudyCharts.hasHeat(r.layers().trace()) && (best == null || order.compare(r, best) > 0)) {
                best = r;
            }
        }
        return Optional.ofNullable(best);
    }

    /** Writes the tables, every chart and the HTML report into {@code dir}; returns the files written. */
    public List<Path> write(Path dir) throws IOException {
        List<Path> written = new ArrayList<>();
        written.add(Outputs.csv(runs, dir.resolve("runs.csv")));
        written.add(Outputs.csv(summary, dir.resolve("summary.csv")));
        Report report = Report.titled("The experiment: fixed against scheduled learning rates, clipping and structure")
                .paragraph(String.format(Locale.ROOT, "%d runs in %d configurations; every number below is computed from "
                        + "them. Gradient norms are global L2 norms before clipping; a run diverged when its training loss "
                        + "became non-finite (it stopped there) and collapsed when its final test accuracy was below 20%%.",
                        runs.rowCount(), summary.rowCount()));
        for (Part p : parts.values()) {
            report.heading(p.name());
            report.table(p.summary());
            p.conclusions().forEach(report::paragraph);
            for (Map.Entry<String, Chart<?, ?>> c : p.charts().entrySet()) {
                written.add(Outputs.png(c.getValue(), dir.resolve(p.name() + "-" + c.getKey() + ".png")));
                report.chart(c.getValue());
            }
        }
        written.add(report.write(dir.resolve("report.html")));
        return written;
    }
}
