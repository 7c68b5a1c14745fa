package org.gradlab.plot;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.XYChart;

/**
 * A picture the report and the jobs write: one XChart chart, a grid of them (small multiples drawn
 * into one image), or a figure drawn directly (the layer x step heatmap). It has a size in pixels
 * at scale 1 and paints itself on any {@link Graphics2D}, so the same drawing becomes a PNG at any
 * resolution or an SVG.
 *
 * <pre>{@code
 * Figure f = Figure.of(Charts.epochLoss(history.epochs()));
 * f.writePng(Path.of("runs/loss.png"));            // at 2x, for screens that have it
 * f.writeSvg(Path.of("runs/loss.svg"));
 * java.awt.image.BufferedImage shown = f.image();  // a notebook cell's last expression shows it
 * }</pre>
 */
public interface Figure {
    /** The scale of {@link #writePng}: two image pixels per figure pixel, sharp on high-density screens. */
    double PNG_SCALE = 2;

    /** What the figure shows, in words (the image's alt text in a report). */
    String title();

    /** A file name stem for it (letters, digits and dashes; no extension). */
    default String stem() {
        return stemOf(title());
    }

    /** Width in pixels at scale 1. */
    int width();

    /** Height in pixels at scale 1. */
    int height();

    /** Paints the figure into {@code [0, width] x [0, height]} of {@code g}'s user space. */
    void paint(Graphics2D g);

    /** The figure as an image with {@code scale} image pixels per figure pixel, on white. */
    default BufferedImage image(double scale) {
        if (!(scale > 0) || Double.isInfinite(scale)) {
            throw new IllegalArgumentException("figure: scale must be > 0, got " + scale);
        }
        BufferedImage img = new BufferedImage((int) Math.ceil(width() * scale), (int) Math.ceil(height() * scale),
                BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, img.getWidth(), img.getHeight());
            g.scale(scale, scale);
            paint(g);
        } finally {
            g.dispose();
        }
        return img;
    }

    /** The figure at scale 1. */
    default BufferedImage image() {
        return image(1);
    }

    /** Writes the figure as a PNG at {@link #PNG_SCALE}, atomically ({@link Outputs#png}). */
    default Path writePng(Path file) throws IOException {
        return Outputs.png(this, file);
    }

    /** Writes the figure as an SVG, atomically ({@link Outputs#svg}). */
    default Path writeSvg(Path file) throws IOException {
        return Outputs.svg(this, file);
    }

    /** This figure with {@code note} (one or more lines of small italic text) under it, e.g. what blank cells mean. */
    default Figure withNote(String note) {
        return new Noted(this, note);
    }

    /**
     * An XY chart as a figure; its legend is drawn under the plot, wrapped into as many rows as its
     * entries need, so no entry is ever cut off (the chart's own legend is left as it was for
     * {@code BitmapEncoder}).
     */
    static Figure of(XYChart chart) {
        return new ChartFigure(chart, stemOf(chart.getTitle()));
    }

    /** A category (bar) chart as a figure, its legend handled as in {@link #of(XYChart)}. */
    static Figure of(CategoryChart chart) {
        return new ChartFigure(chart, stemOf(chart.getTitle()));
    }

    /**
     * Figures side by side, {@code columns} to a row, under {@code title}: small multiples. A
     * {@code null} axis title leaves that axis unnamed.
     */
    static Figure grid(String title, List<? extends Figure> panels, int columns, String xTitle, String yTitle) {
        return new GridFigure(title, List.copyOf(panels), columns, xTitle, yTitle, List.of());
    }

    /** A file name stem from a title: lower case, runs of anything but letters and digits as one dash. */
    static String stemOf(String title) {
        String s = title.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-|-$", "");
        return s.isEmpty() ? "figure" : s.length() > 60 ? s.substring(0, 60).replaceAll("-$", "") : s;
    }
}
