package org.gradlab.plot;

import java.awt.Color;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
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
 *
 * <pre>{@code
 * XYChart chart = Charts.epochLoss(history.epochs());
 * BitmapEncoder.getBufferedImage(chart);   // last expression of a notebook cell shows it
 * }</pre>
 */
public final class Charts {
    public static final int WIDTH = 720;
    public static final int HEIGHT = 420;

    private Charts() {
    }

    /** One line per {@code y} column against column {@code x}. */
    public static XYChart lines(Table table, String title, String x, String yTitle, String... ys) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(x).yAxisTitle(yTitle).build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);   // never over the data
        chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setPlotGridLinesColor(new Color(230, 230, 230));
        double[] xs = values(table, x);
        for (String y : ys) {
            XYSeries s = chart.addSeries(y, xs, values(table, y));
            s.setMarker(xs.length > 60 ? SeriesMarkers.NONE : SeriesMarkers.CIRCLE);
        }
        return chart;
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
     * An LR range test ({@code LrFinder.Result.table()}): the loss and the smoothed loss against
     * the rate, both axes logarithmic (one spike cannot flatten the curve; non-finite points are
     * left out), with each suggested rate in {@code suggestions} (name to rate) marked on the
     * smoothed curve.
     */
    public static XYChart lrFinder(Table sweep, Map<String, Double> suggestions) {
        XYChart chart = lines(positive(sweep, "lr"), "Learning-rate range test", "lr", "loss (log scale)", "loss",
                "smoothed_loss");
        chart.setXAxisTitle("learning rate (log scale)");
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setXAxisDecimalPattern("0.#E0");
        double[] lr = values(sweep, "lr");
        double[] smooth = values(sweep, "smoothed_loss");
        suggestions.forEach((name, rate) -> {
            int i = nearest(lr, rate);
            if (Double.isFinite(smooth[i]) && smooth[i] > 0) {
                XYSeries m = chart.addSeries(String.format(java.util.Locale.ROOT, "%s %.2g", name, rate),
                        new double[] {rate}, new double[] {smooth[i]});
                m.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
                m.setMarker(SeriesMarkers.DIAMOND);
            }
        });
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
        double[] step = values(steps, "step");
        double[] norm = values(steps, "grad_norm");
        Map<String, List<double[]>> byKind = new TreeMap<>();
        for (int r = 0; r < alarms.rowCount(); r++) {
            int i = nearest(step, alarms.longColumn("step").getLong(r));
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
     * A parameter x step heatmap of log10 gradient norms from a monitor's layers table, the steps
     * grouped into at most {@code columns} bins (each bin shows its largest norm).
     */
    public static HeatMapChart layerHeatmap(Table layers, int columns) {
        if (columns < 1) {
            throw new IllegalArgumentException("heatmap: columns must be >= 1, got " + columns);
        }
        List<String> params = layers.stringColumn("param").unique().asList();
        long[] steps = layers.longColumn("step").asLongArray();
        long max = Arrays.stream(steps).max().orElse(0) + 1;
        long width = Math.max(1, (max + columns - 1) / columns);
        int bins = (int) ((max + width - 1) / width);
        double[][] heat = new double[bins][params.size()];
        for (double[] row : heat) {
            Arrays.fill(row, Double.NaN);
        }
        double[] g = values(layers, "grad_norm");
        for (int r = 0; r < steps.length; r++) {
            int b = (int) (steps[r] / width);
            int p = params.indexOf(layers.stringColumn("param").getString(r));
            double v = Double.isFinite(g[r]) && g[r] > 0 ? Math.log10(g[r]) : Double.NaN;
            heat[b][p] = Double.isNaN(heat[b][p]) ? v : Math.max(heat[b][p], Double.isNaN(v) ? heat[b][p] : v);
        }
        List<Number[]> cells = new ArrayList<>();
        for (int b = 0; b < bins; b++) {
            for (int p = 0; p < params.size(); p++) {
                if (Double.isFinite(heat[b][p])) {
                    cells.add(new Number[] {b, p, heat[b][p]});
                }
            }
        }
        HeatMapChart chart = new HeatMapChartBuilder().width(WIDTH).height(HEIGHT)
                .title("log10 gradient norm per parameter and step").xAxisTitle("step (bins of " + width + ")")
                .yAxisTitle("parameter").build();
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        List<Long> xs = new ArrayList<>();
        for (int b = 0; b < bins; b++) {
            xs.add(b * width);
        }
        chart.addSeries("log10 norm", xs, params, cells);
        return chart;
    }

    /** A layer-gain table ({@code LayerGain.Result.table()}): forward and backward gain per block as bars. */
    public static CategoryChart layerGains(Table gains) {
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT)
                .title("Layer gains at initialisation (balanced: 0.8 to 1.2 per block)").xAxisTitle("block")
                .yAxisTitle("gain (output / input, root mean square)").build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        List<String> blocks = gains.stringColumn("block").asList();
        chart.addSeries("forward gain", blocks, Arrays.stream(values(gains, "forward_gain")).boxed().toList());
        chart.addSeries("backward gain", blocks, Arrays.stream(values(gains, "backward_gain")).boxed().toList());
        return chart;
    }

    /**
     * Marks steps on a chart as vertical lines spanning its positive data range, e.g. each run's
     * first non-finite step ({@code marks}: label to step).
     */
    public static XYChart markSteps(XYChart chart, Map<String, Long> marks) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = 0;
        for (XYSeries s : chart.getSeriesMap().values()) {
            for (double y : s.getYData()) {
                if (Double.isFinite(y) && y > 0) {
                    lo = Math.min(lo, y);
                    hi = Math.max(hi, y);
                }
            }
        }
        if (hi > 0) {
            double bottom = lo;
            double top = hi;
            marks.forEach((label, step) -> {
                XYSeries s = chart.addSeries(label, new double[] {step, step}, new double[] {bottom, top});
                s.setMarker(SeriesMarkers.NONE);
                s.setLineStyle(new java.awt.BasicStroke(1.5f, java.awt.BasicStroke.CAP_BUTT, java.awt.BasicStroke.JOIN_MITER,
                        10f, new float[] {6f, 4f}, 0f));
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
        chart.getStyler().setYAxisLogarithmic(true);
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
