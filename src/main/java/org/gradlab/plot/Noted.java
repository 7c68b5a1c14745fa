package org.gradlab.plot;

import java.awt.Color;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** A figure with a note under it: small italic text, wrapped to the figure's width ({@link Figure#withNote}). */
final class Noted implements Figure {
    private static final int PAD = 6;
    private static final FontMetrics METRICS = Palette.metrics(Palette.NOTE);

    private final Figure figure;
    private final List<String> lines;

    Noted(Figure figure, String note) {
        this.figure = Objects.requireNonNull(figure, "figure");
        this.lines = wrap(Objects.requireNonNull(note, "note"), figure.width() - 2 * 12);
    }

    /** {@code text} broken at spaces (and at its own line breaks) into lines of at most {@code width} pixels in the note font. */
    static List<String> wrap(String text, int width) {
        List<String> out = new ArrayList<>();
        for (String paragraph : text.split("\n")) {
            StringBuilder line = new StringBuilder();
            for (String word : paragraph.split(" ")) {
                String next = line.isEmpty() ? word : line + " " + word;
                if (!line.isEmpty() && METRICS.stringWidth(next) > width) {
                    out.add(line.toString());
                    line = new StringBuilder(word);
                } else {
                    line = new StringBuilder(next);
                }
            }
            out.add(line.toString());
        }
        return out;
    }

    /** The lines of the note as drawn. */
    List<String> lines() {
        return lines;
    }

    @Override
    public String title() {
        return figure.title();
    }

    @Override
    public String stem() {
        return figure.stem();
    }

    @Override
    public int width() {
        return figure.width();
    }

    @Override
    public int height() {
        return figure.height() + PAD + lines.size() * METRICS.getHeight() + PAD;
    }

    @Override
    public void paint(Graphics2D g) {
        figure.paint(g);
        g.setFont(Palette.NOTE);
        g.setColor(new Color(0x444444));
        double y = figure.height() + PAD + METRICS.getAscent();
        for (String line : lines) {
            g.drawString(line, 12f, (float) y);
            y += METRICS.getHeight();
        }
    }
}
