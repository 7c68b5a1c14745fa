package org.gradlab.experiment.report;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.gradlab.Words;
import org.gradlab.experiment.engine.RunResult;
import org.gradlab.experiment.spec.DataSpec;
import org.gradlab.experiment.spec.Design;
import org.gradlab.experiment.spec.LayerSpec;
import org.gradlab.experiment.spec.ModelSpec;
import org.gradlab.experiment.spec.OptimizerSpec;
import org.gradlab.experiment.spec.RunSpec;
import org.gradlab.experiment.spec.TransformSpec;
import org.gradlab.plot.Figure;
import org.gradlab.plot.Outputs;
import org.gradlab.plot.Report;
import org.gradlab.plot.StudyCharts;
import org.gradlab.plot.ThroughTimeChart;
import tech.tablesaw.api.Table;

/**
 * A study's results as a story: what the study asked and what its runs answer, how it was run,
 * then part by part its question, a narrow table, its charts and its conclusions ({@link Claim}s
 * computed by {@link Conclusions}); and the files they are written to ({@code runs.csv},
 * {@code summary.csv}, {@code conclusions.json}, {@code <part>-*.png} and {@code .svg}, {@code report.html}). A study
 * smaller than the design (fewer seeds or epochs, a quick study) says so first.
 *
 * @param runs    one row per run
 * @param summary one row per configuration (the full table)
 * @param claims  every conclusion, in part order
 * @param parts   per part, in study order: its question, narrow table, charts and claims
 * @param scope   what was run
 * @param design  how it was run, in words: data, split, epochs, seeds, batch, and the words the conclusions use
 */
public record StudyReport(Table runs, Table summary, List<Claim> claims, Map<String, Part> parts, Scope scope, String design) {

    /** One part: its title and question, narrow table, charts (file stem to chart) and claims. */
    public record Part(String name, Design.Question question, Table table, Map<String, Figure> charts, List<Claim> claims) {
    }

    /**
     * What the study ran: runs, configurations, seeds and epochs, and whether it is smaller than
     * the default design (then its conclusions are not the study's).
     */
    public record Scope(int runs, int configs, List<Long> seeds, List<Integer> epochs, boolean reduced) {
        static Scope of(List<RunResult> results) {
            List<Long> seeds = List.copyOf(new TreeSet<>(results.stream().map(r -> r.spec().seed()).toList()));
            List<Integer> epochs = List.copyOf(new TreeSet<>(results.stream().map(r -> r.spec().epochs()).toList()));
            int configs = StudyTables.byConfig(results).size();
            boolean designParts = results.stream().allMatch(r -> Design.parts().containsKey(r.spec().part()));
            boolean reduced = designParts && (seeds.size() < Design.SEEDS.size() || epochs.stream().anyMatch(e -> e < Design.EPOCHS)
                    || results.stream().anyMatch(r -> !Design.parts().get(r.spec().part()).stream()
                            .anyMatch(c -> c.config().equals(r.spec().config()) && c.withSeed(r.spec().seed())
                                    .withEpochs(r.spec().epochs()).equals(r.spec()))));
            return new Scope(results.size(), configs, seeds, epochs, reduced);
        }

        /** "53 runs of 53 configurations, seed 0, 2 epochs each". */
        String words() {
            return String.format(Locale.ROOT, "%d runs of %d configurations, %s %s, %s epoch%s each", runs, configs,
                    Words.noun(seeds.size(), "seed"), seeds.stream().map(String::valueOf).collect(Collectors.joining(", ")),
                    epochs.stream().map(String::valueOf).collect(Collectors.joining(" or ")),
                    epochs.equals(List.of(1)) ? "" : "s");
        }
    }

    /**
     * Tables, charts and conclusions of {@code results} (in study order). A run that failed (see
     * {@link RunResult#failed()}) is a row of {@code runs} with its reason; the summary, charts and
     * conclusions are of the runs that trained, and each part's conclusions end by listing its failed runs.
     */
    public static StudyReport of(List<RunResult> results) {
        Map<String, List<RunResult>> byPart = new LinkedHashMap<>();
        results.forEach(r -> byPart.computeIfAbsent(r.spec().part(), k -> new ArrayList<>()).add(r));
        List<Claim> claims = Conclusions.of(results);
        Map<String, Part> parts = new LinkedHashMap<>();
        byPart.forEach((name, rs) -> parts.put(name, part(name, rs, claims.stream().filter(c -> c.part().equals(name)).toList())));
        Scope scope = Scope.of(results);
        return new StudyReport(StudyTables.runs(results), StudyTables.summary(results.stream().filter(r -> !r.failed()).toList()), claims, parts, scope,
                design(scope, results));
    }

    private static Part part(String name, List<RunResult> all, List<Claim> claims) {
        List<RunResult> rs = all.stream().filter(r -> !r.failed()).toList();
        Map<String, Figure> charts = new LinkedHashMap<>();
        if (!rs.isEmpty()) {
            Table summary = StudyTables.summary(rs).setName(name + ": summary");
            charts.put("accuracy", StudyCharts.accuracy(summary, name));
            Table byLr = StudyTables.accuracyByPeakLr(rs);
            if (byLr.rowCount() > 0) {
                charts.put("accuracy-vs-lr", StudyCharts.accuracyVsPeakLr(byLr));
            }
            charts.put("epochs", StudyCharts.epochAccuracy(StudyTables.epochAccuracy(rs), name));
            charts.put("grad-norms", StudyCharts.gradNormPanels(StudyTables.byConfig(rs).values().stream()
                    .map(c -> new StudyCharts.GradNormPanel(c.get(0).spec().config(),
                            c.stream().map(r -> r.series().gradNorms()).toArray(double[][]::new),
                            c.get(0).spec().gradients().stream().mapToDouble(TransformSpec::normThreshold)
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
            if (feedForward.stream().anyMatch(r -> r.layers().atExplosion().length > 0)) {
                charts.put("layers-explosion", StudyCharts.layerNorms(
                        StudyTables.layerNorms(feedForward, "explosion", r -> r.layers().atExplosion()),
                        "Gradient norm per Linear layer at the first step above 1e3, first seed (" + name + ")"));
            }
            exploding(feedForward).ifPresent(r -> charts.put("heatmap", StudyCharts.layerHeatmap(r.layers().trace(),
                    r.layers().traceStride(), "Gradient norm per Linear layer and step: " + r.spec().id())));
            rs.stream().filter(r -> r.layers().throughTime().length > 0)
                    .min(Comparator.comparing((RunResult r) -> !isTanhUnclipped(r.spec())))
                    .ifPresent(r -> charts.put("through-time", Figure.of(ThroughTimeChart.of(StudyTables.throughTime(r)))));
            charts.putAll(CurvatureFigures.of(name, rs));
        }
        return new Part(name, Design.question(name), StudyTables.narrow(all).setName(name), charts, claims);
    }

    /** The run the through-time chart prefers: a tanh RNN with plain SGD and no clipping. */
    private static boolean isTanhUnclipped(RunSpec s) {
        return s.model() instanceof ModelSpec.RecurrentNet m && m.cell() == LayerSpec.Cell.RNN_TANH
                && s.optimizer() instanceof OptimizerSpec.SgdSpec && s.gradients().isEmpty();
    }

    /**
     * The run a heatmap shows: of the runs that exploded with a gradient norm to draw, preferring
     * those without clipping, the one that took the most steps (the first in study order among equals).
     */
    private static Optional<RunResult> exploding(List<RunResult> rs) {
        Comparator<RunResult> order = Comparator.comparing((RunResult r) -> r.spec().gradients().isEmpty())
                .thenComparingInt(r -> r.series().gradNorms().length);
        RunResult best = null;
        for (RunResult r : rs) {
            if (r.exploded() && hasFiniteNorm(r.layers().trace()) && (best == null || order.compare(r, best) > 0)) {
                best = r;
            }
        }
        return Optional.ofNullable(best);
    }

    /** Whether a layer trace holds a finite, positive norm to draw (a run non-finite from its first steps has none). */
    private static boolean hasFiniteNorm(double[][] trace) {
        return java.util.Arrays.stream(trace).flatMapToDouble(java.util.Arrays::stream).anyMatch(v -> Double.isFinite(v) && v > 0);
    }

    /** "The experiment: fixed against scheduled learning rates and gradient clipping", after the parts that ran. */
    public String title() {
        List<String> titles = parts.keySet().stream().map(p -> Design.question(p).title()).toList();
        String joined = titles.size() == 1 ? titles.get(0)
                : String.join(", ", titles.subList(0, titles.size() - 1)) + " and " + titles.get(titles.size() - 1);
        return (scope.reduced() ? "A reduced study: " : "The experiment: ") + joined.substring(0, 1).toLowerCase(Locale.ROOT)
                + joined.substring(1);
    }

    /** The first thing a reader of a reduced study must know, or null for a study as designed. */
    public String reducedNotice() {
        if (!scope.reduced()) {
            return null;
        }
        return String.format(Locale.ROOT, "This is a reduced study (%s), smaller than the study's design (%d seeds, %d epochs): "
                + "it shows that everything runs, and its conclusions are not the study's.", scope.words(), Design.SEEDS.size(),
                Design.EPOCHS);
    }

    /** Writes the tables, the conclusions, every chart and the HTML report into {@code dir}; returns the files written. */
    public List<Path> write(Path dir) throws IOException {
        List<Path> written = new ArrayList<>();
        written.add(Outputs.csv(runs, dir.resolve("runs.csv")));
        written.add(Outputs.csv(summary, dir.resolve("summary.csv")));
        written.add(Outputs.text(Conclusions.json(claims), dir.resolve("conclusions.json")));
        Map<Figure, byte[]> pngs = draw(dir, written);
        Report report = Report.titled(title());
        if (reducedNotice() != null) {
            report.notice(reducedNotice());
        }
        report.heading("What the study asks, and what its runs answer", "answers");
        List<Map.Entry<Report.Item, List<Report.Item>>> answers = new ArrayList<>();
        for (Part p : parts.values()) {
            answers.add(Map.entry(new Report.Item(p.question().question(), "(" + p.question().title() + ")", "#" + p.name()),
                    p.claims().stream().filter(c -> List.of("best", "best_tie", "rescued", "not_rescued", "note").contains(c.kind()))
                            .map(c -> new Report.Item(c.text(), "evidence", "#" + p.name())).toList()));
        }
        report.outline(answers);
        report.heading("How it was run", "design").paragraph(design);
        report.heading("Early warning: did the forecaster see the failures coming?", "forecast").paragraph(EarlyWarning.METHOD);
        report.table(EarlyWarning.table(runs));
        report.items(claims.stream().filter(c -> c.kind().startsWith("forecast_")).map(c -> Report.Item.of(c.text())).toList());
        for (Part p : parts.values()) {
            report.heading(p.question().title() + " (" + p.name() + ")", p.name()).paragraph(p.question().question());
            report.table(p.table());
            report.items(List.of(new Report.Item("Every number of every run and configuration:", "runs.csv", "runs.csv"),
                    new Report.Item("per configuration:", "summary.csv", "summary.csv"),
                    new Report.Item("these conclusions as data:", "conclusions.json", "conclusions.json")));
            p.charts().values().forEach(f -> report.chart(f, pngs.get(f)));
            report.heading("What " + p.name() + "'s runs show");
            report.items(p.claims().stream().map(c -> Report.Item.of(c.text())).toList());
        }
        written.add(report.write(dir.resolve("report.html")));
        return written;
    }

    /**
     * Writes every part's charts as {@code <part>-<chart>.png} and {@code .svg} into {@code dir} and adds the files to
     * {@code written} in the parts' order; returns each figure's PNG, for the report to show without drawing it again.
     */
    private Map<Figure, byte[]> draw(Path dir, List<Path> written) throws IOException {
        Map<Figure, byte[]> pngs = new IdentityHashMap<>();
        for (Part p : parts.values()) {
            for (Map.Entry<String, Figure> c : p.charts().entrySet()) {
                byte[] png = Outputs.pngBytes(c.getValue());
                written.add(Outputs.bytes(png, dir.resolve(p.name() + "-" + c.getKey() + ".png")));
                written.add(Outputs.svg(c.getValue(), dir.resolve(p.name() + "-" + c.getKey() + ".svg")));
                pngs.put(c.getValue(), png);
            }
        }
        return pngs;
    }

    /** How the study was run, from its specs: data, split, epochs, seeds, batch, and the words the conclusions use. */
    private static String design(Scope scope, List<RunResult> results) {
        String data = results.stream().map(r -> describe(r.spec().data())).distinct().collect(Collectors.joining("; "));
        return String.format(Locale.ROOT, "%s. Data: %s. Every run is seeded by its seed alone (the model's init, the split, "
                + "dropout and the batch order), so the same seed gives the same numbers with any number of workers, and on "
                + "any machine whose OpenBLAS runs the same kernels (OpenBLAS picks them by the CPU, and AVX-512 kernels round "
                + "matrix products differently from AVX2 ones). Outcomes, per run: diverged (the training loss became non-finite; "
                + "the run stopped there), collapsed (final test accuracy below 20%%), degraded (20%% to 80%%), trained (80%% or "
                + "more); exploded means the gradient norm before clipping went above 1e3, or the run diverged. Gradient norms are "
                + "global L2 norms over all parameter gradients. Comparisons use Welch's t-test on the per-seed final accuracies, "
                + "one-sided, at alpha 0.05: a configuration beats another when its mean is higher with p < 0.05, is worse when it "
                + "is lower with p < 0.05, and ties otherwise; with %s a difference must be large against the spread between seeds "
                + "to count.", cap(scope.words()), data,
                Words.count(scope.seeds().size(), "seed"));
    }

    private static String cap(String s) {
        return Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }

    /** Describes a run's data for people: "the 10,000 bundled digits, 8000 for training and 2000 for testing, batch 32". */
    static String describe(DataSpec d) {
        if (d instanceof DataSpec.Digits g) {
            return String.format(Locale.ROOT, "the 10,000 bundled MNIST digits, %d for training and %d for testing (split with the "
                    + "run's seed), batch %d", g.train(), 10_000 - g.train(), g.batch());
        }
        if (d instanceof DataSpec.Idx i) {
            return String.format(Locale.ROOT, "IDX files %s and %s%s, batch %d", i.images(), i.labels(),
                    i.testImages() == null ? ", split with the run's seed" : " with the test pair " + i.testImages(), i.batch());
        }
        if (d instanceof DataSpec.Csv c) {
            return String.format(Locale.ROOT, "%s (label %s, standardised on the training part, split with the run's seed), "
                    + "batch %d", c.path(), c.label(), c.batch());
        }
        DataSpec.Registered r = (DataSpec.Registered) d;
        return String.format(Locale.ROOT, "the registered dataset %s (split with the run's seed), batch %d", r.name(), r.batch());
    }

    /** Every part's narrow table, at most 120 columns wide, for a terminal (the full table is summary.csv). */
    public String terminalSummary() {
        StringBuilder b = new StringBuilder();
        parts.values().forEach(p -> b.append(StudyTables.text(p.table(), 120)).append('\n'));
        return b.toString();
    }
}
