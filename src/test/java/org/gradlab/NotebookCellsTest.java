package org.gradlab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.gradlab.notebooks.NarrativeNumbers;
import org.junit.jupiter.api.Test;

/**
 * The committed notebooks, as a reader sees them before running anything:
 * <ul>
 * <li>each starts with a cell holding only {@code %jars ../target/notebook/classpath.jar}, the one
 * form IJava 1.3.0, JJava 1.0-a7 and rapaio 3.0.1 all take for a jar (rapaio's {@code %classpath}
 * takes only a folder; JJava deprecates {@code %jars} for {@code %classpath} but keeps it);</li>
 * <li>their prose states only numbers their outputs hold ({@link NarrativeNumbers});</li>
 * <li>their outputs name no path of the machine that ran them and no stray object
 * ({@code java.io.PrintStream@1b2c3d}, a cell's accidental value);</li>
 * <li>a cell tagged expect-table shows its table as HTML.</li>
 * </ul>
 */
class NotebookCellsTest {
    private static final Path ROOT = Path.of(System.getProperty("gradlab.basedir", "."));
    private static final Pattern MACHINE_PATH = Pattern.compile("(?<![\\w.])/(?:tmp|home|root|work|Users|var|opt|usr)/\\S*");
    private static final Pattern STRAY_OBJECT = Pattern.compile("\\b[a-z]+(?:\\.[a-z0-9_]+)*\\.[A-Z]\\w*@[0-9a-f]{4,}\\b");

    private static List<Path> notebooks() throws IOException {
        try (Stream<Path> s = Files.list(ROOT.resolve("notebooks"))) {
            List<Path> notebooks = s.filter(p -> p.toString().endsWith(".ipynb")).sorted().toList();
            assertFalse(notebooks.isEmpty());
            return notebooks;
        }
    }

    private static String text(JsonNode node) {
        StringBuilder sb = new StringBuilder();
        if (node != null && node.isArray()) {
            node.forEach(l -> sb.append(l.asText()));
        } else if (node != null) {
            sb.append(node.asText());
        }
        return sb.toString();
    }

    @Test
    void firstCodeCellIsOnlyTheJarMagic() throws IOException {
        for (Path nb : notebooks()) {
            JsonNode first = null;
            for (JsonNode cell : new ObjectMapper().readTree(nb.toFile()).get("cells")) {
                if (cell.get("cell_type").asText().equals("code")) {
                    first = cell;
                    break;
                }
            }
            assertEquals("%jars ../target/notebook/classpath.jar", text(first.get("source")).strip(), nb.toString());
        }
    }

    @Test
    void theProseStatesOnlyPrintedNumbers() throws IOException {
        List<String> problems = new ArrayList<>();
        for (Path nb : notebooks()) {
            NarrativeNumbers.unmatched(new ObjectMapper().readTree(nb.toFile()))
                    .forEach(n -> problems.add(nb.getFileName() + ", " + n));
        }
        assertEquals(List.of(), problems, "numbers in the text that no output or code cell has");
    }

    @Test
    void outputsHoldNoMachinePathNoStrayObjectAndTablesAsHtml() throws IOException {
        List<String> problems = new ArrayList<>();
        for (Path nb : notebooks()) {
            JsonNode cells = new ObjectMapper().readTree(nb.toFile()).get("cells");
            for (int i = 0; i < cells.size(); i++) {
                boolean html = false;
                for (JsonNode o : cells.get(i).path("outputs")) {
                    String shown = text(o.get("text")) + text(o.path("data").get("text/plain"))
                            + text(o.path("data").get("text/html"));
                    html |= text(o.path("data").get("text/html")).contains("<table");
                    var path = MACHINE_PATH.matcher(shown);
                    if (path.find()) {
                        problems.add(nb.getFileName() + ", cell " + i + ": a machine path: " + path.group());
                    }
                    var stray = STRAY_OBJECT.matcher(shown);
                    if (stray.find()) {
                        problems.add(nb.getFileName() + ", cell " + i + ": an object's default toString: " + stray.group());
                    }
                }
                JsonNode tags = cells.get(i).path("metadata").path("tags");
                if (tags.toString().contains("\"expect-table\"") && !html) {
                    problems.add(nb.getFileName() + ", cell " + i + ": tagged expect-table but shows no HTML table");
                }
            }
        }
        assertEquals(List.of(), problems);
    }
}
