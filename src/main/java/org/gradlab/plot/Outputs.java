package org.gradlab.plot;

import de.erichseifert.vectorgraphics2d.VectorGraphics2D;
import de.erichseifert.vectorgraphics2d.svg.SVGProcessor;
import de.erichseifert.vectorgraphics2d.util.PageSize;
import java.awt.Color;
import java.awt.RenderingHints;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.gradlab.train.AtomicFile;
import tech.tablesaw.api.Table;

/** Writes result files (CSV tables, PNG and SVG figures, text) atomically, through {@link AtomicFile}. */
public final class Outputs {
    private Outputs() {
    }

    /** Writes {@code file} atomically; see {@link AtomicFile}. */
    public static Path write(Path file, AtomicFile.Content content) throws IOException {
        return AtomicFile.write(file, content);
    }

    /** The table as CSV at full precision. */
    public static Path csv(Table table, Path file) throws IOException {
        return write(file, out -> table.write().csv(out));
    }

    /** The figure as a PNG at {@link Figure#PNG_SCALE} (two image pixels per figure pixel). */
    public static Path png(Figure figure, Path file) throws IOException {
        return bytes(pngBytes(figure), file);
    }

    /** The bytes of {@link #png}: a figure drawn once can be written and shown in a report ({@link Report#chart(Figure, byte[])}). */
    public static byte[] pngBytes(Figure figure) throws IOException {
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        if (!ImageIO.write(figure.image(Figure.PNG_SCALE), "png", png)) {
            throw new IOException("png: no PNG writer in this JVM");
        }
        return png.toByteArray();
    }

    /** {@code content} as the whole of {@code file}. */
    public static Path bytes(byte[] content, Path file) throws IOException {
        return write(file, out -> out.write(content));
    }

    /**
     * The figure as an SVG (VectorGraphics2D's SVG processor, as XChart's {@code VectorGraphicsEncoder}
     * uses it; a grid is one drawing, not one file per chart). Text is drawn as outlines by XChart
     * and as text elsewhere.
     */
    public static Path svg(Figure figure, Path file) throws IOException {
        return write(file, out -> {
            VectorGraphics2D g = new VectorGraphics2D();
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, figure.width(), figure.height());
            figure.paint(g);
            try {
                new SVGProcessor().getDocument(g.getCommands(), new PageSize(0, 0, figure.width(), figure.height())).writeTo(out);
            } catch (IOException e) {
                throw innermost(e);
            }
        });
    }

    /**
     * The innermost I/O error under {@code e}, with {@code e} as its cause: the SVG writer wraps a
     * full disk's "No space left on device" in an XML exception whose message spans two lines.
     */
    private static IOException innermost(IOException e) {
        IOException inner = e;
        for (Throwable t = e.getCause(); t != null && t != t.getCause(); t = t.getCause()) {
            if (t instanceof IOException io) {
                inner = io;
            }
        }
        return inner == e ? e : new IOException(inner.getMessage(), e);
    }

    public static Path text(String text, Path file) throws IOException {
        return write(file, out -> out.write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }
}
