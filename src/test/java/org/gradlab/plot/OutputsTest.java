package org.gradlab.plot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.Table;

class OutputsTest {
    @TempDir
    Path dir;

    @Test
    void aFailedWriteKeepsTheOldFileAndLeavesNoTemporary() throws IOException {
        Path f = Outputs.text("good", dir.resolve("result.txt"));
        assertThrows(IOException.class, () -> Outputs.write(f, out -> {
            out.write("half".getBytes());
            throw new IOException("disk full");
        }));
        assertEquals("good", Files.readString(f));
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count());
        }
    }

    @Test
    void filesGetTheUsualPermissionsNotThoseOfATemporary() throws IOException {
        Path reference = Files.createFile(dir.resolve("reference"));   // what the umask gives a new file
        Path f = Outputs.text("x", dir.resolve("result.txt"));
        assertEquals(Files.getPosixFilePermissions(reference), Files.getPosixFilePermissions(f));   // 0644 under umask 022
    }

    @Test
    void chartsAndReportsComeFromTables() throws IOException {
        Table t = Table.create("t", DoubleColumn.create("x", 1, 2, 3), DoubleColumn.create("y", 3, 1, 2));
        Path png = Outputs.png(Figure.of(Charts.lines(t, "title", "x", "y", "y")), dir.resolve("c.png"));
        assertTrue(Files.size(png) > 1000);
        var e = assertThrows(IllegalArgumentException.class, () -> Charts.lines(t, "t", "x", "y", "z"));
        assertTrue(e.getMessage().contains("'z'") && e.getMessage().contains("[x, y]"), e.getMessage());
        String html = Report.titled("A <b> report").table(t).html();
        assertTrue(html.contains("A &lt;b&gt; report") && html.contains("<th>y</th>"), html);
    }
}
