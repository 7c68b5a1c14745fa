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
 * Every notebook starts with a cell holding only {@code %jars ../target/notebook/classpath.jar},
 * the one form IJava 1.3.0, JJava 1.0-a7 and rapaio 3.0.1 all take for a jar (rapaio's
 * {@code %classpath} takes only a folder; JJava deprecates {@code %jars} for {@code %classpath}
 * but keeps it).
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
            assertEquals("%jars ../target/notebook/classpath.jar", source.toString().strip(), nb.toString());
        }
    }
}
