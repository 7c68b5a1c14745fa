package org.gradlab.plot;

import java.awt.Color;
import java.util.List;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.Table;

/**
 * Curvature over training and depth, on log scales: the sharpness of runs against their stability
 * limits ({@link #sharpness}), the sharpness over its limit with the edge of stability at 1
 * ({@link #edge}), and the Jacobian spectra at initialisation of several networks by depth
 * ({@link #byDepth}).
 *
 * <pre>{@code
 * XYChart c = CurvatureCharts.sharpness(table, "Sharpness against its stability limit");
 * }</pre>
 */
public final class CurvatureCharts {
    /** The suffix of a limit column paired with a sharpness column in {@link #sharpness}'s table. */
    public static final String LIMIT = " limit";

    private CurvatureCharts() {
    }

    /**
     * Each run's sharpness (solid, with a marker per sample) and its stability limit (dashed, the
     * same colour) per step, log scale, from a table of {@code step}, then for each run a column
     * {@code name} and a column {@code name + }{@value #LIMIT}.
     */
    public static XYChart sharpness(Table samples, String title) {
        XYChart chart = Charts.logLines(samples, title, "step", "top Hessian eigenvalue, and its limit (log)");
        pairLimits(chart, samples);
        return chart;
    }

    /** Each run's sharpness over its stability limit per step, log scale, with the edge of stability (1) dashed. */
    public static XYChart edge(Table ratios, String title) {
        XYChart chart = Charts.logLines(ratios, title, "step", "sharpness / stability limit (log)");
        double[] steps = ratios.numberColumn("step").asDoubleArray();
        double last = steps.length == 0 ? 1 : steps[steps.length - 1];
        XYSeries edge = chart.addSeries("edge of stability (1)", new double[] {0, last}, new double[] {1, 1});
        edge.setMarker(SeriesMarkers.NONE);
        edge.setLineStyle(SeriesLines.DASH_DASH);
        edge.setLineColor(Color.BLACK);
        return chart;
    }

    /** One line per network (each column but {@code x}) over depth, log scale, whole decades at both ends and 1 in range. */
    public static XYChart byDepth(Table byDepth, String x, String title, String yTitle) {
        XYChart chart = Charts.logLines(byDepth, title, x, yTitle);
        chart.getStyler().setXAxisDecimalPattern("0");
        double low = 1;
        double high = 1;
        for (String c : byDepth.columnNames()) {
            if (!c.equals(x) && byDepth.column(c) instanceof DoubleColumn d) {
                for (double v : d.asDoubleArray()) {
                    if (v > 0 && Double.isFinite(v)) {
                        low = Math.min(low, v);
                        high = Math.max(high, v);
                    }
                }
            }
        }
        return JacobianChart.decades(chart, low, high);
    }

    /** Draws each {@code name limit} series dashed, without markers, in the colour of series {@code name}. */
    private static void pairLimits(XYChart chart, Table samples) {
        Color[] palette = chart.getStyler().getSeriesColors();
        List<String> runs = samples.columnNames().stream().filter(c -> !c.equals("step") && !c.endsWith(LIMIT)).toList();
        for (int i = 0; i < runs.size(); i++) {
            Color c = palette[i % palette.length];
            XYSeries s = chart.getSeriesMap().get(runs.get(i));
            s.setLineColor(c);
            s.setMarkerColor(c);
            s.setMarker(SeriesMarkers.CIRCLE);
            XYSeries limit = chart.getSeriesMap().get(runs.get(i) + LIMIT);
            if (limit != null) {
                limit.setLineColor(c);
                limit.setLineStyle(SeriesLines.DASH_DASH);
                limit.setMarker(SeriesMarkers.NONE);
            }
        }
    }
}
