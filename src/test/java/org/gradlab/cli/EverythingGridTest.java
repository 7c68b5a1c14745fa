package org.gradlab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import org.gradlab.experiment.spec.OptimizerSpec;
import org.gradlab.experiment.spec.ScheduleSpec;
import org.gradlab.experiment.spec.SpecCodec;
import org.gradlab.experiment.spec.TransformSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.Table;

/**
 * {@code examples/grids/everything.json} uses every optimizer, schedule and gradient-transform kind
 * the library has, and {@code ./gradlab study --grid} runs it with no failed run.
 */
class EverythingGridTest {
    private static final Path GRID = Path.of("examples", "grids", "everything.json");

    @TempDir
    Path dir;

    @Test
    void theGridUsesEveryKindAndRunsWithoutAFailedRun() throws Exception {
        JsonNode grid = SpecCodec.JSON.readTree(GRID.toFile());
        for (Class<?> sealed : new Class<?>[] {OptimizerSpec.class, ScheduleSpec.class, TransformSpec.class}) {
            Set<String> kinds = SpecCodec.kinds(sealed).keySet();
            assertTrue(kinds.size() >= 5, sealed.getSimpleName() + " has kinds: " + kinds);
            Set<String> used = new TreeSet<>(grid.findValuesAsText("kind"));
            Set<String> missing = new TreeSet<>(kinds);
            missing.removeAll(used);
            assertTrue(missing.isEmpty(), sealed.getSimpleName() + " kinds the grid does not use: " + missing);
        }

        StudyCommandTest.Run r = StudyCommandTest.study("--grid", GRID.toString(), "--seeds", "0", "--workers", "2", "--out", dir.toString());
        assertEquals(0, r.code(), r.out() + r.err());
        Table runs = Table.read().csv(dir.resolve("runs.csv").toFile());
        assertEquals(grid.size(), runs.rowCount(), "a row per spec (one seed)");
        for (int i = 0; i < runs.rowCount(); i++) {
            String failure = runs.column("failure").getString(i);
            assertTrue(failure.isEmpty(), runs.getString(i, "config") + " failed: " + failure);
        }
        assertTrue(Files.isRegularFile(dir.resolve("report.html")));
    }
}
