package org.gradlab.notebooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** NotebookRunner against {@link FakeKernel}: the protocol, the retries, the checks, the messages. */
class NotebookRunnerTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @AfterEach
    void noKernelIsLeftRunning() throws InterruptedException {
        for (int i = 0; i < 50 && ProcessHandle.current().children().anyMatch(ProcessHandle::isAlive); i++) {
            Thread.sleep(100);
        }
        assertEquals(List.of(), ProcessHandle.current().children().filter(ProcessHandle::isAlive)
                .map(p -> p.info().commandLine().orElse("?")).toList(), "kernels left running");
    }

    private NotebookRunner runner(String mode, int tries, int startupSeconds) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new NotebookRunner(List.of(java, "-cp", System.getProperty("java.class.path"),
                FakeKernel.class.getName(), mode), Map.of(), dir.resolve("out"), tries,
                Duration.ofSeconds(startupSeconds), Duration.ofSeconds(3));
    }

    /** A notebook: a markdown cell, then one code cell a source, tagged with the tags after '#'. */
    private Path notebook(String... sources) throws Exception {
        ObjectNode nb = JSON.createObjectNode().put("nbformat", 4).put("nbformat_minor", 5);
        nb.putObject("metadata").putObject("kernelspec").put("name", "java");
        ArrayNode cells = nb.putArray("cells");
        cells.addObject().put("cell_type", "markdown").put("source", "# a title").putObject("metadata");
        for (String s : sources) {
            String[] parts = s.split("#");
            ObjectNode cell = cells.addObject().put("cell_type", "code").putNull("execution_count");
            cell.putArray("source").add(parts[0]);
            ArrayNode tags = cell.putObject("metadata").putArray("tags");
            for (int i = 1; i < parts.length; i++) {
                tags.add(parts[i]);
            }
            cell.putArray("outputs");
        }
        Path file = dir.resolve("nb.ipynb");
        JSON.writeValue(file.toFile(), nb);
        return file;
    }

    @Test
    void runsEveryCellWritesTheNotebookAndItsImages() throws Exception {
        List<String> summary = runner("serve", 1, 20).run(notebook("table#expect-table", "chart#expect-image", "hello"));
        assertTrue(summary.get(0).matches("nb: executed in [0-9.]+ s \\(kernel start 1 of 1(, peak RSS [0-9]+ MB)?\\)"), summary.toString());
        assertEquals("nb: 1 image(s) written to " + dir.resolve("out"), summary.get(1));
        JsonNode cells = JSON.readTree(dir.resolve("out/nb.ipynb").toFile()).get("cells");
        assertEquals("# a title", cells.get(0).get("source").asText());
        JsonNode table = cells.get(1).get("outputs");
        assertEquals(1, table.size(), "the two pieces of stdout are one output: " + table);
        assertEquals("   a   |  b  |\n-------------\n  1   |  2  |\n", table.get(0).get("text").asText());
        assertEquals(1, cells.get(1).get("execution_count").asInt());
        assertEquals("display_data", cells.get(2).get("outputs").get(0).get("output_type").asText());
        assertEquals(3, cells.get(3).get("execution_count").asInt());
        assertEquals("hello\n", cells.get(3).get("outputs").get(0).get("text").asText());
        byte[] png = Files.readAllBytes(dir.resolve("out/nb-cell02-0.png"));
        assertEquals(0x89, png[0] & 0xff);
        assertTrue(Files.exists(dir.resolve("out/nb-kernel.log")));
    }

    @Test
    void aKernelThatDoesNotAnswerIsKilledAndAFreshOneStarted() throws Exception {
        Path marker = dir.resolve("hung-once");
        List<String> summary = runner("hang-once:" + marker, 4, 8).run(notebook("hello"));
        assertTrue(Files.exists(marker));
        assertEquals("nb: kernel start 1 of 4 did not answer in 8 s; retrying with a fresh kernel", summary.get(0));
        // start 2 answers (a start past 8 s on a loaded machine is retried too)
        assertTrue(summary.get(summary.size() - 2).matches("nb: executed in .* \\(kernel start [234] of 4(, peak RSS [0-9]+ MB)?\\)"),
                summary.toString());
    }

    @Test
    void aKernelThatNeverAnswersFailsAfterTheLastTry() throws Exception {
        Path nb = notebook("hello");
        AssertionError e = assertThrows(AssertionError.class, () -> runner("hang", 2, 2).run(nb));
        assertEquals("nb: kernel start 2 of 2 did not answer in 2 s; giving up (kernel log: "
                + dir.resolve("out/nb-kernel.log") + ")", e.getMessage());
    }

    @Test
    void aCellErrorNamesTheCellItsFirstLineAndTheKernelsError() throws Exception {
        Path nb = notebook("hello", "fail", "never run");
        AssertionError e = assertThrows(AssertionError.class, () -> runner("serve", 1, 20).run(nb));
        assertEquals("nb: cell 2 failed (first line: fail):\njava.lang.ArithmeticException: / by zero\n"
                + "java.lang.ArithmeticException: / by zero\n  at cell 1", e.getMessage());
        JsonNode cells = JSON.readTree(dir.resolve("out/nb.ipynb").toFile()).get("cells");
        assertEquals("error", cells.get(2).get("outputs").get(0).get("output_type").asText(),
                "the notebook is written up to the failed cell");
        assertTrue(cells.get(3).get("execution_count").isNull());
    }

    @Test
    void missingTablesAndImagesAndTinyImagesAreAllReported() throws Exception {
        Path nb = notebook("hello#expect-table", "hello#expect-image", "tiny");
        AssertionError e = assertThrows(AssertionError.class, () -> runner("serve", 1, 20).run(nb));
        List<String> lines = e.getMessage().lines().toList();
        assertEquals("nb: cell 1: tagged expect-table but printed no table:", lines.get(0));
        assertEquals("hello", lines.get(1));
        assertEquals("nb: cell 2: tagged expect-image but showed no image/png", lines.get(2));
        assertTrue(lines.get(3).matches("nb: cell 3: image 0 is not a real PNG chart \\(\\d+ bytes\\)"), lines.get(3));
    }

    @Test
    void aCellPastItsTimeoutFails() throws Exception {
        Path nb = notebook("sleep");
        AssertionError e = assertThrows(AssertionError.class, () -> runner("serve", 1, 20).run(nb));
        assertEquals("nb: cell 1 ran past 3 s", e.getMessage());
    }

    @Test
    void aMessageWithABadSignatureIsRejected() throws Exception {
        Path nb = notebook("hello");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> runner("wrong-key", 1, 20).run(nb));
        assertTrue(e.getMessage().startsWith("received a Jupyter message with an invalid HMAC-SHA256 signature '"),
                e.getMessage());
    }

    @Test
    void aFileThatIsNotANotebookIsNamed() throws Exception {
        Path bad = Files.writeString(dir.resolve("bad.ipynb"), "{\"cells\": 3}");
        AssertionError e = assertThrows(AssertionError.class, () -> runner("serve", 1, 20).run(bad));
        assertEquals(bad + ": not an nbformat 4 notebook (expected an object with nbformat 4 and a cells list)",
                e.getMessage());
        assertFalse(Files.exists(dir.resolve("out/bad-kernel.log")), "no kernel was started");
    }

    @Test
    void anInstalledKernelStartsAsItsKernelJsonSays() throws Exception {
        Path jar = Files.writeString(dir.resolve("rapaio-jupyter-kernel-3.0.1.jar"), "a jar");
        Process p = new ProcessBuilder("bash", Path.of(System.getProperty("gradlab.basedir", "."))
                .resolve("notebooks/install-kernel.sh").toString(), "rapaio", "--data-dir", dir.resolve("jupyter").toString(),
                "--from", jar.toString()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), output);
        Path kernel = dir.resolve("jupyter/kernels/java");
        JsonNode spec = JSON.readTree(kernel.resolve("kernel.json").toFile());
        List<String> argv = new ArrayList<>();
        spec.get("argv").forEach(a -> argv.add(a.asText()));
        Map<String, String> env = new HashMap<>();
        spec.get("env").fields().forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));

        NotebookRunner rapaio = NotebookRunner.installed(kernel, List.of("-XX:MaxRAM=2g"), dir.resolve("out"));
        List<String> cmd = rapaio.kernelCommand();
        assertEquals("java", argv.get(0));
        assertEquals(Path.of(System.getProperty("java.home"), "bin", "java").toString(), cmd.get(0), "this JVM's java");
        assertEquals("-XX:MaxRAM=2g", cmd.get(1));
        assertEquals(argv.subList(1, argv.size()), cmd.subList(2, cmd.size()));
        assertEquals(env, rapaio.kernelEnv());
        assertEquals("1", env.get("OMP_NUM_THREADS"));
        int cp = argv.indexOf("-cp");
        assertEquals(kernel.resolve("patch") + ":" + kernel.resolve(jar.getFileName()), argv.get(cp + 1),
                "the fixed LoopThread comes before rapaio's jar");
        assertTrue(Files.isRegularFile(kernel.resolve("patch/org/rapaio/jupyter/kernel/channels/LoopThread.class")));
        assertEquals(List.of("org.rapaio.jupyter.kernel.MainApp", "{connection_file}"), argv.subList(cp + 2, argv.size()));

        Files.writeString(kernel.resolve("kernel.json"), "{\"argv\": [\"python3\", \"{connection_file}\"]}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NotebookRunner.installed(kernel, List.of(), dir.resolve("out")));
        assertEquals(kernel.resolve("kernel.json") + ": expected an argv that starts with java and names {connection_file},"
                + " got [python3, {connection_file}]", e.getMessage());
    }

    /** A command that names {connection_file} gets the file there (as Jupyter does), not after it. */
    @Test
    void theConnectionFileGoesWhereTheCommandNamesIt() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        NotebookRunner r = new NotebookRunner(List.of(java, "-cp", System.getProperty("java.class.path"),
                FakeKernel.class.getName(), "serve", "{connection_file}", "--ignored"), Map.of(), dir.resolve("out"), 1,
                Duration.ofSeconds(30), Duration.ofSeconds(3));
        List<String> summary = r.run(notebook("hello"));
        assertTrue(summary.get(0).contains("kernel start 1 of 1"), summary.toString());
    }
}
