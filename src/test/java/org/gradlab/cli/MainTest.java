package org.gradlab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.gradlab.experiment.jobs.RunFolder;
import org.gradlab.plot.Outputs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {
    @TempDir
    Path dir;

    private record Run(int code, String out, String err) {
        /** The error's first line. */
        String message() {
            return err.lines().findFirst().orElse("");
        }
    }

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void articleJobWritesTablesChartsAndReport() throws Exception {
        Path out = dir.resolve("article");
        Run r = run("article", "--epochs", "1", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("test_accuracy") && r.out().contains("final test accuracy"), r.out());
        assertTrue(r.out().contains("wrote " + out.resolve("report.html")), r.out());
        assertTrue(r.out().startsWith("The article's model on the 10,000 bundled MNIST digits: 8000 train / 2000 test, seed 0, 1 epoch\n"),
                r.out());
        for (String f : new String[] {"epochs.csv", "steps.csv", "loss.png", "accuracy.png", "step-loss.png", "report.html"}) {
            assertTrue(Files.size(out.resolve(f)) > 100, f);
        }
        assertEquals(2, Files.readAllLines(out.resolve("epochs.csv")).size());
        assertEquals(251, Files.readAllLines(out.resolve("steps.csv")).size());
        String html = Files.readString(out.resolve("report.html"));
        assertTrue(html.contains("<table>") && html.contains("data:image/png;base64,"), "report has a table and charts");
        assertTrue(html.contains("batch 32; 1 epoch; "), "one epoch, singular");
        assertFalse(Files.exists(dir.resolve("article.partial")), "a finished run leaves no partial folder");
    }

    @Test
    void explodeJobComparesFiveRunsAndWritesTheDoctorsReport() throws Exception {
        Run r = run("explode", "--epochs", "1", "--out", dir.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("warmup+cosine+clip") && r.out().contains("Doctor: the gradients exploded"), r.out());
        assertTrue(r.out().contains("(verified)"), "the printed ranking shows verified fixes: " + r.out());
        var runs = Files.readAllLines(dir.resolve("runs.csv"));
        assertEquals(7, runs.size(), "five runs, the doctor's fix and a header: " + runs);
        assertTrue(runs.get(6).startsWith("doctor's fix"), runs.get(6));
        assertTrue(Files.readString(dir.resolve("comparison.html")).contains("<img"), "the comparison embeds its charts");
        assertTrue(runs.get(1).startsWith("fixed,0.116"), "the fixed-rate run explodes: " + runs.get(1));
        assertTrue(Files.readString(dir.resolve("doctor.md")).contains("Lower the learning rate"));   // no warmup: the failure comes inside it
        assertTrue(Files.size(dir.resolve("grad-norms.png")) > 1000);
        assertTrue(Files.readAllLines(dir.resolve("fixed+clip-steps.csv")).size() > 200);
    }

    /** A usage error: exit 2, one line naming the problem, then that command's usage; nothing trained or written. */
    private void usageError(String expected, String usage, String... args) {
        Run r = run(args);
        assertEquals(2, r.code(), String.join(" ", args) + ": " + r.err());
        assertEquals("gradlab: " + expected, r.message());
        assertTrue(r.err().lines().skip(1).findFirst().orElse("").startsWith("Usage: gradlab " + usage), r.err());
        assertEquals("", r.out());
    }

    @Test
    void badUsageIsExitTwoWithOneLineAndTheUsage() {
        String range = " is not a whole number from 1 to 2147483647";
        usageError("Invalid value for option '--epochs': '4294967297'" + range, "article", "article", "--epochs", "4294967297");
        usageError("Invalid value for option '--epochs': '2147483648'" + range, "article", "article", "--epochs", "2147483648");
        usageError("Invalid value for option '--epochs': '0'" + range, "explode", "explode", "--epochs", "0");
        usageError("Invalid value for option '--epochs': 'zero'" + range, "article", "article", "--epochs", "zero");
        usageError("Invalid value for option '--seed': '99999999999999999999' is not a long", "article",
                "article", "--seed", "99999999999999999999");
        usageError("option '--epochs' (N) should be specified only once", "article", "article", "--epochs", "1", "--epochs", "2");
        usageError("Unknown options: '--lr', '1'", "article", "article", "--lr", "1");
        usageError("Missing required argument(s): --labels=FILE", "article", "article", "--images", "x.gz");
        usageError("unknown command 'train'; the commands are [help, article, explode, study]", "[-h] COMMAND", "train");
        usageError("missing command: one of [help, article, explode, study]", "[-h] COMMAND");
    }

    @Test
    void helpForEveryCommand() {
        Run top = run("--help");
        assertEquals(0, top.code());
        assertTrue(top.out().contains("article") && top.out().contains("explode"), top.out());
        for (String[] args : new String[][] {{"article", "--help"}, {"help", "article"}}) {
            Run r = run(args);
            assertEquals(0, r.code());
            assertTrue(r.out().startsWith("Usage: gradlab article") && r.out().contains("--epochs=N")
                    && r.out().contains("--images=FILE"), r.out());
        }
    }

    private static byte[] idx(int magic, int[] dims, int payload) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + payload);
        b.putInt(magic);
        for (int d : dims) {
            b.putInt(d);
        }
        return b.array();
    }

    private static byte[] gzip(byte[] bytes) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(bos)) {
            out.write(bytes);
        }
        return bos.toByteArray();
    }

    /** A job failure: exit 1, exactly one line, no stack trace, nothing trained, no output folder. */
    private void failure(String expected, String... args) {
        Path out = dir.resolve("never");
        String[] all = java.util.stream.Stream.concat(java.util.Arrays.stream(args), java.util.stream.Stream.of("--out", out.toString()))
                .toArray(String[]::new);
        Run r = run(all);
        assertEquals(1, r.code(), r.err());
        assertEquals(List.of("gradlab: " + expected), r.err().lines().toList());
        assertFalse(r.out().contains("epoch"), r.out());
        assertFalse(Files.exists(out));
    }

    @Test
    void badDataFilesAreNamedWithWhatIsWrong() throws IOException {
        Path labels = Files.write(dir.resolve("labels"), gzip(idx(0x801, new int[] {2}, 2)));
        String l = labels.toString();
        failure(dir.resolve("none.gz") + ": no such file", "article", "--images", dir.resolve("none.gz").toString(), "--labels", l);
        failure(dir + ": is a folder, not an IDX file", "article", "--images", dir.toString(), "--labels", l);
        Path huge = Files.write(dir.resolve("huge"), idx(0x803, new int[] {1, 46340, 46340}, 0));
        failure(huge + ": truncated data: dimensions [1, 46340, 46340] need 2147395600 bytes, file has 0",
                "article", "--images", huge.toString(), "--labels", l);
        byte[] images = gzip(idx(0x803, new int[] {2, 28, 28}, 2 * 784));
        Path cut = Files.write(dir.resolve("cut.gz"), java.util.Arrays.copyOf(images, images.length - 6));
        failure(cut + ": truncated gzip data: the file ends before the gzip end marker",
                "article", "--images", cut.toString(), "--labels", l);
        Path small = Files.write(dir.resolve("small.gz"), gzip(idx(0x803, new int[] {2, 20, 20}, 2 * 400)));
        failure(small + ": images have 400 pixels; the article's model takes 28x28 = 784",
                "article", "--images", small.toString(), "--labels", l);
    }

    @Test
    void badOutputFoldersAreRefusedBeforeTraining() throws IOException {
        Path file = Files.writeString(dir.resolve("file"), "x");
        Run r = run("article", "--epochs", "1", "--out", file.toString());
        assertEquals(1, r.code());
        assertEquals(List.of("gradlab: " + file + ": is a file, not a folder"), r.err().lines().toList());
        assertEquals("", r.out());
        Run under = run("explode", "--epochs", "1", "--out", file.resolve("run").toString());
        assertEquals(List.of("gradlab: " + file.resolve("run") + ": " + file + " is a file, not a folder"), under.err().lines().toList());
    }

    /**
     * A real job in another JVM: while it trains, a second job on its folder is refused; killed
     * (SIGKILL) after its first epoch, it leaves the previous results whole and its finished
     * epochs in a folder marked PARTIAL; its stale lock does not block the next run.
     */
    @Test
    void aKilledJobLeavesThePreviousRunAndAMarkedPartialOne() throws Exception {
        Path out = dir.resolve("runs");
        try (RunFolder previous = RunFolder.open(out, "article")) {
            Outputs.text("the previous run\n", previous.dir().resolve("epochs.csv"));
            previous.commit();
        }
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process job = new ProcessBuilder(java.toString(), "-Djava.awt.headless=true", "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "article", "--epochs", "50", "--out", out.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("job.log").toFile()).start();
        Path partial = dir.resolve("runs.partial");
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
            while (!(Files.exists(partial.resolve("epochs.csv")) && Files.readAllLines(partial.resolve("epochs.csv")).size() >= 2)) {
                assertTrue(job.isAlive() && System.nanoTime() < deadline, "the job finished no epoch: " + Files.readString(dir.resolve("job.log")));
                Thread.sleep(200);
            }
            Run second = run("article", "--epochs", "1", "--out", out.toString());
            assertEquals(1, second.code());
            assertEquals(List.of("gradlab: " + out + " is in use by another job (process " + job.pid() + ", started "),
                    second.err().lines().map(s -> s.replaceFirst("started .*", "started ")).toList());
        } finally {
            job.destroyForcibly().waitFor();
        }
        assertEquals("the previous run\n", Files.readString(out.resolve("epochs.csv")), "the previous run is whole");
        assertTrue(Files.readString(partial.resolve(RunFolder.PARTIAL_MARKER)).contains("has not finished"));
        List<String> epochs = Files.readAllLines(partial.resolve("epochs.csv"));
        assertEquals("epoch,train_loss,train_accuracy,test_loss,test_accuracy,seconds", epochs.get(0));
        assertTrue(epochs.size() >= 2 && epochs.get(1).startsWith("1,"), epochs.toString());

        Run next = run("article", "--epochs", "1", "--out", out.toString());
        assertEquals(0, next.code(), next.err());
        assertEquals(2, Files.readAllLines(out.resolve("epochs.csv")).size());
        assertFalse(Files.exists(partial), "the next run removed the stale partial folder");
    }
}
