package org.gradlab.plot;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.DoubleStream;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.style.AxesChartStyler;

/** Axis helpers that work around XChart 3.8.8's tick choices. */
final class Axes {
    private Axes() {
    }

    /**
     * Round x ticks (0, 100, 200, ...) on a linear x axis. XChart 3.8.8 puts the ticks of equally
     * spaced x data on data points (0, 14, 28, ... for 500 steps); starting the axis a thousandth
     * of a data step before its first value (invisible) breaks the equal spacing it looks for, so
     * it chooses round numbers. Call it after the series are added and the axis minimum (if any)
     * is set.
     */
    static XYChart niceXTicks(XYChart chart) {
        double[] xs = chart.getSeriesMap().values().stream().flatMapToDouble(s -> DoubleStream.of(s.getXData()))
                .filter(Double::isFinite).distinct().sorted().toArray();
        if (xs.length >= 2 && !chart.getStyler().isXAxisLogarithmic()) {
            Double min = chart.getStyler().getXAxisMin();
            chart.getStyler().setXAxisMin((min == null ? xs[0] : min) - 1e-3 * (xs[1] - xs[0]));
        }
        return chart;
    }

    /**
     * Labels of a linear y axis with a leading zero and the decimals its ticks need, no more
     * ("0.08" beside "0.1"; XChart 3.8.8 formats each label on its own and writes ".08"), while
     * every value is under 100,000 in size and the span needs at most 6 decimals; otherwise
     * XChart's own labels (powers of ten for the very large and very small).
     */
    static void plainY(XYChart chart) {
        double[] ys = chart.getSeriesMap().values().stream().flatMapToDouble(s -> DoubleStream.of(s.getYData()))
                .filter(Double::isFinite).toArray();
        if (ys.length == 0 || chart.getStyler().isYAxisLogarithmic()) {
            return;
        }
        double lo = Arrays.stream(ys).min().orElseThrow();
        double hi = Arrays.stream(ys).max().orElseThrow();
        double span = hi > lo ? hi - lo : Math.max(Math.abs(hi), 1);
        int decimals = Math.max(0, (int) Math.ceil(-Math.log10(span / 20)) + 1);   // ticks at least a twentieth of the span apart
        if (Math.max(Math.abs(lo), Math.abs(hi)) < 1e5 && decimals <= 6) {
            chart.getStyler().setYAxisDecimalPattern(decimals == 0 ? "#,##0" : "#,##0." + "#".repeat(decimals));
        }
    }

    /**
     * A log y axis from the whole decade at or below {@code lo} to the one at or above {@code hi}
     * (at least one decade), so XChart labels at least two ticks even when the data span less than
     * a decade (and, over one decade, labels 2, 3, ... 9 times its start too); labels are plain
     * numbers from 0.001 to 10,000 and powers of ten beyond. A custom tick formatter is not an
     * option: it turns XChart's log axis linear.
     */
    static void logY(AxesChartStyler styler, double lo, double hi) {
        double[] r = decades(lo, hi);
        styler.setYAxisLogarithmic(true);
        styler.setYAxisMin(r[0]);
        styler.setYAxisMax(r[1]);
        styler.setYAxisDecimalPattern(pattern(r));
        // within one decade, label 2x, 3x, ... 9x as well; over many, XChart's grid line at every
        // minor tick turns the plot grey, so the ticks on the axis are the guide
        styler.setYAxisLogarithmicDecadeOnly(r[1] / r[0] > 10.5);
        styler.setPlotGridHorizontalLinesVisible(r[1] / r[0] < 1.5e4);
    }

    /**
     * A log x axis a sixth of a decade beyond [lo, hi] on each side, or out to whole decades when
     * that holds fewer than two of them (XChart labels only whole decades on a log axis).
     */
    static void logX(AxesChartStyler styler, double lo, double hi) {
        double[] r = decades(lo, hi);
        double a = lo / Math.pow(10, 1 / 6.0);
        double b = hi * Math.pow(10, 1 / 6.0);
        if (lo > 0 && Double.isFinite(hi) && Math.floor(Math.log10(b)) - Math.ceil(Math.log10(a)) >= 1) {
            r = new double[] {a, b};
        }
        styler.setXAxisLogarithmic(true);
        styler.setXAxisMin(r[0]);
        styler.setXAxisMax(r[1]);
        styler.setXAxisDecimalPattern(pattern(r));
    }

    /** Plain numbers when every decade labelled in {@code range} is in [0.001, 10,000], powers of ten otherwise. */
    private static String pattern(double[] range) {
        double first = Math.ceil(Math.log10(range[0]) - 1e-9);
        double last = Math.floor(Math.log10(range[1]) + 1e-9);
        return first >= -3 && last <= 4 ? "#,##0.###" : "0E0";
    }

    /** The whole decades around [lo, hi] (positive finite values; {1, 10} when there are none). */
    static double[] decades(double lo, double hi) {
        if (!(lo > 0) || !(hi >= lo) || Double.isInfinite(hi)) {
            return new double[] {1, 10};
        }
        double a = Math.floor(Math.log10(lo) + 1e-9);
        double b = Math.ceil(Math.log10(hi) - 1e-9);
        return new double[] {Math.pow(10, a), Math.pow(10, Math.max(b, a + 1))};
    }

    /** The smallest and largest positive finite value of {@code values}, or NaN when there is none. */
    static double[] positiveRange(double[] values) {
        double[] p = Arrays.stream(values).filter(v -> v > 0 && Double.isFinite(v)).toArray();
        return p.length == 0 ? new double[] {Double.NaN, Double.NaN}
                : new double[] {Arrays.stream(p).min().orElseThrow(), Arrays.stream(p).max().orElseThrow()};
    }

    /**
     * The label of a tick at {@code exponent} on an axis of log10 values: "0.001" to "1,000" as
     * plain numbers, "1E4", "1E-4" beyond (as XChart writes them), and nothing between whole decades.
     */
    static String decadeLabel(double exponent) {
        long k = Math.round(exponent);
        if (Math.abs(exponent - k) > 1e-6) {
            return "";
        }
        if (k >= -3 && k <= 3) {
            return String.format(Locale.ROOT, k < 0 ? "%." + (-k) + "f" : "%,.0f", Math.pow(10, k));
        }
        return "1E" + k;   // as XChart's own log axes write it
    }

    /** A round step (1, 2 or 5 times a power of ten) that cuts {@code span} into at most {@code maxTicks} intervals. */
    static double niceStep(double span, int maxTicks) {
        if (!(span > 0)) {
            return 1;
        }
        double raw = span / Math.max(1, maxTicks);
        double p = Math.pow(10, Math.floor(Math.log10(raw)));
        for (double m : new double[] {1, 2, 5, 10}) {
            if (m * p >= raw) {
                return m * p;
            }
        }
        return 10 * p;
    }
}
