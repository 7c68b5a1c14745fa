package org.gradlab.plot;

import java.awt.Color;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;
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

    /** Train and test loss per epoch. */
    public static XYChart epochLoss(Table epochs) {
        return lines(epochs, "Loss per epoch", "epoch", "cross-entropy", "train_loss", "test_loss");
    }

    /** Train and test accuracy per epoch. */
    public static XYChart epochAccuracy(Table epochs) {
        return lines(epochs, "Accuracy per epoch", "epoch", "accuracy", "train_accuracy", "test_accuracy");
    }

    /** An LR range test ({@code LrFinder.Result.table()}): loss and smoothed loss against the rate, log scale. */
    public static XYChart lrFinder(Table sweep) {
        XYChart chart = lines(sweep, "Learning-rate range test", "lr", "loss", "loss", "smoothed_loss");
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setXAxisDecimalPattern("0.#E0");
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
        Table positive = table.copy();
        for (String c : positive.columnNames()) {
            if (!c.equals(x) && positive.column(c) instanceof tech.tablesaw.api.DoubleColumn d) {
                d.set(d.isNotMissing().andNot(d.isGreaterThan(0)), Double.NaN);
                d.set(d.isGreaterThan(Double.MAX_VALUE), Double.NaN);
            }
        }
        String[] ys = positive.columnNames().stream().filter(c -> !c.equals(x)).toArray(String[]::new);
        XYChart chart = lines(positive, title, x, yTitle, ys);
        chart.getStyler().setYAxisLogarithmic(true);
        return chart;
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
