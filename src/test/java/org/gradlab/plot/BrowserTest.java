package org.gradlab.plot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.Table;

/** The browser check finds what it is for (skipped, with the reason, where there is no Chromium). */
class BrowserTest {
    @TempDir
    Path dir;

    @Test
    void aWideTableABrokenImageAndAScriptErrorAreAllCaught() throws IOException {
        StringBuilder wide = new StringBuilder("<table><tr>");
        for (int c = 0; c < 40; c++) {
            wide.append("<td>column_number_").append(c).append("</td>");
        }
        Path page = Files.writeString(dir.resolve("broken.html"), "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>t</title>"
                + "</head><body><h1>A page with problems</h1>" + wide + "</tr></table>"
                + "<img alt=\"missing chart\" src=\"no-such-chart.png\">"
                + "<script>null.boom();</script></body></html>");
        Browser.Result r = Browser.render(page, dir.resolve("broken.png"));
        assertTrue(r.overflows(), "the wide table: " + r);
        assertTrue(r.scrollWidth() > Browser.WIDTH, "scrollWidth " + r.scrollWidth());
        assertEquals(Browser.WIDTH, r.width());
        assertTrue(r.wideElements().stream().anyMatch(e -> e.startsWith("table")), r.wideElements().toString());
        assertEquals(1, r.images());
        assertEquals(1, r.brokenImages().size(), r.brokenImages().toString());
        assertTrue(r.brokenImages().get(0).contains("missing chart"), r.brokenImages().toString());
        assertTrue(r.consoleErrors().stream().anyMatch(e -> e.contains("TypeError")), "the script's exception: " + r.consoleErrors());
        assertTrue(r.consoleErrors().stream().anyMatch(e -> e.contains("no-such-chart.png") || e.contains("ERR_FILE_NOT_FOUND")),
                "the failed load: " + r.consoleErrors());
        assertEquals(3, r.problems().stream().map(p -> p.substring(0, 8)).distinct().count(), r.problems().toString());
        BufferedImage shot = ImageIO.read(r.screenshot().toFile());
        assertEquals(r.scrollWidth(), shot.getWidth(), "the whole width, overflow included");
        assertEquals(r.scrollHeight(), shot.getHeight(), "the whole page");
    }

    @Test
    void aReportThatFitsIsCleanAndItsScreenshotIsKept() throws IOException {
        Table t = Table.create("t", DoubleColumn.create("x", 1, 2, 3), DoubleColumn.create("y", 3, 1, 2));
        Figure wide = Figure.grid("four wide panels", List.of(Figure.of(Charts.lines(t, "a", "x", "y", "y")),
                Figure.of(Charts.lines(t, "b", "x", "y", "y"))), 2, "x", "y");
        Path page = Report.titled("A clean report").paragraph("Two figures, one wider than the page's column.")
                .chart(Figure.of(Charts.lines(t, "one", "x", "y", "y"))).chart(wide).write(dir.resolve("clean-report.html"));
        Browser.Result r = Browser.render(page);
        assertEquals(List.of(), r.problems(), "a report that fits a 1280 px window");
        assertEquals(2, r.images());
        assertTrue(Files.isRegularFile(Browser.SCREENSHOTS.resolve("clean-report.png")), "kept in the build output");
        BufferedImage shot = ImageIO.read(r.screenshot().toFile());
        assertEquals(Browser.WIDTH, shot.getWidth());
        assertTrue(shot.getHeight() > 800, "both figures, one above the other: " + shot.getHeight());
    }

    @Test
    void problemsSayWhatIsWrongInOneLineEach() {
        Browser.Result clean = new Browser.Result(Path.of("p.html"), 1280, 1280, 3000, 2, List.of(), List.of(), List.of(), Path.of("p.png"));
        assertFalse(clean.overflows());
        assertEquals(List.of(), clean.problems());
        Browser.Result bad = new Browser.Result(Path.of("p.html"), 1280, 2687, 3000, 2, List.of("chart <x.png>"),
                List.of("Uncaught TypeError"), List.of("table 2640 px wide: part config"), Path.of("p.png"));
        assertEquals(List.of("the page is 2687 px wide in a 1280 px window; sticking out: table 2640 px wide: part config",
                "image did not load: chart <x.png>", "console error: Uncaught TypeError"), bad.problems());
    }
}
