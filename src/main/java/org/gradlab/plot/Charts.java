package org.gradlab.plot;

import java.awt.BasicStroke;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.NumericColumn;
import tech.tablesaw.api.Table;

/**
 * XChart line charts drawn from result tables, never from private state: any table with numeric
 * columns can be charted, and the named helpers chart {@link org.gradlab.train.History}'s tables.
 * Every chart has {@link Palette}'s look; {@link Figure#of(XYChart)} makes one a figure for a report
 * or a file.
 *
 * <pre>{@code
 * XYChart chart = Charts.epochLoss(history.epochs());
 * BitmapEncoder.getBufferedImage(chart);   // last expression of a notebook cell shows it
 * }</pre>
 */
public final class Charts {
    public static final int WIDTH = 720;
    public static final int HEIGHT = 420;
    /** Vermillion, bluish green, reddish purple: apart from the sweep's blues. */
    private static final int[] SUGGESTION_COLORS = {3, 2, 4};

    private Charts() {
    }

    /**
     * One line per {@code y} column against column {@code x}: {@link Palette}'s colours (line
     * styles change after seven), markers only up to 60 points, round x ticks, the legend on the
     * right, one entry a line, never over the data or cut off ({@link Figure#of(XYChart)} puts it
     * under the plot instead).
     */
    public static XYChart lines(Table table, String title, String x, String yTitle, String... ys) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(x).yAxisTitle(yTitle).build();
        Palette.style(chart.getStyler());
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        chart.getStyler().setLegendLayout(Styler.LegendLayout.Vertical);
        double[] xs = values(table, x);
        for (String y : ys) {
            XYSeries s = chart.addSeries(y, xs, values(table, y));
            if (xs.length > 60) {
                s.setMarker(SeriesMarkers.NONE);
            }
        }
        if (Arrays.stream(xs).allMatch(v -> v == Math.rint(v))) {
            chart.getStyler().setXAxisDecimalPattern("#,##0");   // whole steps and epochs: no 1.5 between them
        }
        Axes.plainY(chart);
        return Axes.niceXTicks(chart);
    }

    /**
     * Two columns against {@code x}, each on its own y axis ({@code left} on the left, {@code right}
     * on the right), for quantities of different scales such as a schedule's rate and momentum.
     */
    public static XYChart twoAxes(Table table, String title, String x, String left, String right) {
        XYChart chart = lines(table, title, x, left, left, right);
        chart.getSeriesMap().get(right).setYAxisGroup(1);
        chart.setYAxisGroupTitle(1, right);
        chart.getStyler().setYAxisGroupPosition(1, Styler.YAxisPosition.Right);
        return chart;
    }

    /** Train and test loss per epoch. */
    public static XYChart epochLoss(Table epochs) {
        return lines(epochs, "Loss per epoch", "epoch", "cross-entropy", "train_loss", "test_loss");
    }

    /** Train and test accuracy per epoch. */
    public static XYChart epochAccuracy(Table epochs) {
        return lines(epochs, "Accuracy per epoch", "epoch", "accuracy", "train_accuracy", "test_accuracy");
    }

    /**
     * An LR range test ({@code LrFinder.Result.table()}) as fastai's {@code lr_find} draws it: the
     * smoothed loss (thick) and each batch's loss (thin, light) against the rate on a log x axis,
     * the loss on a linear axis cut at the smoothed curve's range (a diverging batch cannot
     * flatten the valley; non-finite points are left out); each suggested rate in
     * {@code suggestions} (name to rate) marked on the smoothed curve, the first (the valley, in
     * {@code LrFinder.Result.suggestions()}) also as a dashed vertical line.
     */
    public static XYChart lrFinder(Table sweep, Map<String, Double> suggestions) {
        Table finite = positive(sweep, "lr");
        XYChart chart = lines(finite, "Learning-rate range test", "lr", "training loss", "loss", "smoothed_loss");
        chart.setXAxisTitle("learning rate (log scale)");
        XYSeries raw = chart.getSeriesMap().get("loss");
        raw.setLabel("loss per batch");
        raw.setLineColor(Palette.COLORS.get(5));
        raw.setLineStyle(new BasicStroke(1f));
        raw.setMarker(SeriesMarkers.NONE);
        XYSeries smooth = chart.getSeriesMap().get("smoothed_loss");
        smooth.setLabel("smoothed loss");
        smooth.setLineColor(Palette.COLORS.get(0));
        smooth.setLineStyle(new BasicStroke(2.5f));
        smooth.setMarker(SeriesMarkers.NONE);
        double[] lr = values(finite, "lr");
        double[] s = values(finite, "smoothed_loss");
        double[] lrRange = Axes.positiveRange(lr);
        Axes.logX(chart.getStyler(), lrRange[0], lrRange[1]);
        double lo = Arrays.stream(values(finite, "loss")).filter(Double::isFinite).min().orElse(Double.NaN);
        double[] sRange = Axes.positiveRange(s);
        if (Double.isFinite(lo) && Double.isFinite(sRange[1])) {
            lo = Math.min(lo, sRange[0]);
            double pad = 0.05 * Math.max(sRange[1] - lo, 1e-6);
            chart.getStyler().setYAxisMin(Math.max(0, lo - pad));
            chart.getStyler().setYAxisMax(sRange[1] + pad);
        }
        int k = 0;
        for (Map.Entry<String, Double> e : suggestions.entrySet()) {
            double rate = e.getValue();
            int i = nearest(lr, rate);
            if (!(Double.isFinite(s[i]) && s[i] > 0)) {
                continue;
            }
            String name = String.format(Locale.ROOT, "%s %.2g", e.getKey(), rate);
            XYSeries m = chart.addSeries(name, new double[] {rate}, new double[] {s[i]});
            m.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
            m.setMarker(Palette.MARKERS[(k + 1) % Palette.MARKERS.length]);
            m.setMarkerColor(Palette.color(SUGGESTION_COLORS[k % SUGGESTION_COLORS.length]));
            if (k++ == 0) {
                m.setLabel(name + " (suggested)");
                double bottom = chart.getStyler().getYAxisMin() == null ? s[i] : chart.getStyler().getYAxisMin();
                double top = chart.getStyler().getYAxisMax() == null ? s[i] : chart.getStyler().getYAxisMax();
                XYSeries line = chart.addSeries(name + " line", new double[] {rate, rate}, new double[] {bottom, top});
                line.setShowInLegend(false);
                line.setMarker(SeriesMarkers.NONE);
                line.setLineColor(Palette.color(SUGGESTION_COLORS[0]));
                line.setLineStyle(Palette.DASHED);
            }
        }
        return chart;
    }

    /** {@link #lrFinder(Table, Map)} without suggestions marked. */
    public static XYChart lrFinder(Table sweep) {
        return lrFinder(sweep, Map.of());
    }

    /**
     * The global gradient norm per step of a monitor's steps table on a log axis, with its
     * alarms (a monitor's alarms table) marked per kind at the norm of their step.
     */
    public static XYChart gradNormWithAlarms(Table steps, Table alarms) {
        XYChart chart = logLines(steps.selectColumns("step", "grad_norm"), "Global gradient norm and alarms", "step",
                "gradient norm (log scale)");
        chart.getSeriesMap().get("grad_norm").setLabel("global gradient norm");
        double[] step = values(steps, "step");
        double[] norm = values(steps, "grad_norm");
        Map<String, List<double[]>> byKind = new TreeMap<>();
        for (int r = 0; r < alarms.rowCount(); r++) {
            int i = nearest(step, values(alarms, "step")[r]);
            double y = Double.isFinite(norm[i]) && norm[i] > 0 ? norm[i] : lastPositive(norm, i);
            if (Double.isFinite(y)) {
                byKind.computeIfAbsent(alarms.stringColumn("kind").getString(r), k -> new ArrayList<>()).add(new double[] {step[i], y});
            }
        }
        byKind.forEach((kind, points) -> {
            XYSeries s = chart.addSeries(kind.toLowerCase(java.util.Locale.ROOT).replace('_', ' ') + " alarm",
                    points.stream().mapToDouble(p -> p[0]).toArray(), points.stream().mapToDouble(p -> p[1]).toArray());
            s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        });
        return chart;
    }

    /**
     * A parameter x step heatmap of gradient norms (log colour scale) from a monitor's layers table
     * ({@code step, param, grad_norm}): parameters top to bottom in the model's order (the order
     * they first appear in the table), the steps cropped after the last finite norm and grouped
     * into at most {@code columns} columns (each shows its largest norm); a cell with a non-finite
     * norm is hatched, one with zero gradient plain grey, and the colour bar says so. A table
     * without a positive finite norm gives a figure that says so.
     */
    public static Figure layerHeatmap(Table layers, int columns) {
        if (columns < 1) {
            throw new IllegalArgumentException("heatmap: columns must be >= 1, got " + columns);
        }
        List<String> params = new ArrayList<>(new LinkedHashSet<>(layers.stringColumn("param").asList()));
        long[] steps = Arrays.stream(values(layers, "step")).mapToLong(Math::round).toArray();   // long or int (read from CSV)
        int length = (int) (Arrays.stream(steps).max().orElse(-1) + 1);
        double[][] trace = new double[length][params.size()];
        for (double[] row : trace) {
            Arrays.fill(row, Double.NaN);
        }
        double[] g = values(layers, "grad_norm");
        Map<String, Integer> index = new java.util.HashMap<>();
        for (int p = 0; p < params.size(); p++) {
            index.put(params.get(p), p);
        }
        for (int r = 0; r < steps.length; r++) {
            trace[(int) steps[r]][index.get(layers.stringColumn("param").getString(r))] = g[r];
        }
        return new HeatmapFigure("Gradient norm per parameter and step", "parameter (model order)", params, trace, 1, length,
                columns);
    }

    /** A layer-gain table ({@code LayerGain.Result.table()}): forward and backward gain per block as bars. */
    public static CategoryChart layerGains(Table gains) {
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT)
                .title("Layer gains at initialisation (balanced: 0.8 to 1.2 per block)").xAxisTitle("block")
                .yAxisTitle("gain (output / input, root mean square)").build();
        Palette.style(chart.getStyler());
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        List<String> blocks = gains.stringColumn("block").asList();
        chart.addSeries("forward gain", blocks, Arrays.stream(values(gains, "forward_gain")).boxed().toList());
        chart.addSeries("backward gain", blocks, Arrays.stream(values(gains, "backward_gain")).boxed().toList());
        return chart;
    }

    /**
     * Marks steps on a chart as dashed vertical lines from the bottom to the top of its y axis (of
     * its positive data range when the axis has no set range), e.g. each run's first non-finite
     * step ({@code marks}: label to step).
     */
    public static XYChart markSteps(XYChart chart, Map<String, Long> marks) {
        double[] range = Axes.positiveRange(chart.getSeriesMap().values().stream()
                .flatMapToDouble(s -> Arrays.stream(s.getYData())).toArray());
        Double min = chart.getStyler().getYAxisMin();
        Double max = chart.getStyler().getYAxisMax();
        double bottom = min != null ? min : range[0];
        double top = max != null ? max : range[1];
        if (Double.isFinite(bottom) && Double.isFinite(top)) {
            marks.forEach((label, step) -> {
                XYSeries s = chart.addSeries(label, new double[] {step, step}, new double[] {bottom, top});
                s.setMarker(SeriesMarkers.NONE);
                s.setLineStyle(Palette.DASHED);
                s.setLineColor(Palette.REFERENCE);
            });
        }
        return chart;
    }

    /** A schedule's preview table ({@code Schedule.table(steps)}): the rate per step. */
    public static XYChart schedule(Table preview) {
        return lines(preview, preview.name(), "step", "learning rate", "lr");
    }

    /**
     * One line per column of {@code table} other than {@code x}, on a log y axis (non-positive and
     * non-finite values are left out as gaps), e.g. gradient norms of several runs.
     */
    public static XYChart logLines(Table table, String title, String x, String yTitle) {
        Table positive = positive(table, x);
        String[] ys = positive.columnNames().stream().filter(c -> !c.equals(x)).toArray(String[]::new);
        XYChart chart = lines(positive, title, x, yTitle, ys);
        double[] range = Axes.positiveRange(Arrays.stream(ys).flatMapToDouble(y -> Arrays.stream(values(positive, y))).toArray());
        Axes.logY(chart.getStyler(), range[0], range[1]);
        return chart;
    }

    /** A copy of {@code table} with non-positive and non-finite values of its double columns other than {@code x} as gaps. */
    private static Table positive(Table table, String x) {
        Table positive = table.copy();
        for (String c : positive.columnNames()) {
            if (!c.equals(x) && positive.column(c) instanceof DoubleColumn d) {
                d.set(d.isNotMissing().andNot(d.isGreaterThan(0)), Double.NaN);
                d.set(d.isGreaterThan(Double.MAX_VALUE), Double.NaN);
            }
        }
        return positive;
    }

    private static int nearest(double[] xs, double x) {
        int best = 0;
        for (int i = 1; i < xs.length; i++) {
            best = Math.abs(xs[i] - x) < Math.abs(xs[best] - x) ? i : best;
        }
        return best;
    }

    private static double lastPositive(double[] v, int before) {
        for (int i = before; i >= 0; i--) {
            if (Double.isFinite(v[i]) && v[i] > 0) {
                return v[i];
            }
        }
        return Double.NaN;
    }

    /** Batch loss per step. */
    public static XYChart stepLoss(Table steps) {
        return lines(steps, "Training loss per step", "step", "batch loss", "loss");
    }

    private static double[] values(Table table, String column) {
        if (!table.containsColumn(column)) {
            throw new IllegalArgumentException("chart: table '" + table.name() + "' has no column '" + column
                    + "'; it has " + table.columnNames());
        }
        if (!(table.column(column) instanceof NumericColumn<?> c)) {
            throw new IllegalArgumentException("chart: column '" + column + "' is not numeric");
        }
        return c.asDoubleArray();
    }
}
