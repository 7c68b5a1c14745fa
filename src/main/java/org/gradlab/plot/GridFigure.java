package org.gradlab.plot;

import java.awt.Color;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.geom.AffineTransform;
import java.util.List;

/**
 * Small multiples: figures in a grid of {@code columns}, each in a cell as large as the largest,
 * under a title, with shared axis titles (the y title turned upright on the left) and an optional
 * shared legend under the grid.
 */
final class GridFigure implements Figure {
    private static final int TITLE_HEIGHT = 30;
    private static final int AXIS_TITLE = 22;

    private final String title;
    private final List<Figure> panels;
    private final int columns;
    private final String xTitle;
    private final String yTitle;
    private final List<LegendStrip.Entry> legend;
    private final int cellWidth;
    private final int cellHeight;

    GridFigure(String title, List<Figure> panels, int columns, String xTitle, String yTitle, List<LegendStrip.Entry> legend) {
        if (panels.isEmpty()) {
            throw new IllegalArgumentException("grid: no panels");
        }
        if (columns < 1) {
            throw new IllegalArgumentException("grid: columns must be >= 1, got " + columns);
        }
        this.title = title;
        this.panels = panels;
        this.columns = Math.min(columns, panels.size());
        this.xTitle = xTitle;
        this.yTitle = yTitle;
        this.legend = List.copyOf(legend);
        this.cellWidth = panels.stream().mapToInt(Figure::width).max().orElseThrow();
        this.cellHeight = panels.stream().mapToInt(Figure::height).max().orElseThrow();
    }

    List<Figure> panels() {
        return panels;
    }

    int columns() {
        return columns;
    }

    int rows() {
        return (panels.size() + columns - 1) / columns;
    }

    @Override
    public String title() {
        return title;
    }

    private int left() {
        return yTitle == null ? 0 : AXIS_TITLE;
    }

    private int top() {
        return title.isEmpty() ? 4 : TITLE_HEIGHT;
    }

    private int gridHeight() {
        return rows() * cellHeight;
    }

    @Override
    public int width() {
        return left() + columns * cellWidth + 4;
    }

    @Override
    public int height() {
        return top() + gridHeight() + (xTitle == null ? 0 : AXIS_TITLE) + strip().height();
    }

    private LegendStrip strip() {
        return new LegendStrip(legend, width());
    }

    @Override
    public void paint(Graphics2D g) {
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width(), height());
        g.setColor(new Color(0x222222));
        if (!title.isEmpty()) {
            g.setFont(Palette.TITLE);
            FontMetrics fm = g.getFontMetrics();
            g.drawString(title, (float) ((width() - fm.stringWidth(title)) / 2.0), 20f);
        }
        for (int i = 0; i < panels.size(); i++) {
            Graphics2D p = (Graphics2D) g.create();
            try {
                p.translate(left() + (i % columns) * cellWidth, top() + (i / columns) * cellHeight);
                p.clipRect(0, 0, cellWidth, cellHeight);
                panels.get(i).paint(p);
            } finally {
                p.dispose();
            }
        }
        g.setFont(Palette.AXIS_TITLE);
        g.setColor(new Color(0x222222));
        FontMetrics fm = g.getFontMetrics();
        if (xTitle != null) {
            g.drawString(xTitle, (float) (left() + (columns * cellWidth - fm.stringWidth(xTitle)) / 2.0),
                    (float) (top() + gridHeight() + 16));
        }
        if (yTitle != null) {
            AffineTransform saved = g.getTransform();
            g.translate(15, top() + (gridHeight() + fm.stringWidth(yTitle)) / 2.0);
            g.rotate(-Math.PI / 2);
            g.drawString(yTitle, 0f, 0f);
            g.setTransform(saved);
        }
        strip().paint(g, top() + gridHeight() + (xTitle == null ? 0 : AXIS_TITLE));
    }
}
