package org.gradlab.experiment.report;

import org.gradlab.experiment.engine.RunResult;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.gradlab.plot.Figure;
import org.gradlab.plot.Outputs;
import org.gradlab.plot.Report;
import org.gradlab.plot.StudyCharts;
import org.gradlab.plot.ThroughTimeChart;
import tech.tablesaw.api.Table;

/**
 * A study's results, part by part: tables, charts, conclusions, and the files they are written
 * to ({@code runs.csv}, {@code summary.csv}, {@code <part>-*.png} and {@code .svg}, {@code report.html}).
 *
 * @param runs        one row per run
 * @param summary     one row per configuration
 * @param parts       per part, in study order: its summary rows, charts and conclusions
 */
public record StudyReport(Table runs, Table summary, Map<String, Part> parts) {

    /** One part's summary rows, charts (file stem to figure) and conclusions. */
    public record Part(String name, Table summary, Map<String, Figure> charts, List<String> conclusions) {
    }

    /** Tables, charts and conclusions of {@code results} (in study order). */
    public static StudyReport of(List<RunResult> results) {
        Map<String, List<RunResult>> byPart = new LinkedHashMap<>();
        results.forEach(r -> byPart.computeIfAbsent(r.spec().part(), k -> new ArrayList<>()).add(r));
        Map<String, Part> parts = new LinkedHashMap<>();
        byPart.forEach((name, rs) -> parts.put(name, part(name, rs)));
        return new StudyReport(StudyTables.runs(results), StudyTables.summary(results), parts);
    }

    private static Part part(String name, List<RunResult> rs) {
        Table summary = StudyTables.summary(rs).setName(name + ": summary");
        Map<String, Figure> charts = new LinkedHashMap<>();
        charts.put("accuracy", StudyCharts.accuracy(summary, name));
        Table byLr = StudyTables.accuracyByPeakLr(rs);
        if (byLr.rowCount() > 0) {
            charts.put("accuracy-vs-lr", StudyCharts.accuracyVsPeakLr(byLr));
        }
        charts.put("epochs", StudyCharts.epochAccuracy(StudyTables.epochAccuracy(rs), name));
        charts.put("grad-norms", StudyCharts.gradNormPanels(StudyTables.byConfig(rs).values().stream()
                .map(c -> new StudyCharts.GradNormPanel(c.get(0).spec().config(),
                        c.stream().map(r -> r.series().gradNorms()).toArray(double[][]::new),
                        c.get(0).spec().gradients().stream().mapToDouble(org.gradlab.experiment.spec.TransformSpec::normThreshold)
                                .filter(Double::isFinite).min().orElse(Double.NaN)))
                .toList()));
        if (rs.stream().anyMatch(r -> !(r.spec().schedule() instanceof org.gradlab.experiment.spec.ScheduleSpec.Constant))) {
            charts.put("lr", StudyCharts.learningRates(StudyTables.perStep(rs, "lr per step", r -> r.series().lrs()), name));
        }
        // a recurrent model's Linear layers are only its head: it gets the gradient through time instead
        List<RunResult> feedForward = rs.stream().filter(r -> r.layers().throughTime().length == 0).toList();
        if (!feedForward.isEmpty()) {
            charts.put("layers-step0", StudyCharts.layerNorms(StudyTables.layerNorms(feedForward, "step 0", r -> r.layers().step0()),
                    "Gradient norm per Linear layer at step 0, first seed (" + name + ")"));
        }
        if (feedForward.stream().anyMatch(RunResult::exploded)) {
            charts.put("layers-explosion", StudyCharts.layerNorms(
                    StudyTables.layerNorms(feedForward, "explosion", r -> r.layers().atExplosion()),
                    "Gradient norm per Linear layer at the first step above 1e3, first seed (" + name + ")"));
        }
        exploding(feedForward).ifPresent(r -> charts.put("heatmap", StudyCharts.layerHeatmap(r.layers().trace(),
                r.layers().traceStride(), "Gradient norm per Linear layer and step: " + r.spec().id())));
        // at init the gradient through time depends on the model and the seed only: one line per model, its first run
        Map<String, Table> throughTime = new LinkedHashMap<>();
        java.util.Set<Object> models = new java.util.HashSet<>();
        rs.stream().filter(r -> r.layers().throughTime().length > 0 && models.add(r.spec().model()))
                .forEach(r -> throughTime.put(r.spec().config() + " (seed " + r.spec().seed() + ")", StudyTables.throughTime(r)));
        if (!throughTime.isEmpty()) {
            charts.put("through-time", Figure.of(ThroughTimeChart.of(throughTime)));
        }
        return new Part(name, summary, charts, Conclusions.of(rs));
    }

    /**
     * The run a heatmap shows: of the runs that exploded, preferring those without clipping, the one
     * that took the most steps (the first in study order among equals).
     */
    private static Optional<RunResult> exploding(List<RunResult> rs) {
        java.util.Comparator<RunResult> order = java.util.Comparator.comparing((RunResult r) -> r.spec().gradients().isEmpty())
                .thenComparingInt(r -> r.series().gradNorms().length);
        RunResult best = null;
        for (RunResult r : rs) {
            if (r.exploded() && (best == null || order.compare(r, best) > 0)) {
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
            for (Map.Entry<String, Figure> c : p.charts().entrySet()) {
                written.add(Outputs.png(c.getValue(), dir.resolve(p.name() + "-" + c.getKey() + ".png")));
                written.add(Outputs.svg(c.getValue(), dir.resolve(p.name() + "-" + c.getKey() + ".svg")));
                report.chart(c.getValue());
            }
        }
        written.add(report.write(dir.resolve("report.html")));
        return written;
    }
}
