package org.gradlab.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.gradlab.experiment.report.ClaimChecker;
import org.gradlab.experiment.spec.Design;
import org.gradlab.plot.Report;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.Table;

/** {@code gradlab study --quick}, the CI-sized study: every configuration of the design, its tables, charts and report. */
class StudyQuickTest {
    @TempDir
    static Path dir;
    static StudyCommandTest.Run first;

    @BeforeAll
    static void runQuickStudy() {
        first = StudyCommandTest.study("--quick", "--out", dir.toString());
    }

    @Test
    void everyConfigurationHasARow() {
        assertEquals(0, first.code(), first.err());
        Table summary = Table.read().csv(dir.resolve("summary.csv").toFile());
        Table runs = Table.read().csv(dir.resolve("runs.csv").toFile());
        List<String> expected = Design.parts().entrySet().stream().flatMap(e -> Design.quick(e.getKey(), e.getValue()).stream())
                .map(r -> r.part() + "/" + r.config()).toList();
        assertEquals(5, expected.stream().filter(n -> n.startsWith("rnn/")).count(), "quick runs 5 of the rnn part's 13");
        List<String> rows = new java.util.ArrayList<>();
        for (int i = 0; i < summary.rowCount(); i++) {
            rows.add(summary.stringColumn("part").get(i) + "/" + summary.stringColumn("config").get(i));
        }
        assertEquals(expected, rows);
        assertEquals(expected.size(), runs.rowCount(), "one seed each");
        for (String c : List.of("part", "config", "seeds", "acc_mean", "acc_std", "diverged", "collapsed", "max_grad_norm_median",
                "first_step_over_1e3_median", "seconds", "loss_spikes_median", "spiked", "first_step_over_10_median",
                "first_step_over_100_median")) {
            assertTrue(summary.columnNames().contains(c), c);
        }
        assertTrue(summary.stringColumn("diverged").asList().stream().allMatch(s -> s.matches("[01]/1")));
        assertTrue(runs.intColumn("epochs").asList().stream().allMatch(e -> e == 2));
        assertTrue(first.out().contains("study: 53 runs"), first.out());
    }

    @Test
    void everyChartIsAPngAndTheReportHasConclusions() throws Exception {
        assertEquals(0, first.code(), first.err());
        Map<String, List<String>> charts = Map.of(
                "baseline", List.of("accuracy", "epochs", "grad-norms", "layers-step0"),
                "schedules", List.of("accuracy", "epochs", "grad-norms", "lr", "layers-step0"),
                "clipping", List.of("accuracy", "epochs", "grad-norms", "layers-step0", "layers-explosion", "heatmap"),
                "structure", List.of("accuracy", "epochs", "grad-norms", "layers-step0", "layers-explosion", "heatmap"),
                "rnn", List.of("accuracy", "epochs", "grad-norms", "layers-step0", "through-time"));
        charts.forEach((part, names) -> names.forEach(n -> {
            Path png = dir.resolve(part + "-" + n + ".png");
            try {
                byte[] head = java.util.Arrays.copyOf(Files.readAllBytes(png), 8);
                assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10}, head, png.toString());
                BufferedImage img = ImageIO.read(png.toFile());
                assertNotNull(img, png.toString());
                assertTrue(img.getWidth() >= 600 && img.getHeight() >= 400, png.toString());
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }));
        String html = Files.readString(dir.resolve("report.html"));
        for (String part : Design.parts().keySet()) {
            assertTrue(html.contains("<h2 id=\"" + part + "\">"), part);
        }
        assertTrue(html.contains("<h1>A reduced study: "), "the title says what ran");
        assertTrue(html.contains("This is a reduced study (53 runs of 53 configurations, seed 0, 2 epochs each)"),
                "its first line says what it is");
        assertEquals(List.of(), ClaimChecker.check(dir), "every claim of conclusions.json holds on runs.csv");
        JsonNode claims = new ObjectMapper().readTree(dir.resolve("conclusions.json").toFile());
        assertTrue(claims.size() >= 53, "one outcome claim per configuration at least");
        for (JsonNode c : claims) {
            String text = c.path("text").asText();
            assertTrue(html.contains(Report.escape(text)), "report.html renders the claim: " + text);
        }
        assertTrue(html.contains("A_norm_1 rescued A_none"), "init A explodes without clipping and norm clipping rescues it");
        assertTrue(html.contains("Comparisons need at least two seeds per configuration"));
        for (String line : first.out().split("\n")) {
            assertTrue(line.length() <= 120 || line.contains(dir.toString()), "terminal line over 120 columns: " + line);
        }
    }

    @Test
    void aSecondRunResumesEverythingAndWritesTheSameTables() throws Exception {
        assertEquals(0, first.code(), first.err());
        String runs = Files.readString(dir.resolve("runs.csv"));
        String summary = Files.readString(dir.resolve("summary.csv"));
        StudyCommandTest.Run again = StudyCommandTest.study("--quick", "--out", dir.toString());
        assertEquals(0, again.code(), again.err());
        assertTrue(again.out().contains("resuming: 53 of 53 runs are saved and verified; 0 to run"), again.out());
        assertEquals(runs, Files.readString(dir.resolve("runs.csv")), "saved runs keep their wall times too");
        assertEquals(summary, Files.readString(dir.resolve("summary.csv")));
    }
}
