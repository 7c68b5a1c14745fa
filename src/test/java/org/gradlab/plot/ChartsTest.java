package org.gradlab.plot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.LongColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

class ChartsTest {

    /** A range test: flat, a valley, then a blow-up with one batch at 40 and a NaN. */
    static Table sweep() {
        int n = 60;
        double[] lr = new double[n];
        double[] loss = new double[n];
        double[] smooth = new double[n];
        double avg = 0;
        for (int k = 0; k < n; k++) {
            lr[k] = 1e-6 * Math.pow(1e6, k / (n - 1.0));
            double x = Math.log10(lr[k]);
            loss[k] = 2.3 - (x > -3 ? 1.0 * Math.min(1, (x + 3) / 1.5) : 0) + (x > -1 ? 3 * (x + 1) : 0);
            avg = 0.9 * avg + 0.1 * loss[k];
            smooth[k] = avg / (1 - Math.pow(0.9, k + 1));
        }
        loss[n - 5] = 40;
        loss[n - 2] = Double.NaN;
        return Table.create("sweep", IntColumn.indexColumn("step", n, 0), DoubleColumn.create("lr", lr),
                DoubleColumn.create("loss", loss), DoubleColumn.create("smoothed_loss", smooth));
    }

    @Test
    void theRangeTestIsLossAgainstALogRateWithTheValleyMarked() {
        Table s = sweep();
        Map<String, Double> suggestions = new LinkedHashMap<>();
        suggestions.put("valley", 3e-3);
        suggestions.put("steepest", 1e-3);
        XYChart c = Charts.lrFinder(s, suggestions);
        assertTrue(c.getStyler().isXAxisLogarithmic());
        assertTrue(!c.getStyler().isYAxisLogarithmic(), "loss on a linear axis, as fastai draws it");
        List<String> xt = Ticks.x(c);
        assertTrue(xt.size() >= 5, "decades labelled: " + xt);
        double top = c.getStyler().getYAxisMax();
        double maxSmooth = java.util.Arrays.stream(s.doubleColumn("smoothed_loss").asDoubleArray()).max().orElseThrow();
        assertTrue(top >= maxSmooth && top < 40, "cut at the smoothed curve, not at the 40 of one batch: " + top);
        XYSeries valley = c.getSeriesMap().get("valley 0.0030");
        assertNotNull(valley, c.getSeriesMap().keySet().toString());
        assertEquals("valley 0.0030 (suggested)", valley.getLabel());
        assertEquals(XYSeries.XYSeriesRenderStyle.Scatter, valley.getXYSeriesRenderStyle());
        XYSeries line = c.getSeriesMap().get("valley 0.0030 line");
        assertArrayEquals(new double[] {3e-3, 3e-3}, line.getXData());
        assertEquals(c.getStyler().getYAxisMin(), line.getYData()[0]);
        assertEquals(top, line.getYData()[1], "a vertical line across the plot");
        assertTrue(c.getSeriesMap().containsKey("steepest 0.0010"));
        assertEquals("smoothed loss", c.getSeriesMap().get("smoothed_loss").getLabel());
    }

    @Test
    void theDoctorsHeatmapListsParametersInTheModelsOrder() {
        // a monitor's layers table: the model's order at each step, read back from CSV (steps as ints)
        List<String> order = List.of("0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias", "10.weight", "10.bias");
        Table t = Table.create("layers", IntColumn.create("step"), StringColumn.create("param"), DoubleColumn.create("grad_norm"));
        for (int step = 0; step < 30; step++) {
            for (String p : order) {
                t.intColumn("step").append(step);
                t.stringColumn("param").append(p);
                t.doubleColumn("grad_norm").append(step < 12 ? 1 + step * p.length() : step < 20 ? 0 : Double.NaN);
            }
        }
        HeatmapFigure h = (HeatmapFigure) Charts.layerHeatmap(t, 100);
        assertEquals(order, h.rows(), "depth order, not sorted or hashed");
        assertEquals(13, h.columns(), "cropped after the last finite step (11) and the one where it broke");
        assertTrue(h.anyZero() && !h.anyMissing());
        Table longSteps = t.copy();
        longSteps.replaceColumn("step", LongColumn.create("step", t.intColumn("step").asList().stream().mapToLong(Integer::longValue)
                .toArray()));
        assertEquals(order, ((HeatmapFigure) Charts.layerHeatmap(longSteps, 5)).rows());
        assertEquals(5, ((HeatmapFigure) Charts.layerHeatmap(longSteps, 5)).columns(), "13 steps in at most 5 columns");
    }

    @Test
    void aLogAxisOverLessThanADecadeIsLabelled() {
        Table t = Table.create("t", DoubleColumn.create("step", 0, 1, 2, 3), DoubleColumn.create("loss", 2.31, 2.2, 2.05, 1.98));
        XYChart c = Charts.logLines(t, "narrow", "step", "loss");
        List<String> yt = Ticks.y(c);
        assertTrue(yt.size() >= 3 && yt.contains("1") && yt.contains("10"), yt.toString());
        assertEquals(List.of("0", "1", "2", "3"), Ticks.x(c));
    }

    @Test
    void linearYLabelsAllHaveTheirLeadingZeroAndHugeValuesKeepPowersOfTen() {
        double[] step = new double[100];
        double[] rate = new double[100];
        double[] loss = new double[100];
        for (int i = 0; i < 100; i++) {
            step[i] = i;
            rate[i] = 0.2 * (1 + Math.cos(Math.PI * i / 99)) / 2;     // 0.2 down to 0, as a cosine schedule
            loss[i] = Math.pow(10, 0.3 * i);                          // up to 1e29.7, an explosion
        }
        Table t = Table.create("t", DoubleColumn.create("step", step), DoubleColumn.create("lr", rate), DoubleColumn.create("loss", loss));
        List<String> yt = Ticks.y(Charts.lines(t, "rates", "step", "learning rate", "lr"));
        assertTrue(yt.size() >= 4 && yt.contains("0.1") && yt.contains("0"), yt.toString());
        assertTrue(yt.stream().allMatch(l -> l.matches("0(\\.\\d{1,3})?")), "0.08, never .08: " + yt);
        List<String> huge = Ticks.y(Charts.lines(t, "losses", "step", "loss", "loss"));
        assertTrue(huge.stream().anyMatch(l -> l.contains("E")), "powers of ten, not 30 digits: " + huge);
    }

    @Test
    void stepTicksAreRoundNumbersNotEveryFourteenthStep() {
        double[] step = new double[500];
        double[] v = new double[500];
        for (int i = 0; i < 500; i++) {
            step[i] = i;
            v[i] = 1 + i % 7;
        }
        XYChart c = Charts.lines(Table.create("t", DoubleColumn.create("step", step), DoubleColumn.create("v", v)), "t", "step", "v", "v");
        List<String> xt = Ticks.x(c);
        assertTrue(List.of("0", "100", "200", "300", "400", "500").containsAll(xt) && xt.size() >= 4
                || List.of("0", "50", "100", "150", "200", "250", "300", "350", "400", "450", "500").containsAll(xt), xt.toString());
    }
}
