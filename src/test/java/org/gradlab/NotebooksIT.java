package org.gradlab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.gradlab.notebooks.NotebookRunner;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every notebook under notebooks/ is a test: executed top to bottom through a real Jupyter kernel
 * by {@link NotebookRunner}, which speaks the Jupyter protocol itself (no Python, no Jupyter),
 * fails on any cell error and checks that the cells tagged expect-image and expect-table showed
 * their image and table. The kernel is rapaio (from Maven Central into target/kernel), installed
 * into target/jupyter by notebooks/install-kernel.sh and started from the kernel.json it wrote, in
 * a JVM sized as on Binder ({@code -XX:MaxRAM=2g}); each notebook's peak resident memory is
 * printed. Runs in {@code verify}, after {@code package} has built target/notebook/classpath.jar,
 * which each notebook's first cell puts on its kernel's class path. Writes the executed notebooks,
 * their images and kernel logs to target/notebooks. {@code -Dgradlab.notebooks=02,05} runs only
 * the notebooks whose names start with one of those.
 */
class NotebooksIT {
    private static final Path ROOT = Path.of(System.getProperty("gradlab.basedir", "."));
    private static final Path OUT = ROOT.resolve("target/notebooks");

    @TestFactory
    Stream<DynamicTest> everyNotebookRunsAndShowsItsResults() throws IOException, InterruptedException {
        assertTrue(Files.isRegularFile(ROOT.resolve("target/notebook/classpath.jar")),
                "target/notebook/classpath.jar is missing: run the notebooks with ./mvnw verify");
        Path jar;
        try (Stream<Path> s = Files.list(ROOT.resolve("target/kernel"))) {
            jar = s.filter(p -> p.getFileName().toString().matches("rapaio-jupyter-kernel-.*\\.jar")).findFirst()
                    .orElseThrow(() -> new AssertionError("the rapaio kernel jar was not copied to target/kernel"));
        }
        Path data = ROOT.resolve("target/jupyter").toAbsolutePath();
        Process install = new ProcessBuilder("bash", ROOT.resolve("notebooks/install-kernel.sh").toString(), "rapaio",
                "--from", jar.toString(), "--data-dir", data.toString()).redirectErrorStream(true).start();
        String log = new String(install.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, install.waitFor(), log);
        NotebookRunner runner = NotebookRunner.installed(data.resolve("kernels/java"), List.of("-XX:MaxRAM=2g"), OUT);
        List<String> only = List.of(System.getProperty("gradlab.notebooks", "").split(",")).stream()
                .filter(n -> !n.isBlank()).toList();
        List<Path> notebooks;
        try (Stream<Path> s = Files.list(ROOT.resolve("notebooks"))) {
            notebooks = s.filter(p -> p.toString().endsWith(".ipynb"))
                    .filter(p -> only.isEmpty() || only.stream().anyMatch(n -> p.getFileName().toString().startsWith(n)))
                    .sorted().toList();
        }
        assertFalse(notebooks.isEmpty(), "no notebooks found under notebooks/ (gradlab.notebooks=" + only + ")");
        return notebooks.stream().map(nb -> DynamicTest.dynamicTest(nb.getFileName().toString(),
                () -> runner.run(nb).forEach(System.out::println)));
    }
}
