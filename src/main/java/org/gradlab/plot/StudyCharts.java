package org.gradlab.plot;

import java.awt.BasicStroke;
import java.awt.Color;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.knowm.xchart.AnnotationText;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;
import tech.tablesaw.api.NumericColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * The figures of a study ({@code org.gradlab.experiment.engine.Study}), drawn from its tables:
 * final accuracy per configuration and against the peak learning rate, curves per epoch, the
 * gradient norm per step as small multiples, gradient norms by depth, and a layer x step heatmap.
 *
 * <pre>{@code
 * Figure f = StudyCharts.gradNormPanels(List.of(
 *         new StudyCharts.GradNormPanel("fixed_0.1", new double[][] {{0.5, 0.8, 1.2}, {0.4, 0.9, 1.1}}, Double.NaN),
 *         new StudyCharts.GradNormPanel("fixed_0.1_clip", new double[][] {{0.5, 30, 2}}, 10)));
 * f.writePng(Path.of("runs/grad-norms.png"));
 * }</pre>
 */
public final class StudyCharts {
    /** Columns of a heatmap at most; longer traces are merged by their maximum. */
    static final int HEATMAP_COLUMNS = 60;
    /** The widest a grid of panels gets, in pixels at scale 1. */
    static final int GRID_WIDTH = 1080;
    /** The shared log axis of the gradient-norm panels never goes below 1e-3 or above 1e4. */
    static final int NORM_FLOOR = -3;
    static final int NORM_CEILING = 4;

    private StudyCharts() {
    }

    /**
     * One configuration's panel of {@link #gradNormPanels}.
     *
     * @param name  the configuration, the panel's title
     * @param seeds per seed, the global gradient norm before clipping at each step it took
     * @param clip  the clip threshold on that norm, or NaN when the configuration does not clip by norm
     */
    public record GradNormPanel(String name, double[][] seeds, double clip) {
        public GradNormPanel {
            Objects.requireNonNull(name, "name");
            if (seeds.length == 0) {
                throw new IllegalArgumentException("grad-norm panel '" + name + "': no seeds");
            }
            seeds = Arrays.stream(seeds).map(double[]::clone).toArray(double[][]::new);
            if (!Double.isNaN(clip) && !(clip > 0 && Double.isFinite(clip))) {
                throw new IllegalArgumentException("grad-norm panel '" + name + "': clip must be > 0 or NaN, got " + clip);
            }
        }

        /** Steps of the longest seed. */
        public int steps() {
            return Arrays.stream(seeds).mapToInt(s -> s.length).max().orElse(0);
        }
    }

    /**
     * Mean final test accuracy per configuration, a bar each, with +-1 standard deviation error bars
     * (none with a single seed), from a summary table with columns {@code config, acc_mean, acc_std}.
     */
    public static Figure accuracy(Table summary, String part) {
        CategoryChart chart = new CategoryChartBuilder().width(Charts.WIDTH).height(Charts.HEIGHT)
                .title("Final test accuracy per configuration (" + part + ", mean +-1 std over seeds)")
                .xAxisTitle("configuration").yAxisTitle("test accuracy").build();
        Palette.style(chart.getStyler());
        chart.getStyler().setLegendVisible(false);
        chart.getStyler().setXAxisLabelRotation(60);
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setYAxisMax(1.0);
        chart.getStyler().setYAxisDecimalPattern("0%");
        chart.getStyler().setErrorBarsColorSeriesColor(false);
        chart.getStyler().setErrorBarsColor(Color.DARK_GRAY);
        List<String> names = summary.stringColumn("config").asList();
        List<Double> mean = Arrays.stream(summary.doubleColumn("acc_mean").asDoubleArray()).boxed().toList();
        List<Double> std = Arrays.stream(summary.doubleColumn("acc_std").asDoubleArray())
                .map(s -> Double.isNaN(s) ? 0 : s).boxed().toList();
        chart.addSeries("test accuracy", names, mean, std);
        return Figure.of(chart);
    }

    /**
     * Final test accuracy against the peak learning rate, one line per schedule family (W&B's
     * grouped runs): the answer to "do schedules beat a fixed rate, and at which rates?". Each
     * point is a configuration's mean over seeds with +-1 standard deviation error bars (none with
     * one seed); the x axis is logarithmic and, with error bars, the families are nudged apart by
     * 1.2% of a decade each so their bars do not cover each other.
     *
     * @param points columns {@code family} (string), {@code peak_lr}, {@code acc_mean}, {@code acc_std}
     *               (NaN with one seed) and {@code seeds}; a family's lines follow its rows sorted by rate
     */
    public static Figure accuracyVsPeakLr(Table points) {
        for (String c : List.of("family", "peak_lr", "acc_mean", "acc_std", "seeds")) {
            boolean text = c.equals("family");
            if (!points.containsColumn(c) || !(text ? points.column(c) instanceof StringColumn : points.column(c) instanceof NumericColumn<?>)) {
                throw new IllegalArgumentException("accuracy against peak lr: table '" + points.name() + "' needs a "
                        + (text ? "string" : "numeric") + " column '" + c + "'; it has " + points.columnNames());
            }
        }
        Map<String, List<Integer>> byFamily = new LinkedHashMap<>();
        for (int r = 0; r < points.rowCount(); r++) {
            byFamily.computeIfAbsent(points.stringColumn("family").get(r), k -> new ArrayList<>()).add(r);
        }
        int maxSeeds = (int) ((NumericColumn<?>) points.column("seeds")).max();
        XYChart chart = new XYChartBuilder().width(Charts.WIDTH).height(Charts.HEIGHT)
                .title("Final test accuracy against peak learning rate")
                .xAxisTitle("peak learning rate (log scale)")
                .yAxisTitle(maxSeeds > 1 ? "final test accuracy (mean +-1 std, " + maxSeeds + " seeds)" : "final test accuracy (1 seed)")
                .build();
        Palette.style(chart.getStyler());
        double[] lr = ((NumericColumn<?>) points.column("peak_lr")).asDoubleArray();
        double[] mean = ((NumericColumn<?>) points.column("acc_mean")).asDoubleArray();
        double[] std = ((NumericColumn<?>) points.column("acc_std")).asDoubleArray();
        int f = 0;
        for (Map.Entry<String, List<Integer>> e : byFamily.entrySet()) {
            double nudge = maxSeeds > 1 ? Math.pow(10, 0.012 * (f - (byFamily.size() - 1) / 2.0)) : 1;
            List<Integer> rows = e.getValue().stream().sorted((a, b) -> Double.compare(lr[a], lr[b])).toList();
            double[] x = rows.stream().mapToDouble(r -> lr[r] * nudge).toArray();
            double[] y = rows.stream().mapToDouble(r -> mean[r]).toArray();
            double[] err = rows.stream().mapToDouble(r -> Double.isFinite(std[r]) ? std[r] : 0).toArray();
            XYSeries s = chart.addSeries(e.getKey(), x, y, err);
            s.setLineStyle(new BasicStroke(2f));
            s.setMarker(Palette.MARKERS[f % Palette.MARKERS.length]);
            s.setLineColor(Palette.color(f));
            s.setMarkerColor(Palette.color(f));
            f++;
        }
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setYAxisMax(1.0);
        chart.getStyler().setYAxisDecimalPattern("0%");
        double[] range = Axes.positiveRange(lr);
        Axes.logX(chart.getStyler(), range[0], range[1]);
        return Figure.of(chart);
    }

    /** Mean test accuracy per epoch, one line per configuration, from {@code StudyTables.epochAccuracy}. */
    public static Figure epochAccuracy(Table epochs, String part) {
        XYChart chart = Charts.lines(epochs, "Mean test accuracy per epoch (" + part + ")", "epoch", "test accuracy",
                others(epochs, "epoch"));
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setYAxisMax(1.0);
        chart.getStyler().setYAxisDecimalPattern("0%");
        return Figure.of(chart);
    }

    /**
     * The global gradient norm before clipping per step as small multiples: one panel per
     * configuration (3 or 4 to a row), all on one log y axis from 1e-3 to 1e4 at most (narrower
     * when the data are) and one step axis. In each panel the median over seeds is a line and,
     * with several seeds or more steps than pixels, the band from the lowest to the highest value
     * (over seeds and the steps a pixel covers) is shaded. Values above the axis, non-finite ones
     * included, sit on its top edge; each seed's first such step is a triangle there and the panel
     * says "exploded at step N". A configuration that clips by norm shows its threshold as a
     * dashed line.
     */
    public static Figure gradNormPanels(List<GradNormPanel> panels) {
        if (panels.isEmpty()) {
            throw new IllegalArgumentException("grad-norm panels: none");
        }
        int steps = panels.stream().mapToInt(GradNormPanel::steps).max().orElse(0);
        double[] all = panels.stream().flatMapToDouble(p -> Arrays.stream(p.seeds()).flatMapToDouble(Arrays::stream)).toArray();
        double[] range = Axes.positiveRange(all);
        double lo = Double.isFinite(range[0]) ? Math.max(NORM_FLOOR, Math.min(0, Math.floor(Math.log10(range[0])))) : NORM_FLOOR;
        boolean over = Arrays.stream(all).anyMatch(v -> !Double.isFinite(v));
        double hi = over ? NORM_CEILING : Double.isFinite(range[1])
                ? Math.min(NORM_CEILING, Math.max(1, Math.ceil(Math.log10(range[1])))) : NORM_CEILING;
        for (GradNormPanel p : panels) {
            if (Double.isFinite(p.clip())) {
                hi = Math.min(NORM_CEILING, Math.max(hi, Math.ceil(Math.log10(p.clip()) + 1e-9)));
                lo = Math.max(NORM_FLOOR, Math.min(lo, Math.floor(Math.log10(p.clip()) - 1e-9)));
            }
        }
        int columns = panels.size() <= 3 ? panels.size() : panels.size() == 4 ? 2 : panels.size() <= 6 || panels.size() == 9 ? 3 : 4;
        int width = Math.min(Charts.WIDTH, GRID_WIDTH / columns);   // one panel is as large as any chart
        int height = Math.max(210, Math.min(Charts.HEIGHT, (int) (0.6 * width)));
        List<Figure> figures = new ArrayList<>();
        boolean banded = false;
        boolean clipped = false;
        boolean exploded = false;
        int seeds = 0;
        for (GradNormPanel p : panels) {
            XYChart c = panel(p, steps, lo, hi, width, height);
            banded |= c.getSeriesMap().containsKey("band");
            clipped |= c.getSeriesMap().containsKey("clip threshold");
            exploded |= c.getSeriesMap().containsKey("exploded");
            seeds = Math.max(seeds, p.seeds().length);
            figures.add(new ChartFigure(c, Figure.stemOf(p.name())));
        }
        List<LegendStrip.Entry> legend = new ArrayList<>();
        legend.add(LegendStrip.Entry.line(seeds > 1 ? "median over " + seeds + " seeds" : "one seed", Palette.COLORS.get(0),
                new BasicStroke(1.5f)));
        if (banded) {
            legend.add(LegendStrip.Entry.box(seeds > 1 ? "lowest to highest seed (and step, where a pixel holds several)"
                    : "lowest to highest of the steps a pixel holds", BAND));
        }
        if (clipped) {
            legend.add(LegendStrip.Entry.line("clip threshold", Palette.REFERENCE, Palette.DASHED));
        }
        if (exploded) {
            legend.add(LegendStrip.Entry.marker("exploded: above " + Axes.decadeLabel(hi) + " or not finite (first step per seed)",
                    Palette.ALERT, SeriesMarkers.TRIANGLE_UP));
        }
        return new GridFigure("Global gradient norm per step before clipping, one panel per configuration", figures, columns,
                "step", "gradient norm (log scale)", legend);
    }

    private static final Color BAND = new Color(0x0072B2 | 0x40000000, true);

    /** One panel: log10 values on a linear axis labelled at whole decades (XChart's log axis labels every decade or none). */
    private static XYChart panel(GradNormPanel p, int steps, double lo, double hi, int width, int height) {
        XYChart c = new XYChartBuilder().width(width).height(height).title(p.name()).build();
        Palette.style(c.getStyler());
        c.getStyler().setChartTitleFont(Palette.PANEL_TITLE);
        c.getStyler().setLegendVisible(false);
        c.getStyler().setAxisTitlesVisible(false);
        c.getStyler().setAxisTickLabelsFont(Palette.TICKS.deriveFont(10f));
        c.getStyler().setChartPadding(6);
        c.getStyler().setMarkerSize(8);
        c.getStyler().setYAxisMin(lo);
        c.getStyler().setYAxisMax(hi);
        c.getStyler().setyAxisTickLabelsFormattingFunction(Axes::decadeLabel);
        c.getStyler().setXAxisMin(0.0);
        c.getStyler().setXAxisMax((double) Math.max(1, steps - 1));
        c.getStyler().setXAxisDecimalPattern("#,##0");
        int pixels = Math.max(20, width - 70);
        int bucket = Math.max(1, (int) Math.ceil(steps / (double) pixels));
        int buckets = (steps + bucket - 1) / bucket;
        List<Double> x = new ArrayList<>();
        List<Double> low = new ArrayList<>();
        List<Double> high = new ArrayList<>();
        List<Double> mid = new ArrayList<>();
        double[] column = new double[p.seeds().length];
        for (int b = 0; b < buckets; b++) {
            double min = Double.POSITIVE_INFINITY;
            double max = Double.NEGATIVE_INFINITY;
            double medians = 0;
            int counted = 0;
            for (int t = b * bucket; t < Math.min(steps, (b + 1) * bucket); t++) {
                int n = 0;
                for (double[] s : p.seeds()) {
                    if (t < s.length) {
                        column[n++] = clamp(s[t], lo, hi);
                    }
                }
                if (n == 0) {
                    continue;
                }
                double[] v = Arrays.copyOf(column, n);
                Arrays.sort(v);
                min = Math.min(min, v[0]);
                max = Math.max(max, v[n - 1]);
                medians += n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
                counted++;
            }
            if (counted > 0) {
                x.add(b * bucket + (Math.min(steps, (b + 1) * bucket) - 1 - b * bucket) / 2.0);
                low.add(min);
                high.add(max);
                mid.add(medians / counted);
            }
        }
        if (x.isEmpty()) {
            return c;
        }
        if (p.seeds().length > 1 || bucket > 1) {
            List<Double> bx = new ArrayList<>(x);
            List<Double> by = new ArrayList<>(high);
            for (int i = x.size() - 1; i >= 0; i--) {
                bx.add(x.get(i));
                by.add(low.get(i));
            }
            XYSeries band = c.addSeries("band", bx, by);
            band.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.PolygonArea);
            band.setFillColor(BAND);
            band.setLineStyle(SeriesLines.NONE);
            band.setMarker(SeriesMarkers.NONE);
        }
        XYSeries line = c.addSeries("median", x, mid);
        line.setLineColor(Palette.COLORS.get(0));
        line.setLineStyle(new BasicStroke(1.5f));
        line.setMarker(SeriesMarkers.NONE);
        if (Double.isFinite(p.clip())) {
            XYSeries clip = c.addSeries("clip threshold", new double[] {0, Math.max(1, steps - 1)},
                    new double[] {clamp(p.clip(), lo, hi), clamp(p.clip(), lo, hi)});
            clip.setLineColor(Palette.REFERENCE);
            clip.setLineStyle(Palette.DASHED);
            clip.setMarker(SeriesMarkers.NONE);
        }
        markExplosions(c, p, steps, hi, width);
        return Axes.niceXTicks(c);
    }

    /** A triangle on the top edge at each seed's first step above {@code 10^hi} (or not finite), and "exploded at step N" under it. */
    private static void markExplosions(XYChart c, GradNormPanel p, int steps, double hi, int width) {
        List<Double> at = new ArrayList<>();
        for (double[] s : p.seeds()) {
            for (int t = 0; t < s.length; t++) {
                if (!(s[t] <= Math.pow(10, hi))) {
                    at.add((double) t);
                    break;
                }
            }
        }
        if (at.isEmpty()) {
            return;
        }
        double[] xs = at.stream().mapToDouble(Double::doubleValue).toArray();
        double[] ys = new double[xs.length];
        Arrays.fill(ys, hi);
        XYSeries m = c.addSeries("exploded", xs, ys);
        m.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        m.setMarker(SeriesMarkers.TRIANGLE_UP);
        m.setMarkerColor(Palette.ALERT);
        long first = Math.round(Arrays.stream(xs).min().orElseThrow());
        List<String> lines = new ArrayList<>(List.of(String.format(Locale.ROOT, "exploded at step %,d", first)));
        if (p.seeds().length > 1) {
            lines.add(String.format(Locale.ROOT, "(%d of %d seeds)", xs.length, p.seeds().length));
        }
        c.getStyler().setAnnotationTextFontColor(Palette.ALERT);
        c.getStyler().setAnnotationTextFont(Palette.LEGEND);
        // centred under the first explosion, but kept inside the plot (about width - 80 px wide)
        double span = Math.max(1, steps - 1);
        double range = hi - c.getStyler().getYAxisMin();
        for (int i = 0; i < lines.size(); i++) {
            double half = (LegendStrip.metrics().stringWidth(lines.get(i)) / 2.0 + 6) / Math.max(20, width - 80) * span;
            double cx = Math.max(half, Math.min(span - half, first));
            c.addAnnotation(new AnnotationText(lines.get(i), cx, hi - (0.1 + 0.09 * i) * range, false));
        }
    }

    private static double clamp(double v, double lo, double hi) {
        return !(v > 0) && !Double.isNaN(v) ? lo : !(v <= Math.pow(10, hi)) ? hi : Math.max(lo, Math.log10(v));
    }

    /** The learning rate per step, one line per configuration (from {@code StudyTables.perStep}). */
    public static Figure learningRates(Table lrs, String part) {
        return Figure.of(Charts.lines(lrs, "Learning rate per step (" + part + ")", "step", "learning rate", others(lrs, "step")));
    }

    /**
     * Each Linear layer's gradient norm by depth (1 = the input layer), log scale with whole decades
     * at both ends (so a narrow range still has labelled ticks), one line per configuration (from
     * {@code StudyTables.layerNorms}).
     */
    public static Figure layerNorms(Table byDepth, String title) {
        XYChart chart = Charts.logLines(byDepth, title, "depth", "gradient norm (log scale)");
        chart.setXAxisTitle("Linear layer by depth (1 = input)");
        chart.getStyler().setXAxisDecimalPattern("0");
        return Figure.of(chart);
    }

    /**
     * A layer x step heatmap of gradient norms on a log colour scale: {@code trace[w][layer]} is the
     * largest norm of a Linear layer over window {@code w} of {@code stride} steps; layers top to
     * bottom from the input; the trace cropped after its last finite window and merged (by the
     * maximum) down to {@value #HEATMAP_COLUMNS} columns; non-finite cells hatched, zero ones plain
     * grey, both explained beside the colour bar. An empty or all-NaN trace gives a figure that
     * says there is nothing to draw.
     */
    public static Figure layerHeatmap(double[][] trace, int stride, String title) {
        int layers = trace.length == 0 ? 0 : trace[0].length;
        List<String> rows = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            rows.add(String.valueOf(l + 1));
        }
        return new HeatmapFigure(title, "Linear layer (1 = input)", rows, trace, stride, (long) trace.length * stride,
                HEATMAP_COLUMNS);
    }

    private static String[] others(Table t, String x) {
        return t.columnNames().stream().filter(c -> !c.equals(x)).toArray(String[]::new);
    }
}
