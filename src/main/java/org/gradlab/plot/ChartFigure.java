package org.gradlab.plot;

import java.awt.Graphics2D;
import java.util.List;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.internal.series.Series;

/**
 * One XChart chart as a {@link Figure}. When the chart has a visible legend, the figure draws it
 * as a {@link LegendStrip} under the plot instead (the plot gets the whole width, and entries wrap
 * rather than run past the edge); the chart itself is left as it was. Painting briefly hides the
 * chart's own legend, so one chart must not be painted from two threads at once.
 */
final class ChartFigure implements Figure {
    private final Chart<?, ? extends Series> chart;
    private final String stem;
    private final boolean strip;

    ChartFigure(Chart<?, ? extends Series> chart, String stem) {
        this.chart = chart;
        this.stem = stem;
        this.strip = chart.getStyler().isLegendVisible() && !LegendStrip.entries(chart.getSeriesMap().values()).isEmpty();
    }

    /** The chart drawn (tests look inside it). */
    Chart<?, ? extends Series> chart() {
        return chart;
    }

    @Override
    public String title() {
        return chart.getTitle();
    }

    @Override
    public String stem() {
        return stem;
    }

    @Override
    public int width() {
        return chart.getWidth();
    }

    @Override
    public int height() {
        return chart.getHeight() + legend().height();
    }

    private LegendStrip legend() {
        return new LegendStrip(strip ? LegendStrip.entries(chart.getSeriesMap().values()) : List.of(), chart.getWidth());
    }

    @Override
    public void paint(Graphics2D g) {
        int w = chart.getWidth();
        int h = chart.getHeight();
        Graphics2D c = (Graphics2D) g.create();
        try {
            if (strip) {
                chart.getStyler().setLegendVisible(false);
            }
            chart.paint(c, w, h);
        } finally {
            if (strip) {
                chart.getStyler().setLegendVisible(true);
            }
            c.dispose();
        }
        legend().paint(g, h);   // after the chart's paint, which gives series without a colour theirs
    }
}
