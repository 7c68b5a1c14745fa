package org.gradlab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every notebook under notebooks/ is a test: executed top to bottom through a real Jupyter
 * kernel (rapaio, installed by notebooks/install-kernel.sh into target/jupyter) by
 * src/test/notebooks/run_notebook.py, which fails on any cell error and checks that the cells
 * tagged expect-image and expect-table showed their image and table. Runs in {@code verify},
 * after {@code package} has built target/notebook/classes, which each notebook's first cell puts on
 * its kernel's classpath.
 */
class NotebooksIT {
    private static final Path ROOT = Path.of(System.getProperty("gradlab.basedir", "."));
    private static final Path PYTHON = Path.of(System.getProperty("gradlab.python", "/usr/bin/python3"));
    private static final Path KERNELS = ROOT.resolve("target/jupyter");
    private static final Path OUT = ROOT.resolve("target/notebooks");

    @TestFactory
    Stream<DynamicTest> everyNotebookRunsAndShowsItsResults() throws IOException, InterruptedException {
        assertTrue(Files.isDirectory(ROOT.resolve("target/notebook/classes/org/gradlab")),
                "target/notebook/classes is missing: run the notebooks with ./mvnw verify");
        requireJupyter();
        Path jar = Files.list(ROOT.resolve("target/kernel")).filter(p -> p.toString().endsWith(".jar")).findFirst()
                .orElseThrow(() -> new AssertionError("the rapaio kernel jar was not copied to target/kernel"));
        run(List.of("bash", ROOT.resolve("notebooks/install-kernel.sh").toString(), "rapaio",
                "--data-dir", KERNELS.toString(), "--from", jar.toString()), 120);
        List<Path> notebooks;
        try (Stream<Path> s = Files.list(ROOT.resolve("notebooks"))) {
            notebooks = s.filter(p -> p.toString().endsWith(".ipynb")).sorted().toList();
        }
        assertFalse(notebooks.isEmpty(), "no notebooks found under notebooks/");
        return notebooks.stream().map(nb -> DynamicTest.dynamicTest(nb.getFileName().toString(), () -> {
            String out = run(List.of(PYTHON.toString(), ROOT.resolve("src/test/notebooks/run_notebook.py").toString(),
                    nb.toString(), "--kernel-dir", KERNELS.toString(), "--out", OUT.toString()), 1800);
            System.out.print(out);
        }));
    }

    private static void requireJupyter() throws IOException, InterruptedException {
        Process p = new ProcessBuilder(PYTHON.toString(), "-c", "import nbclient, nbformat, jupyter_client")
                .redirectErrorStream(true).start();
        String msg = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "notebook tests need Jupyter for " + PYTHON
                + " (Debian: apt-get install python3-nbclient python3-nbconvert jupyter-client python3-ipykernel;"
                + " .ci/run does this), or skip them with -DskipITs:\n" + msg);
    }

    /** Runs a command, returns its output; fails with that output if it exits non-zero or overruns. */
    private static String run(List<String> cmd, long timeoutSeconds) throws IOException, InterruptedException {
        Path log = Files.createTempFile("gradlab-notebook", ".log");
        try {
            Process p = new ProcessBuilder(cmd).directory(ROOT.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            boolean done = p.waitFor(timeoutSeconds, TimeUnit.SECONDS);
            if (!done) {
                p.destroyForcibly();
            }
            String out = Files.readString(log);
            assertTrue(done, String.join(" ", cmd) + " ran past " + timeoutSeconds + " s:\n" + out);
            assertEquals(0, p.exitValue(), String.join(" ", cmd) + " failed:\n" + out);
            return out;
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
