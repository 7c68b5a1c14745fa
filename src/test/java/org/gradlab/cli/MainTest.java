package org.gradlab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {
    @TempDir
    Path dir;

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void articleJobWritesTablesChartsAndReport() throws Exception {
        Run r = run("article", "--epochs", "1", "--out", dir.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("test_accuracy") && r.out().contains("final test accuracy"), r.out());
        for (String f : new String[] {"epochs.csv", "steps.csv", "loss.png", "accuracy.png", "step-loss.png", "report.html"}) {
            assertTrue(Files.size(dir.resolve(f)) > 100, f);
        }
        assertEquals(2, Files.readAllLines(dir.resolve("epochs.csv")).size());
        assertEquals(251, Files.readAllLines(dir.resolve("steps.csv")).size());
        String html = Files.readString(dir.resolve("report.html"));
        assertTrue(html.contains("<table>") && html.contains("data:image/png;base64,"), "report has a table and charts");
    }

    @Test
    void explodeJobComparesFiveRunsAndWritesTheDoctorsReport() throws Exception {
        Run r = run("explode", "--epochs", "1", "--out", dir.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("warmup+cosine+clip") && r.out().contains("# gradlab doctor"), r.out());
        var runs = Files.readAllLines(dir.resolve("runs.csv"));
        assertEquals(6, runs.size());
        assertTrue(runs.get(1).startsWith("fixed,0.116"), "the fixed-rate run explodes: " + runs.get(1));
        assertTrue(Files.readString(dir.resolve("doctor.md")).contains("Lower the learning rate"));   // no warmup: the failure comes inside it
        assertTrue(Files.size(dir.resolve("grad-norms.png")) > 1000);
        assertTrue(Files.readAllLines(dir.resolve("fixed+clip-steps.csv")).size() > 200);
    }

    @Test
    void badUsageNamesTheProblem() {
        Run unknown = run("train");
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().contains("unknown command 'train'"), unknown.err());
        Run epochs = run("article", "--epochs", "zero");
        assertEquals(2, epochs.code());
        assertTrue(epochs.err().contains("--epochs must be a whole number, got 'zero'"), epochs.err());
        Run option = run("article", "--lr", "1");
        assertTrue(option.err().contains("unknown option --lr"), option.err());
        Run missing = run("article", "--images", dir.resolve("none.gz").toString(), "--labels", dir.resolve("l.gz").toString());
        assertEquals(1, missing.code());
        assertTrue(missing.err().contains("none.gz"), missing.err());
        assertEquals(0, run("help").code());
    }
}
