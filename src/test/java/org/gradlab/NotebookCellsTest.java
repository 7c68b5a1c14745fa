package org.gradlab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every notebook starts with a cell holding only {@code %classpath ../target/notebook/classes}:
 * the form IJava, JJava and rapaio all take (JJava deprecates %jars; rapaio's %classpath takes only
 * a folder, which is why the build unpacks the jar there).
 */
class NotebookCellsTest {
    private static final Path ROOT = Path.of(System.getProperty("gradlab.basedir", "."));

    @Test
    void firstCodeCellIsOnlyTheClasspathMagic() throws IOException {
        List<Path> notebooks;
        try (Stream<Path> s = Files.list(ROOT.resolve("notebooks"))) {
            notebooks = s.filter(p -> p.toString().endsWith(".ipynb")).sorted().toList();
        }
        assertFalse(notebooks.isEmpty());
        for (Path nb : notebooks) {
            JsonNode first = null;
            for (JsonNode cell : new ObjectMapper().readTree(nb.toFile()).get("cells")) {
                if (cell.get("cell_type").asText().equals("code")) {
                    first = cell;
                    break;
                }
            }
            StringBuilder source = new StringBuilder();
            first.get("source").forEach(line -> source.append(line.asText()));
            assertEquals("%classpath ../target/notebook/classes", source.toString().strip(), nb.toString());
        }
    }
}
