package org.gradlab.plot;

import java.awt.Color;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;
import tech.tablesaw.api.Table;

/**
 * The charts of a study ({@code org.gradlab.experiment.engine.Study}), drawn from its tables: final
 * accuracy per configuration with error bars, curves per epoch and per step, gradient norms by
 * depth, and a layer x step heatmap.
 *
 * <pre>{@code
 * CategoryChart c = StudyCharts.accuracy(StudyTables.summary(results), "schedules");
 * }</pre>
 */
public final class StudyCharts {
    /** Columns of a heatmap at most; longer traces are merged by their maximum. */
    static final int HEATMAP_COLUMNS = 40;

    private StudyCharts() {
    }

    /**
     * Mean final test accuracy per configuration, a bar each, with +-1 standard deviation error bars
     * (none with a single seed), from a summary table with columns {@code config, acc_mean, acc_std}.
     */
    public static CategoryChart accuracy(Table summary, String part) {
        CategoryChart chart = new CategoryChartBuilder().width(Charts.WIDTH).height(Charts.HEIGHT)
                .title("Final test accuracy per configuration (" + part + ", mean +-1 std over seeds)")
                .xAxisTitle("configuration").yAxisTitle("test accuracy").build();
        chart.getStyler().setLegendVisible(false);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setXAxisLabelRotation(60);
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setYAxisMax(1.0);
        chart.getStyler().setYAxisDecimalPattern("0%");
        chart.getStyler().setErrorBarsColor(Color.DARK_GRAY);
        List<String> names = summary.stringColumn("config").asList();
        List<Double> mean = java.util.Arrays.stream(summary.doubleColumn("acc_mean").asDoubleArray()).boxed().toList();
        List<Double> std = java.util.Arrays.stream(summary.doubleColumn("acc_std").asDoubleArray())
                .map(s -> Double.isNaN(s) ? 0 : s).boxed().toList();
        chart.addSeries("test accuracy", names, mean, std);
        return chart;
    }

    /** Mean test accuracy per epoch, one line per configuration, from {@code StudyTables.epochAccuracy}. */
    public static XYChart epochAccuracy(Table epochs, String part) {
        XYChart chart = sideLegend(Charts.lines(epochs, "Mean test accuracy per epoch (" + part + ")", "epoch", "test accuracy",
                others(epochs, "epoch")));
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setYAxisMax(1.0);
        return chart;
    }

    /**
     * The global gradient norm before clipping per step, log scale, one line per configuration
     * (from {@code StudyTables.perStep}); each of {@code thresholds} (label to norm) drawn as a
     * dashed horizontal line.
     */
    public static XYChart gradNorms(Table steps, String part, Map<String, Double> thresholds) {
        XYChart chart = sideLegend(Charts.logLines(steps, "Global gradient norm before clipping, first seed (" + part + ")", "step",
                "gradient norm (log)"));
        // XChart spaces these ticks by the data, not by nice numbers; upright labels ran together
        chart.getStyler().setXAxisDecimalPattern("0");
        chart.getStyler().setXAxisLabelRotation(90);
        double last = Math.max(1, steps.rowCount() - 1);
        thresholds.forEach((label, norm) -> {
            XYSeries s = chart.addSeries(label, new double[] {0, last}, new double[] {norm, norm});
            s.setMarker(SeriesMarkers.NONE);
            s.setLineStyle(SeriesLines.DASH_DASH);
            s.setLineColor(Color.BLACK);
        });
        return chart;
    }

    /** The learning rate per step, one line per configuration (from {@code StudyTables.perStep}). */
    public static XYChart learningRates(Table lrs, String part) {
        return sideLegend(Charts.lines(lrs, "Learning rate per step (" + part + ")", "step", "learning rate", others(lrs, "step")));
    }

    /** Each Linear layer's gradient norm by depth, log scale, one line per configuration (from {@code StudyTables.layerNorms}). */
    public static XYChart layerNorms(Table byDepth, String title) {
        XYChart chart = sideLegend(Charts.logLines(byDepth, title, "depth", "gradient norm (log)"));
        chart.getStyler().setXAxisDecimalPattern("0");
        return chart;
    }

    /**
     * Whether {@link #layerHeatmap} has something to draw: a cell whose windows are all finite and
     * positive (a run non-finite from its first steps has none).
     */
    public static boolean hasHeat(double[][] trace) {
        return !heatCells(trace).isEmpty();
    }

    /** The heatmap's cells {column, layer, log10 norm}: windows merged by their maximum, a cell with a non-finite window left out. */
    private static List<Number[]> heatCells(double[][] trace) {
        if (trace.length == 0) {
            throw new IllegalArgumentException("layerHeatmap: the trace has no steps");
        }
        int merge = (trace.length + HEATMAP_COLUMNS - 1) / HEATMAP_COLUMNS;
        int columns = (trace.length + merge - 1) / merge;
        List<Number[]> cells = new ArrayList<>();
        for (int c = 0; c < columns; c++) {
            for (int l = 0; l < trace[0].length; l++) {
                double m = Double.NEGATIVE_INFINITY;
                boolean bad = false;
                for (int w = c * merge; w < Math.min(trace.length, (c + 1) * merge); w++) {
                    bad |= !Double.isFinite(trace[w][l]);
                    m = Math.max(m, trace[w][l]);
                }
                if (!bad && m > 0) {
                    cells.add(new Number[] {c, l, Math.log10(m)});
                }
            }
        }
        return cells;
    }

    /**
     * A layer x step heatmap of log10 gradient norms: {@code trace[w][layer]} is the largest norm of
     * a layer over window {@code w} of {@code stride} steps; windows are merged (by their maximum) down
     * to {@value #HEATMAP_COLUMNS} columns, and non-finite norms are left blank; an
     * {@link IllegalArgumentException} if no cell is left ({@link #hasHeat}).
     */
    public static HeatMapChart layerHeatmap(double[][] trace, int stride, String title) {
        List<Number[]> cells = heatCells(trace);
        if (cells.isEmpty()) {
            throw new IllegalArgumentException("layerHeatmap: no window of the trace has a finite gradient norm to draw");
        }
        int merge = (trace.length + HEATMAP_COLUMNS - 1) / HEATMAP_COLUMNS;
        int columns = (trace.length + merge - 1) / merge;
        int layers = trace[0].length;
        List<Integer> xs = new ArrayList<>();
        List<Integer> ys = new ArrayList<>();
        double min = cells.stream().mapToDouble(c -> c[2].doubleValue()).min().orElseThrow();
        double max = cells.stream().mapToDouble(c -> c[2].doubleValue()).max().orElseThrow();
        for (int c = 0; c < columns; c++) {
            xs.add(c * merge * stride);
        }
        for (int l = 0; l < layers; l++) {
            ys.add(l + 1);
        }
        HeatMapChart chart = new HeatMapChartBuilder().width(Charts.WIDTH).height(Charts.HEIGHT).title(title)
                .xAxisTitle("step (window start)").yAxisTitle("Linear layer (1 = input)").build();
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        chart.getStyler().setXAxisLabelRotation(90);
        chart.getStyler().setHeatMapValueDecimalPattern("0.0");
        chart.getStyler().setRangeColors(new Color[] {new Color(250, 250, 210), new Color(240, 140, 40), new Color(120, 0, 40)});
        chart.getStyler().setMin(Math.floor(min));
        chart.getStyler().setMax(Math.max(Math.ceil(max), Math.floor(min) + 1));
        chart.addSeries("log10 gradient norm", xs, ys, cells);
        return chart;
    }

    /** Many series: the legend goes to the right, one entry a line, so none is cut off. */
    static XYChart sideLegend(XYChart chart) {
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        chart.getStyler().setLegendLayout(Styler.LegendLayout.Vertical);
        chart.getStyler().setLegendFont(chart.getStyler().getLegendFont().deriveFont(10f));
        return chart;
    }

    private static String[] others(Table t, String x) {
        return t.columnNames().stream().filter(c -> !c.equals(x)).toArray(String[]::new);
    }
}
