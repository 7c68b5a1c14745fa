package org.gradlab.plot;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.Stroke;
import java.awt.geom.Line2D;
import java.awt.geom.Rectangle2D;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.series.Series;
import org.knowm.xchart.style.markers.Marker;
import org.knowm.xchart.style.markers.None;

/**
 * A legend drawn under a figure: its entries flow left to right and wrap into as many rows as the
 * width needs, so none is ever cut off (XChart's horizontal legend runs past the edge instead).
 */
final class LegendStrip {
    static final int SWATCH = 26;
    static final int GAP = 18;
    static final int PAD = 6;

    /**
     * A legend entry: a line in {@code color} (stroke, may be null) or a filled box in it
     * ({@code box}), and a marker in {@code markerColor} (may be null).
     */
    record Entry(String label, Color color, Stroke line, Marker marker, Color markerColor, boolean box) {
        static Entry line(String label, Color color, Stroke line) {
            return new Entry(label, color, line, null, null, false);
        }

        static Entry marker(String label, Color color, Marker marker) {
            return new Entry(label, null, null, marker, color, false);
        }

        static Entry box(String label, Color color) {
            return new Entry(label, color, null, null, null, true);
        }
    }

    private final List<Entry> entries;
    private final int width;
    private final List<List<Entry>> rows = new ArrayList<>();

    /** Lays {@code entries} out in rows of at most {@code width} pixels. */
    LegendStrip(List<Entry> entries, int width) {
        this.entries = List.copyOf(entries);
        this.width = width;
        FontMetrics fm = metrics();
        List<Entry> row = new ArrayList<>();
        int x = PAD;
        for (Entry e : this.entries) {
            int w = SWATCH + 5 + fm.stringWidth(e.label());
            if (!row.isEmpty() && x + w > width - PAD) {
                rows.add(row);
                row = new ArrayList<>();
                x = PAD;
            }
            row.add(e);
            x += w + GAP;
        }
        if (!row.isEmpty()) {
            rows.add(row);
        }
    }

    /** The entries of the series of an XY or category chart that show in a legend, with the styles XChart gave them. */
    static List<Entry> entries(java.util.Collection<? extends Series> series) {
        List<Entry> out = new ArrayList<>();
        for (Series s : series) {
            if (!s.isShowInLegend() || !s.isEnabled()) {
                continue;
            }
            if (s instanceof XYSeries xy) {
                boolean area = xy.getXYSeriesRenderStyle() == XYSeries.XYSeriesRenderStyle.PolygonArea;
                boolean scatter = xy.getXYSeriesRenderStyle() == XYSeries.XYSeriesRenderStyle.Scatter;
                Marker m = xy.getMarker() == null || xy.getMarker() instanceof None ? null : xy.getMarker();
                Stroke line = scatter || area ? null : xy.getLineStyle();
                out.add(new Entry(s.getLabel(), area ? xy.getFillColor() : xy.getLineColor(), line, m, xy.getMarkerColor(), area));
            } else if (s instanceof CategorySeries c) {
                out.add(Entry.box(s.getLabel(), c.getFillColor()));
            }
        }
        return out;
    }

    /** The entries as laid out, row by row. */
    List<List<Entry>> rows() {
        return rows;
    }

    /** The width a row of entries takes, padding included. */
    static int rowWidth(List<Entry> row) {
        FontMetrics fm = metrics();
        return 2 * PAD + row.stream().mapToInt(e -> SWATCH + 5 + fm.stringWidth(e.label())).sum() + GAP * (row.size() - 1);
    }

    /** The height the strip takes: 0 without entries. */
    int height() {
        return rows.isEmpty() ? 0 : PAD + rows.size() * rowHeight() + PAD;
    }

    /** Paints the strip with its top-left corner at ({@code 0}, {@code top}). */
    void paint(Graphics2D g, double top) {
        FontMetrics fm = metrics();
        Stroke saved = g.getStroke();
        g.setFont(Palette.LEGEND);
        for (int r = 0; r < rows.size(); r++) {
            List<Entry> row = rows.get(r);
            int total = row.stream().mapToInt(e -> SWATCH + 5 + fm.stringWidth(e.label())).sum() + GAP * (row.size() - 1);
            double x = Math.max(PAD, (width - total) / 2.0);
            double mid = top + PAD + r * rowHeight() + rowHeight() / 2.0;
            for (Entry e : row) {
                Color c = e.color() == null ? Color.GRAY : e.color();
                Color mc = e.markerColor() == null ? c : e.markerColor();
                if (e.box()) {
                    g.setColor(c);
                    g.fill(new Rectangle2D.Double(x + 4, mid - 6, SWATCH - 8, 12));
                }
                if (e.line() != null) {
                    g.setColor(c);
                    g.setStroke(e.line() instanceof BasicStroke b && b.getLineWidth() < 1.5f ? new BasicStroke(1.5f,
                            b.getEndCap(), b.getLineJoin(), b.getMiterLimit(), b.getDashArray(), b.getDashPhase()) : e.line());
                    g.draw(new Line2D.Double(x, mid, x + SWATCH, mid));
                }
                if (e.marker() != null) {
                    g.setColor(mc);
                    g.setStroke(new BasicStroke(1f));
                    e.marker().paint(g, x + SWATCH / 2.0, mid, 8);
                }
                g.setColor(new Color(0x222222));
                g.drawString(e.label(), (float) (x + SWATCH + 5), (float) (mid + fm.getAscent() / 2.0 - 1));
                x += SWATCH + 5 + fm.stringWidth(e.label()) + GAP;
            }
        }
        g.setStroke(saved);
    }

    private static int rowHeight() {
        return metrics().getHeight() + 4;
    }

    /** Font metrics of the legend font. */
    static FontMetrics metrics() {
        return METRICS;
    }

    private static final FontMetrics METRICS = Palette.metrics(Palette.LEGEND);
}
