package org.gradlab.plot;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.util.List;
import org.knowm.xchart.style.AxesChartStyler;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.Marker;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The one look of every chart in {@code plot}: colours, line styles, markers and fonts.
 *
 * <p>Series colours are Okabe and Ito's colourblind-safe set (Okabe and Ito 2008, "Color Universal
 * Design"; also matplotlib's and ggplot's colourblind palettes), without its yellow, which is too
 * light for a line on white. Past seven series the colours repeat with the next line style (solid,
 * dashed, dotted), so up to 21 series stay distinct. Heatmaps use ColorBrewer's YlOrRd ramp
 * (Brewer 2003; listed as colourblind-safe), light for small values and dark for large ones, and
 * a hatched grey for cells without a finite value.
 *
 * <pre>{@code
 * XYChart chart = new XYChartBuilder().width(720).height(420).title("t").build();
 * Palette.style(chart.getStyler());
 * }</pre>
 */
public final class Palette {
    /** Okabe-Ito without yellow: blue, orange, bluish green, vermillion, reddish purple, sky blue, black. */
    public static final List<Color> COLORS = List.of(new Color(0x0072B2), new Color(0xE69F00), new Color(0x009E73),
            new Color(0xD55E00), new Color(0xCC79A7), new Color(0x56B4E9), new Color(0x000000));
    /** Reference lines (thresholds, marked steps): grey, thinner than data, dashed. */
    public static final Color REFERENCE = new Color(0x555555);
    /** Marks that something left the chart's range (an explosion): Okabe-Ito's vermillion. */
    public static final Color ALERT = new Color(0xD55E00);
    /** A heatmap cell without a finite value (drawn hatched). */
    public static final Color MISSING = new Color(0xBDBDBD);
    /** Light grey grid lines. */
    public static final Color GRID = new Color(0xE6E6E6);
    /** ColorBrewer YlOrRd, 9 classes, light to dark. */
    static final List<Color> SEQUENTIAL = List.of(new Color(0xFFFFCC), new Color(0xFFEDA0), new Color(0xFED976),
            new Color(0xFEB24C), new Color(0xFD8D3C), new Color(0xFC4E2A), new Color(0xE31A1C), new Color(0xBD0026),
            new Color(0x800026));
    /** Solid, dashed, dotted: the line style changes after each round of colours. */
    static final BasicStroke[] LINES = {SeriesLines.SOLID, SeriesLines.DASH_DASH, SeriesLines.DOT_DOT};
    static final Marker[] MARKERS = {SeriesMarkers.CIRCLE, SeriesMarkers.DIAMOND, SeriesMarkers.SQUARE,
            SeriesMarkers.TRIANGLE_UP, SeriesMarkers.TRIANGLE_DOWN};
    /** A dashed reference line. */
    public static final BasicStroke DASHED = new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
            new float[] {6f, 4f}, 0f);

    static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 14);
    static final Font PANEL_TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 12);
    static final Font AXIS_TITLE = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
    static final Font TICKS = new Font(Font.SANS_SERIF, Font.PLAIN, 11);
    static final Font LEGEND = new Font(Font.SANS_SERIF, Font.PLAIN, 11);
    static final Font NOTE = new Font(Font.SANS_SERIF, Font.ITALIC, 11);

    private Palette() {
    }

    /** The metrics of {@code font} on an image, the same whatever a figure is drawn on later (layouts must not depend on it). */
    static FontMetrics metrics(Font font) {
        Graphics2D g = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB).createGraphics();
        try {
            return g.getFontMetrics(font);
        } finally {
            g.dispose();
        }
    }

    /** Series colour {@code i} (they repeat after {@link #COLORS}{@code .size()}). */
    public static Color color(int i) {
        return COLORS.get(Math.floorMod(i, COLORS.size()));
    }

    /** {@code t} in [0, 1] on the heatmap ramp (clamped), interpolated between its classes. */
    public static Color sequential(double t) {
        double x = Math.max(0, Math.min(1, Double.isNaN(t) ? 0 : t)) * (SEQUENTIAL.size() - 1);
        int i = Math.min((int) x, SEQUENTIAL.size() - 2);
        double f = x - i;
        Color a = SEQUENTIAL.get(i);
        Color b = SEQUENTIAL.get(i + 1);
        return new Color((int) Math.round(a.getRed() + f * (b.getRed() - a.getRed())),
                (int) Math.round(a.getGreen() + f * (b.getGreen() - a.getGreen())),
                (int) Math.round(a.getBlue() + f * (b.getBlue() - a.getBlue())));
    }

    /**
     * Gives an XChart styler this look: white background, light grid, plain tick labels, the
     * series colours, line styles and markers above; returns it.
     */
    public static <S extends Styler> S style(S styler) {
        styler.setChartBackgroundColor(Color.WHITE);
        styler.setPlotBackgroundColor(Color.WHITE);
        styler.setPlotBorderColor(new Color(0x999999));
        styler.setChartFontColor(new Color(0x222222));
        styler.setChartTitleFont(TITLE);
        styler.setLegendFont(LEGEND);
        styler.setLegendBorderColor(new Color(0xCCCCCC));
        styler.setAnnotationTextFont(LEGEND);
        styler.setSeriesColors(COLORS.toArray(Color[]::new));
        styler.setSeriesLines(LINES);
        styler.setSeriesMarkers(MARKERS);
        styler.setMarkerSize(7);
        if (styler instanceof AxesChartStyler a) {
            a.setAxisTitleFont(AXIS_TITLE);
            a.setAxisTickLabelsFont(TICKS);
            a.setPlotGridLinesColor(GRID);
            a.setPlotGridLinesStroke(new BasicStroke(1f));
            a.setAxisTickMarksColor(new Color(0x999999));
            a.setErrorBarsColorSeriesColor(true);
        }
        return styler;
    }
}
