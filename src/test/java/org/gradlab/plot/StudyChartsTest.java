package org.gradlab.plot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.BasicStroke;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.junit.jupiter.api.Test;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

class StudyChartsTest {

    static XYChart xy(Figure f) {
        return (XYChart) ((ChartFigure) f).chart();
    }

    @Test
    void accuracyAgainstPeakLrHasALinePerFamilySortedByRateOnALogAxisWithErrorBars() {
        Table points = Table.create("points", StringColumn.create("family", "fixed", "onecycle", "fixed", "fixed", "onecycle"),
                DoubleColumn.create("peak_lr", 0.1, 0.2, 0.001, 0.03, 0.05), DoubleColumn.create("acc_mean", 0.85, 0.7, 0.65, 0.92, 0.9),
                DoubleColumn.create("acc_std", 0.01, 0.05, 0.02, 0.004, 0.03), IntColumn.create("seeds", 3, 3, 3, 3, 3));
        XYChart c = xy(StudyCharts.accuracyVsPeakLr(points));
        assertEquals(List.of("fixed", "onecycle"), List.copyOf(c.getSeriesMap().keySet()));
        XYSeries fixed = c.getSeriesMap().get("fixed");
        double[] x = fixed.getXData();
        assertEquals(3, x.length);
        assertTrue(x[0] < x[1] && x[1] < x[2], "by rate: " + Arrays.toString(x));
        assertEquals(0.001, x[0], 0.001 * 0.05, "nudged by at most a few percent");
        assertArrayEquals(new double[] {0.65, 0.92, 0.85}, fixed.getYData(), 1e-12);
        assertArrayEquals(new double[] {0.02, 0.004, 0.01}, fixed.getExtraValues(), 1e-12);
        assertTrue(c.getStyler().isXAxisLogarithmic());
        assertTrue(c.getYAxisTitle().contains("3 seeds"), c.getYAxisTitle());
        List<String> xt = Ticks.x(c);
        assertTrue(xt.containsAll(List.of("0.001", "0.01", "0.1")), "decades labelled: " + xt);
        List<String> yt = Ticks.y(c);
        assertTrue(yt.size() >= 5 && yt.stream().allMatch(l -> l.endsWith("%")), "percent ticks: " + yt);
        assertTrue(c.getSeriesMap().get("fixed").getLineColor() != c.getSeriesMap().get("onecycle").getLineColor());
    }

    @Test
    void accuracyAgainstPeakLrNamesAMissingColumn() {
        Table t = Table.create("points", StringColumn.create("family", "fixed"), DoubleColumn.create("lr", 0.1),
                DoubleColumn.create("acc_mean", 0.9), DoubleColumn.create("acc_std", Double.NaN), IntColumn.create("seeds", 1));
        var e = assertThrows(IllegalArgumentException.class, () -> StudyCharts.accuracyVsPeakLr(t));
        assertTrue(e.getMessage().contains("numeric column 'peak_lr'") && e.getMessage().contains("[family, lr"), e.getMessage());
        Table numbers = t.copy();
        numbers.replaceColumn("family", DoubleColumn.create("family", 1.0));
        numbers.replaceColumn("lr", DoubleColumn.create("peak_lr", 0.1));
        e = assertThrows(IllegalArgumentException.class, () -> StudyCharts.accuracyVsPeakLr(numbers));
        assertTrue(e.getMessage().contains("string column 'family'"), e.getMessage());
    }

    /** A run's norms: {@code steps} values around {@code level}, wiggling by a factor of 3. */
    static double[] norms(int steps, double level, long seed) {
        java.util.Random r = new java.util.Random(seed);
        double[] v = new double[steps];
        for (int t = 0; t < steps; t++) {
            v[t] = level * Math.pow(3, r.nextDouble() * 2 - 1);
        }
        return v;
    }

    @Test
    void gradNormPanelsShareAxesDrawClipThresholdsAndMarkExplosionsAtTheTopEdge() {
        double[] diverged = Arrays.copyOf(norms(300, 2, 5), 8);
        diverged[7] = Double.NaN;
        double[] spike = norms(300, 1, 6);
        spike[40] = 1e6;
        List<StudyCharts.GradNormPanel> panels = List.of(
                new StudyCharts.GradNormPanel("calm", new double[][] {norms(300, 1, 1), norms(300, 1.5, 2), norms(300, 0.8, 3)}, Double.NaN),
                new StudyCharts.GradNormPanel("clipped", new double[][] {norms(300, 20, 4)}, 5),
                new StudyCharts.GradNormPanel("diverged", new double[][] {diverged}, Double.NaN),
                new StudyCharts.GradNormPanel("spike", new double[][] {spike}, Double.NaN),
                new StudyCharts.GradNormPanel("short and long", new double[][] {norms(120, 1, 7), norms(300, 1, 8)}, Double.NaN));
        GridFigure grid = (GridFigure) StudyCharts.gradNormPanels(panels);
        assertEquals(3, grid.columns(), "five panels: three to a row");
        assertEquals(2, grid.rows());
        List<XYChart> charts = grid.panels().stream().map(StudyChartsTest::xy).toList();
        assertEquals(List.of("calm", "clipped", "diverged", "spike", "short and long"), charts.stream().map(XYChart::getTitle).toList());
        for (XYChart c : charts) {
            assertEquals(charts.get(0).getStyler().getYAxisMin(), c.getStyler().getYAxisMin(), "shared y");
            assertEquals(charts.get(0).getStyler().getYAxisMax(), c.getStyler().getYAxisMax(), "shared y");
            assertEquals(charts.get(0).getStyler().getXAxisMax(), c.getStyler().getXAxisMax(), "shared steps");
            assertFalse(c.getStyler().isLegendVisible(), "one legend for the grid");
        }
        double lo = charts.get(0).getStyler().getYAxisMin();
        double hi = charts.get(0).getStyler().getYAxisMax();
        assertTrue(lo >= -3 && hi <= 4, "a sane range, 1e-3 to 1e4 at most (log10): " + lo + " to " + hi);
        assertEquals(4, hi, "values above 1e4 take the axis to its ceiling");
        // decades labelled on y, round steps on x
        List<String> yt = Ticks.y(charts.get(0));
        assertTrue(yt.size() >= 3 && Set.of("0.01", "0.1", "1", "10", "100", "1,000", "1E4").containsAll(yt), "decades: " + yt);
        List<String> xt = Ticks.x(charts.get(0));
        assertTrue(xt.size() >= 3 && xt.size() <= 8, "a few step ticks: " + xt);
        List<Long> steps = xt.stream().map(s -> Long.parseLong(s.replace(",", ""))).toList();
        long step = steps.get(1) - steps.get(0);
        assertTrue(Set.of(10L, 20L, 25L, 50L, 100L, 200L).contains(step), "round steps: " + xt);
        assertTrue(steps.stream().allMatch(s -> s % step == 0), "on the round grid: " + xt);
        // the clip threshold: a dashed horizontal line at log10(5), in the clipped panel only
        XYSeries clip = charts.get(1).getSeriesMap().get("clip threshold");
        assertNotNull(clip);
        assertArrayEquals(new double[] {Math.log10(5), Math.log10(5)}, clip.getYData(), 1e-12);
        assertNotNull(((BasicStroke) clip.getLineStyle()).getDashArray(), "dashed");
        assertTrue(charts.stream().filter(c -> c != charts.get(1)).noneMatch(c -> c.getSeriesMap().containsKey("clip threshold")));
        // explosions: the first step above the axis or not finite, on the top edge
        assertFalse(charts.get(0).getSeriesMap().containsKey("exploded"));
        XYSeries nan = charts.get(2).getSeriesMap().get("exploded");
        assertArrayEquals(new double[] {7}, nan.getXData());
        assertArrayEquals(new double[] {hi}, nan.getYData());
        assertArrayEquals(new double[] {40}, charts.get(3).getSeriesMap().get("exploded").getXData());
        // seeds: a band from the lowest to the highest seed around the median line
        XYSeries band = charts.get(0).getSeriesMap().get("band");
        XYSeries median = charts.get(0).getSeriesMap().get("median");
        assertEquals(XYSeries.XYSeriesRenderStyle.PolygonArea, band.getXYSeriesRenderStyle());
        for (int i = 0; i < median.getXData().length; i++) {
            int j = band.getXData().length - 1 - i;
            assertTrue(band.getYData()[i] >= median.getYData()[i] - 1e-12 && band.getYData()[j] <= median.getYData()[i] + 1e-12,
                    "band around the median at " + i);
        }
        assertTrue(grid.width() <= StudyCharts.GRID_WIDTH + 40, "fits a report: " + grid.width());
        Figure one = StudyCharts.gradNormPanels(panels.subList(0, 1));
        assertTrue(one.width() >= Charts.WIDTH && one.height() >= Charts.HEIGHT, "one panel is as large as any chart");
        var img = grid.image(1);
        assertEquals(grid.width(), img.getWidth());
    }

    @Test
    void gradNormPanelsLayOutByCount() {
        int[] expected = {1, 2, 3, 2, 3, 3, 4, 4, 3, 4, 4, 4, 4};
        for (int n = 1; n <= expected.length; n++) {
            List<StudyCharts.GradNormPanel> panels = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                panels.add(new StudyCharts.GradNormPanel("c" + i, new double[][] {{1, 2, 3}}, Double.NaN));
            }
            assertEquals(expected[n - 1], ((GridFigure) StudyCharts.gradNormPanels(panels)).columns(), n + " panels");
        }
        assertThrows(IllegalArgumentException.class, () -> new StudyCharts.GradNormPanel("x", new double[][] {{1}}, -1));
        assertThrows(IllegalArgumentException.class, () -> new StudyCharts.GradNormPanel("x", new double[0][], Double.NaN));
    }

    @Test
    void layerNormsLabelANarrowLogRange() {
        // baseline-layers-step0 had no y tick label at all: its norms span 0.12 to 0.16
        Table t = Table.create("step 0", IntColumn.indexColumn("depth", 3, 1), DoubleColumn.create("adam_0.001", 0.158, 0.122, 0.14));
        XYChart c = xy(StudyCharts.layerNorms(t, "title"));
        List<String> yt = Ticks.y(c);
        assertTrue(yt.size() >= 3, "labelled y ticks: " + yt);
        assertEquals(List.of("1", "2", "3"), Ticks.x(c), "depth order, whole layers");
    }

    @Test
    void heatmapCropsToTheRunAndExplainsItsBlankCells() {
        double[][] trace = new double[100][3];
        for (int w = 0; w < 100; w++) {
            trace[w] = w < 10 ? new double[] {1 + w, 3.3, 6.5e9} : new double[] {Double.NaN, Double.NaN, Double.NaN};
        }
        trace[4][1] = 0;
        HeatmapFigure h = (HeatmapFigure) StudyCharts.layerHeatmap(trace, 1, "t");
        assertEquals(11, h.columns(), "ten steps and the one where it broke, not 100");
        assertTrue(h.notes().get(0).contains("steps 11 to 99"), h.notes().toString());
        assertTrue(h.anyMissing() && h.anyZero());
        assertTrue(Double.isNaN(h.cell(10, 0)), "not finite");
        assertEquals(Double.NEGATIVE_INFINITY, h.cell(4, 1), "zero");
        assertEquals(Math.log10(6.5e9), h.cell(3, 2), 1e-12);
        assertArrayEquals(new double[] {0, 10}, h.scale(), "whole decades");
        assertTrue(h.barLabels().stream().allMatch(l -> l.length() <= 5), "rounded colour-bar labels: " + h.barLabels());
        assertTrue(h.barLabels().containsAll(List.of("1E10", "1")), h.barLabels().toString());
        assertTrue(h.image(1).getWidth() > 0);
    }

    @Test
    void aLongHeatmapIsMergedAndAnAllNaNOneSaysSoInsteadOfFailing() {
        double[][] trace = new double[500][2];
        for (double[] w : trace) {
            Arrays.fill(w, 2);
        }
        HeatmapFigure h = (HeatmapFigure) StudyCharts.layerHeatmap(trace, 3, "t");
        assertTrue(h.columns() <= StudyCharts.HEATMAP_COLUMNS && h.columns() > 50, "merged to the column limit: " + h.columns());
        assertEquals(27, h.columnSteps(), "9 windows of 3 steps per column");
        double[][] nan = new double[20][4];
        for (double[] w : nan) {
            Arrays.fill(w, Double.NaN);
        }
        HeatmapFigure empty = (HeatmapFigure) StudyCharts.layerHeatmap(nan, 1, "all NaN");
        assertEquals(0, empty.columns());
        assertTrue(empty.image(2).getHeight() > 100);
        assertEquals(0, ((HeatmapFigure) StudyCharts.layerHeatmap(new double[0][], 1, "no steps")).columns());
    }
}
