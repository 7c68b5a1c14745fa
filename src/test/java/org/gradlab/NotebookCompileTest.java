package org.gradlab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import jdk.jshell.JShell;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.SourceCodeAnalysis;
import jdk.jshell.execution.DirectExecutionControl;
import jdk.jshell.spi.ExecutionControl;
import jdk.jshell.spi.ExecutionControlProvider;
import jdk.jshell.spi.ExecutionEnv;
import org.junit.jupiter.api.Test;

/**
 * Every code cell of every notebook compiles against the library as it is now, in a plain JShell
 * (what IJava, JJava and rapaio all run cells in) without the imports any kernel adds, and without
 * running anything: JShell compiles and loads each snippet, and an execution engine that invokes
 * nothing stands in for the kernel. A renamed method (an {@code EpochResult.testAccuracy()} that
 * became {@code testScore()}) fails here in seconds, instead of in the notebook run after the build,
 * or in a reader's kernel. Lines starting with {@code %} (the {@code %jars} magic) are left out;
 * the library is on the test's class path.
 */
class NotebookCompileTest {
    private static final Path ROOT = Path.of(System.getProperty("gradlab.basedir", "."));

    /** Loads what JShell compiled but runs none of it: no training, no output, no waiting. */
    public static final class CompileOnly extends DirectExecutionControl {
        @Override
        public String invoke(String className, String methodName) {
            return "";
        }

        @Override
        public String varValue(String className, String varName) {
            return "";
        }
    }

    private static final class CompileOnlyProvider implements ExecutionControlProvider {
        @Override
        public String name() {
            return "compile-only";
        }

        @Override
        public ExecutionControl generate(ExecutionEnv env, Map<String, String> parameters) {
            return new CompileOnly();
        }
    }

    @Test
    void everyCodeCellCompilesAgainstTheLibrary() throws IOException {
        List<Path> notebooks;
        try (Stream<Path> s = Files.list(ROOT.resolve("notebooks"))) {
            notebooks = s.filter(p -> p.toString().endsWith(".ipynb")).sorted().toList();
        }
        assertFalse(notebooks.isEmpty());
        List<String> problems = new ArrayList<>();
        for (Path nb : notebooks) {
            problems.addAll(compile(nb));
        }
        assertEquals(List.of(), problems, "notebook code that no longer compiles against the library");
    }

    /** The problems of {@code notebook}'s code cells run top to bottom in one JShell, as a kernel does. */
    private static List<String> compile(Path notebook) throws IOException {
        List<String> problems = new ArrayList<>();
        JsonNode cells = new ObjectMapper().readTree(notebook.toFile()).get("cells");
        try (JShell shell = JShell.builder().executionEngine(new CompileOnlyProvider(), Map.of()).build()) {
            for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
                shell.addToClasspath(entry);
            }
            SourceCodeAnalysis analysis = shell.sourceCodeAnalysis();
            for (int i = 0; i < cells.size(); i++) {
                JsonNode cell = cells.get(i);
                if (!cell.get("cell_type").asText().equals("code")) {
                    continue;
                }
                StringBuilder source = new StringBuilder();
                cell.get("source").forEach(l -> source.append(l.asText()));
                String rest = source.toString().lines().filter(l -> !l.startsWith("%"))
                        .collect(Collectors.joining("\n", "", "\n"));
                while (!rest.isBlank()) {
                    SourceCodeAnalysis.CompletionInfo info = analysis.analyzeCompletion(rest);
                    String where = notebook.getFileName() + ", cell " + i + ": ";
                    if (!info.completeness().isComplete()) {
                        problems.add(where + "incomplete code: " + firstLine(rest));
                        break;
                    }
                    for (SnippetEvent e : shell.eval(info.source())) {
                        if (e.causeSnippet() == null && e.status() != Snippet.Status.VALID) {
                            String why = shell.diagnostics(e.snippet()).map(d -> firstLine(d.getMessage(Locale.ROOT)))
                                    .collect(Collectors.joining("; "));
                            problems.add(where + firstLine(info.source()) + " -> " + e.status() + ": " + why);
                        }
                    }
                    rest = info.remaining();
                }
            }
        }
        return problems;
    }

    private static String firstLine(String s) {
        return s.strip().lines().findFirst().orElse("");
    }
}
