package org.gradlab;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.gradlab.notebooks.NotebookRunner;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every notebook under notebooks/ is a test: executed top to bottom through a real Jupyter kernel
 * (rapaio, from Maven Central into target/kernel) by {@link NotebookRunner}, which speaks the
 * Jupyter protocol itself (no Python, no Jupyter), fails on any cell error and checks that the cells
 * tagged expect-image and expect-table showed their image and table. Runs in {@code verify}, after
 * {@code package} has built target/notebook/classes, which each notebook's first cell puts on its
 * kernel's classpath. Writes the executed notebooks, their images and kernel logs to target/notebooks.
 */
class NotebooksIT {
    private static final Path ROOT = Path.of(System.getProperty("gradlab.basedir", "."));
    private static final Path OUT = ROOT.resolve("target/notebooks");

    @TestFactory
    Stream<DynamicTest> everyNotebookRunsAndShowsItsResults() throws IOException {
        assertTrue(Files.isDirectory(ROOT.resolve("target/notebook/classes/org/gradlab")),
                "target/notebook/classes is missing: run the notebooks with ./mvnw verify");
        Path jar;
        try (Stream<Path> s = Files.list(ROOT.resolve("target/kernel"))) {
            jar = s.filter(p -> p.getFileName().toString().matches("rapaio-jupyter-kernel-.*\\.jar")).findFirst()
                    .orElseThrow(() -> new AssertionError("the rapaio kernel jar was not copied to target/kernel"));
        }
        NotebookRunner runner = NotebookRunner.rapaio(jar, OUT);
        List<Path> notebooks;
        try (Stream<Path> s = Files.list(ROOT.resolve("notebooks"))) {
            notebooks = s.filter(p -> p.toString().endsWith(".ipynb")).sorted().toList();
        }
        assertFalse(notebooks.isEmpty(), "no notebooks found under notebooks/");
        return notebooks.stream().map(nb -> DynamicTest.dynamicTest(nb.getFileName().toString(),
                () -> runner.run(nb).forEach(System.out::println)));
    }
}
