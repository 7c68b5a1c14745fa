package org.gradlab.plot;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.Shape;
import java.awt.geom.AffineTransform;
import java.awt.geom.Line2D;
import java.awt.geom.Rectangle2D;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A rows x steps heatmap of gradient norms on a log colour scale, drawn directly (XChart 3.8.8's
 * heat map labels every column, prints its colour bar's ends as raw doubles, refuses empty data and
 * cannot mark missing cells).
 *
 * <p>Rows are drawn top to bottom in the order given (depth order: the input first). Columns are
 * windows of {@code stride} steps; the trace is cropped after the last window with a finite value
 * (plus the one where it broke), and merged by their maximum down to at most a given number of columns.
 * A merged cell with a non-finite value is drawn hatched grey, one whose values are all zero (a
 * layer that gets no gradient, e.g. behind dead ReLUs) plain grey; both are explained beside the
 * colour bar, which is labelled at whole decades. With no positive finite value at all the figure
 * says so instead of failing.
 */
final class HeatmapFigure implements Figure {
    private static final int WIDTH = 720;
    private static final int TOP = 40;
    private static final int BAR_WIDTH = 14;
    private static final int BAR_MIN_HEIGHT = 150;
    /** A cell whose norms are all zero: plain grey, unlike the hatched non-finite ones. */
    private static final Color ZERO = new Color(0xD9D9D9);
    private static final FontMetrics TICKS = Palette.metrics(Palette.TICKS);

    private final String title;
    private final String yTitle;
    private final List<String> rows;
    /** log10 of each drawn cell, [column][row]: NaN where a value is not finite, -infinity where all are zero. */
    private final double[][] cells;
    private final long columnSteps;
    private final boolean anyMissing;
    private final boolean anyZero;
    private final double lo;
    private final double hi;
    private final List<String> notes;
    private final int rowHeight;

    /**
     * @param title  the figure's title
     * @param yTitle what a row is
     * @param rows   row labels, drawn top to bottom
     * @param trace      {@code trace[w][r]}: row {@code r}'s gradient norm over window {@code w}
     * @param stride     steps per window
     * @param steps      steps the run took (the last window may be shorter than {@code stride})
     * @param maxColumns columns at most: windows are merged (by their maximum) down to it
     */
    HeatmapFigure(String title, String yTitle, List<String> rows, double[][] trace, long stride, long steps, int maxColumns) {
        if (stride < 1 || maxColumns < 1) {
            throw new IllegalArgumentException("heatmap: need stride and columns >= 1, got " + stride + " and " + maxColumns);
        }
        for (double[] w : trace) {
            if (w.length != rows.size()) {
                throw new IllegalArgumentException("heatmap: a window has " + w.length + " values for " + rows.size() + " rows");
            }
        }
        this.title = title;
        this.yTitle = yTitle;
        this.rows = List.copyOf(rows);
        this.notes = new ArrayList<>();
        int lastGood = -1;
        for (int w = 0; w < trace.length; w++) {
            for (double v : trace[w]) {
                lastGood = v > 0 && Double.isFinite(v) ? w : lastGood;
            }
        }
        int kept = lastGood < 0 ? 0 : Math.min(trace.length, lastGood + 2);
        if (kept < trace.length && kept > 0) {
            notes.add(String.format(Locale.ROOT, "Not drawn: steps %,d to %,d, where no gradient norm was finite and above zero.",
                    kept * stride, Math.max(kept * stride, Math.min(steps, trace.length * stride) - 1)));
        }
        int merge = Math.max(1, (kept + maxColumns - 1) / maxColumns);
        int columns = (kept + merge - 1) / merge;
        this.columnSteps = merge * stride;
        this.cells = new double[columns][rows.size()];
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        boolean missing = false;
        boolean zero = false;
        for (int c = 0; c < columns; c++) {
            for (int r = 0; r < rows.size(); r++) {
                double m = 0;
                boolean bad = false;
                for (int w = c * merge; w < Math.min(kept, (c + 1) * merge); w++) {
                    double v = trace[w][r];
                    bad |= !Double.isFinite(v) || v < 0;
                    m = Math.max(m, v);
                }
                cells[c][r] = bad ? Double.NaN : Math.log10(m);
                missing |= bad;
                zero |= !bad && m == 0;
                if (!bad && m > 0) {
                    min = Math.min(min, cells[c][r]);
                    max = Math.max(max, cells[c][r]);
                }
            }
        }
        this.anyMissing = missing;
        this.anyZero = zero;
        this.lo = Double.isFinite(min) ? Math.floor(min) : 0;
        this.hi = Double.isFinite(max) ? Math.max(Math.ceil(max), lo + 1) : 1;
        int n = Math.max(1, rows.size());
        this.rowHeight = Math.max((BAR_MIN_HEIGHT + n - 1) / n, Math.max(9, Math.min(22, 360 / n)));
    }

    /** Row labels, top to bottom. */
    List<String> rows() {
        return rows;
    }

    /** Columns drawn (after cropping and merging). */
    int columns() {
        return cells.length;
    }

    /** Steps per drawn column. */
    long columnSteps() {
        return columnSteps;
    }

    /** The colour bar's ends, log10. */
    double[] scale() {
        return new double[] {lo, hi};
    }

    /** The labels of the colour bar's ticks, bottom to top. */
    List<String> barLabels() {
        return barTicks().stream().map(Axes::decadeLabel).toList();
    }

    /**
     * The decades labelled on the colour bar, top down: every one, or every second, fifth... as the
     * bar's height allows, always both ends (the step divides the number of decades).
     */
    private List<Double> barTicks() {
        int decades = (int) Math.round(hi - lo);
        int fit = Math.max(1, (int) (barHeight() / 16) - 1);
        int step = Math.max(1, (decades + fit - 1) / fit);
        while (decades % step != 0) {
            step++;
        }
        List<Double> out = new ArrayList<>();
        for (double k = hi; k >= lo - 1e-9; k -= step) {
            out.add(k);
        }
        return out;
    }

    private double barTop() {
        return TOP + 24;
    }

    private double barHeight() {
        return plotHeight() - 24 - (anyMissing ? 24 : 0) - (anyZero ? 24 : 0);
    }

    /** Whether some drawn cell has a non-finite value. */
    boolean anyMissing() {
        return anyMissing;
    }

    /** Whether some drawn cell is zero throughout. */
    boolean anyZero() {
        return anyZero;
    }

    /** The log10 value of a drawn cell (NaN: not finite, drawn hatched; -infinity: zero, drawn grey). */
    double cell(int column, int row) {
        return cells[column][row];
    }

    /** The notes under the figure. */
    List<String> notes() {
        return List.copyOf(notes);
    }

    private boolean empty() {
        return cells.length == 0 || rows.isEmpty();
    }

    @Override
    public String title() {
        return title;
    }

    @Override
    public int width() {
        return WIDTH;
    }

    private int plotHeight() {
        return empty() ? 120 : rows.size() * rowHeight;
    }

    @Override
    public int height() {
        return TOP + plotHeight() + 52 + notes.size() * TICKS.getHeight() + 6;
    }

    private int labelWidth() {
        return rows.stream().mapToInt(TICKS::stringWidth).max().orElse(0);
    }

    private double plotLeft() {
        return 26 + labelWidth() + 8;
    }

    private double plotRight() {
        int bar = List.of("not finite", Axes.decadeLabel(lo), Axes.decadeLabel(hi)).stream().mapToInt(TICKS::stringWidth).max()
                .orElse(40);
        return WIDTH - 12 - BAR_WIDTH - 6 - bar - 16;
    }

    /** The top of row {@code r}. */
    private double rowTop(int r) {
        return TOP + r * rowHeight;
    }


    @Override
    public void paint(Graphics2D g) {
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width(), height());
        g.setColor(new Color(0x222222));
        g.setFont(Palette.TITLE);
        FontMetrics tf = g.getFontMetrics();
        g.drawString(title, (float) ((WIDTH - tf.stringWidth(title)) / 2.0), 22f);
        if (empty()) {
            g.setFont(Palette.AXIS_TITLE);
            String msg = "No finite gradient norm to draw: every value is NaN, infinite or zero.";
            g.drawString(msg, (float) ((WIDTH - g.getFontMetrics().stringWidth(msg)) / 2.0), TOP + 60f);
            paintNotes(g);
            return;
        }
        double x0 = plotLeft();
        double x1 = plotRight();
        double cw = (x1 - x0) / cells.length;
        for (int c = 0; c < cells.length; c++) {
            for (int r = 0; r < rows.size(); r++) {
                Rectangle2D cell = new Rectangle2D.Double(x0 + c * cw, rowTop(r), cw + 0.5, rowHeight + 0.5);
                if (Double.isNaN(cells[c][r])) {
                    paintMissing(g, cell);
                } else if (cells[c][r] == Double.NEGATIVE_INFINITY) {
                    g.setColor(ZERO);
                    g.fill(cell);
                } else {
                    g.setColor(Palette.sequential((cells[c][r] - lo) / (hi - lo)));
                    g.fill(cell);
                }
            }
        }
        double rowsBottom = rowTop(rows.size());
        g.setColor(new Color(0x999999));
        g.setStroke(new BasicStroke(1f));
        g.draw(new Rectangle2D.Double(x0, TOP, x1 - x0, rowsBottom - TOP));
        // row labels, right-aligned against the plot
        g.setFont(Palette.TICKS);
        g.setColor(new Color(0x222222));
        for (int r = 0; r < rows.size(); r++) {
            String s = rows.get(r);
            g.drawString(s, (float) (x0 - 6 - TICKS.stringWidth(s)), (float) (rowTop(r) + rowHeight / 2.0 + TICKS.getAscent() / 2.0 - 1));
        }
        // step ticks at round numbers
        long span = cells.length * columnSteps;
        double step = Axes.niceStep(span, Math.max(2, (int) ((x1 - x0) / 70)));
        for (double s = 0; s <= span + 1e-9; s += step) {
            double x = x0 + s / columnSteps * cw;
            g.setColor(new Color(0x999999));
            g.draw(new Line2D.Double(x, rowsBottom, x, rowsBottom + 4));
            String label = String.format(Locale.ROOT, "%,d", Math.round(s));
            g.setColor(new Color(0x222222));
            g.drawString(label, (float) (x - TICKS.stringWidth(label) / 2.0), (float) (rowsBottom + 6 + TICKS.getAscent()));
        }
        g.setFont(Palette.AXIS_TITLE);
        String xTitle = columnSteps == 1 ? "step" : String.format(Locale.ROOT, "step (each column: the largest norm over %,d steps)",
                columnSteps);
        FontMetrics af = g.getFontMetrics();
        g.drawString(xTitle, (float) ((x0 + x1 - af.stringWidth(xTitle)) / 2.0), (float) (rowsBottom + 40));
        AffineTransform saved = g.getTransform();
        g.translate(16, (TOP + rowsBottom + af.stringWidth(yTitle)) / 2.0);
        g.rotate(-Math.PI / 2);
        g.drawString(yTitle, 0f, 0f);
        g.setTransform(saved);
        paintBar(g, x1 + 16);
        paintNotes(g);
    }

    /** The colour bar at {@code left}: whole decades labelled, then the hatched "not finite" swatch when it is used. */
    private void paintBar(Graphics2D g, double left) {
        double top = barTop();
        double height = barHeight();
        int slices = 64;
        for (int i = 0; i < slices; i++) {
            g.setColor(Palette.sequential((i + 0.5) / slices));
            g.fill(new Rectangle2D.Double(left, top + height * (slices - 1 - i) / slices, BAR_WIDTH, height / slices + 0.5));
        }
        g.setColor(new Color(0x999999));
        g.draw(new Rectangle2D.Double(left, top, BAR_WIDTH, height));
        g.setFont(Palette.TICKS);
        g.setColor(new Color(0x222222));
        g.drawString("norm", (float) left, (float) (top - 12));
        for (double k : barTicks()) {
            double y = top + height * (hi - k) / (hi - lo);
            g.setColor(new Color(0x999999));
            g.draw(new Line2D.Double(left + BAR_WIDTH, y, left + BAR_WIDTH + 3, y));
            g.setColor(new Color(0x222222));
            g.drawString(Axes.decadeLabel(k), (float) (left + BAR_WIDTH + 6), (float) (y + TICKS.getAscent() / 2.0 - 1));
        }
        double y = top + height + 12;
        if (anyZero) {
            Rectangle2D swatch = new Rectangle2D.Double(left, y, BAR_WIDTH, 12);
            g.setColor(ZERO);
            g.fill(swatch);
            swatch(g, swatch, "zero");
            y += 24;
        }
        if (anyMissing) {
            Rectangle2D swatch = new Rectangle2D.Double(left, y, BAR_WIDTH, 12);
            paintMissing(g, swatch);
            swatch(g, swatch, "not finite");
        }
    }

    private static void swatch(Graphics2D g, Rectangle2D swatch, String label) {
        g.setColor(new Color(0x999999));
        g.draw(swatch);
        g.setColor(new Color(0x222222));
        g.drawString(label, (float) (swatch.getMaxX() + 6), (float) (swatch.getCenterY() + TICKS.getAscent() / 2.0 - 1));
    }

    private void paintNotes(Graphics2D g) {
        g.setFont(Palette.NOTE);
        g.setColor(new Color(0x444444));
        double y = height() - 6 - notes.size() * TICKS.getHeight() + TICKS.getAscent();
        for (String n : notes) {
            g.drawString(n, 12f, (float) y);
            y += TICKS.getHeight();
        }
    }

    /** A cell without a finite value: light grey with dark diagonal hatching. */
    private static void paintMissing(Graphics2D g, Rectangle2D cell) {
        g.setColor(Palette.MISSING);
        g.fill(cell);
        Shape clip = g.getClip();
        g.clip(cell);
        g.setColor(new Color(0x757575));
        g.setStroke(new BasicStroke(1f));
        for (double d = -cell.getHeight(); d < cell.getWidth(); d += 5) {
            g.draw(new Line2D.Double(cell.getX() + d, cell.getMaxY(), cell.getX() + d + cell.getHeight(), cell.getY()));
        }
        g.setClip(clip);
    }
}
