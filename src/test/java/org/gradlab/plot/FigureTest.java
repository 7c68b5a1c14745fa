package org.gradlab.plot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.w3c.dom.Document;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.Table;

class FigureTest {
    @TempDir
    Path dir;

    /** The explode comparison's six runs: XChart's horizontal legend cut off "fixed" and "fixed+clip". */
    static XYChart sixRuns() {
        Table t = Table.create("norms", tech.tablesaw.api.IntColumn.indexColumn("step", 50, 0));
        for (String run : List.of("fixed", "fixed+clip", "warmup+cosine", "warmup+cosine+clip", "fixed+layernorm",
                "doctor's fix: Lower the learning rate to 0.0100")) {
            double[] v = new double[50];
            for (int i = 0; i < v.length; i++) {
                v[i] = 1 + run.length() + Math.sin(i);
            }
            t.addColumns(DoubleColumn.create(run, v));
        }
        return Charts.logLines(t, "Global gradient norm per step (shared axes)", "step", "gradient norm (log scale)");
    }

    /** A figure of one colour, for placing tests. */
    record Swatch(Color color, int width, int height) implements Figure {
        @Override
        public String title() {
            return "swatch";
        }

        @Override
        public String stem() {
            return "swatch";
        }

        @Override
        public void paint(Graphics2D g) {
            g.setColor(color);
            g.fillRect(0, 0, width, height);
        }
    }

    @Test
    void aPngIsTwiceTheFigureAndAnSvgIsWellFormedXmlBothWrittenAtomically() throws Exception {
        Figure f = Figure.of(sixRuns());
        Path png = f.writePng(dir.resolve("norms.png"));
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(2 * f.width(), img.getWidth());
        assertEquals(2 * f.height(), img.getHeight());
        Path svg = f.writeSvg(dir.resolve("norms.svg"));
        DocumentBuilderFactory xml = DocumentBuilderFactory.newInstance();
        xml.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);   // SVG 1.1's DOCTYPE, offline
        Document doc = xml.newDocumentBuilder().parse(svg.toFile());
        assertEquals("svg", doc.getDocumentElement().getTagName());
        assertTrue(doc.getDocumentElement().getAttribute("viewBox").endsWith(f.width() + " " + f.height()),
                doc.getDocumentElement().getAttribute("viewBox"));
        assertTrue(doc.getElementsByTagName("path").getLength() > 50, "the drawing, not an empty page");
        try (var files = Files.list(dir)) {
            assertEquals(List.of("norms.png", "norms.svg"), files.map(p -> p.getFileName().toString()).sorted().toList(),
                    "no temporary left behind");
        }
        assertThrows(IllegalArgumentException.class, () -> f.image(0));
    }

    @Test
    void aLegendWrapsUnderThePlotInsteadOfRunningPastTheEdge() {
        XYChart chart = sixRuns();
        Figure f = Figure.of(chart);
        assertTrue(f.height() > chart.getHeight(), "the legend goes under the plot");
        LegendStrip strip = new LegendStrip(LegendStrip.entries(chart.getSeriesMap().values()), f.width());
        assertTrue(strip.rows().size() >= 2, "six long names need two rows at 720 px");
        List<String> labels = new ArrayList<>();
        for (List<LegendStrip.Entry> row : strip.rows()) {
            assertTrue(LegendStrip.rowWidth(row) <= f.width(), "row fits: " + LegendStrip.rowWidth(row));
            row.forEach(e -> labels.add(e.label()));
        }
        assertEquals(List.copyOf(chart.getSeriesMap().keySet()), labels, "every entry, once, in order");
        BufferedImage img = f.image(1);
        int text = 0;
        for (int y = chart.getHeight(); y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                boolean ink = (img.getRGB(x, y) & 0xFFFFFF) != 0xFFFFFF;
                text += ink ? 1 : 0;
                assertFalse(ink && x >= img.getWidth() - 2, "nothing runs to the edge at y " + y);
            }
        }
        assertTrue(text > 500, "the legend is drawn: " + text);
        assertTrue(chart.getStyler().isLegendVisible(), "the chart's own legend is left as it was");
        assertEquals(chart.getWidth(), BitmapEncoder.getBufferedImage(chart).getWidth());
    }

    @Test
    void aGridPutsEachPanelInItsCellUnderTheTitle() {
        List<Figure> panels = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            panels.add(new Swatch(Palette.color(i), 200, 100));
        }
        Figure grid = Figure.grid("five", panels, 3, "step", "norm");
        BufferedImage img = grid.image(1);
        assertEquals(grid.width(), img.getWidth());
        int left = 22;   // the y title
        int top = 30;    // the title
        for (int i = 0; i < 5; i++) {
            int x = left + (i % 3) * 200 + 100;
            int y = top + (i / 3) * 100 + 50;
            assertEquals(Palette.color(i).getRGB(), img.getRGB(x, y), "panel " + i);
        }
        assertEquals(Color.WHITE.getRGB(), img.getRGB(left + 2 * 200 + 100, top + 150), "the sixth cell is empty");
        assertEquals(left + 3 * 200 + 4, grid.width());
        assertThrows(IllegalArgumentException.class, () -> Figure.grid("none", List.of(), 3, null, null));
    }

    @Test
    void aNoteWrapsToTheFigureAndAddsItsHeight() {
        Figure f = new Swatch(Color.BLUE, 300, 100);
        String long_ = "grey cells: the run ended there; hatched cells: the gradient was not finite, "
                + "an overflow or a NaN, so no colour can stand for it".repeat(2);
        Noted n = (Noted) f.withNote(long_);
        assertTrue(n.lines().size() >= 3, n.lines().toString());
        assertEquals(long_.replace("\n", " "), String.join(" ", n.lines()));
        assertTrue(n.height() > f.height() + 3 * 12);
        assertEquals(Color.BLUE.getRGB(), n.image(1).getRGB(150, 50));
    }

    @Test
    void stemsAreFileNames() {
        assertEquals("global-gradient-norm-per-step-shared-axes", Figure.stemOf("Global gradient norm per step (shared axes)"));
        assertEquals("figure", Figure.stemOf("!!!"));
        assertTrue(Figure.stemOf("x".repeat(200)).length() <= 60);
    }

    @Test
    void reportsEmbedTheTwiceSizedPngShownAtTheFiguresSize() throws IOException {
        Figure f = Figure.of(sixRuns());
        String html = Report.titled("r").chart(f).html();
        var m = java.util.regex.Pattern.compile("<img alt=\"([^\"]*)\" width=\"(\\d+)\" height=\"(\\d+)\" src=\"data:image/png;base64,"
                + "([^\"]+)\">").matcher(html);
        assertTrue(m.find(), html.substring(0, Math.min(400, html.length())));
        assertEquals(f.title(), m.group(1));
        assertEquals(f.width(), Integer.parseInt(m.group(2)));
        BufferedImage img = ImageIO.read(new java.io.ByteArrayInputStream(java.util.Base64.getDecoder().decode(m.group(4))));
        assertEquals(2 * f.width(), img.getWidth());
        assertTrue(html.contains("img{display:block;max-width:100%;height:auto}"), "never wider than the page");
    }
}
