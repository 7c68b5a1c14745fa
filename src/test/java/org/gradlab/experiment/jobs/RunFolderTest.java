package org.gradlab.experiment.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.gradlab.plot.Outputs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunFolderTest {
    @TempDir
    Path dir;

    private static List<String> names(Path folder) throws IOException {
        try (Stream<Path> s = Files.list(folder)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** A complete earlier run in runs/a: two files. */
    private Path previousRun() throws IOException {
        Path out = dir.resolve("runs/a");
        try (RunFolder run = RunFolder.open(out)) {
            Outputs.text("old epochs", run.dir().resolve("epochs.csv"));
            Outputs.text("old report", run.dir().resolve("report.html"));
            run.commit();
        }
        return out;
    }

    @Test
    void theFolderHoldsTheOldRunUntilTheNewOneIsCommitted() throws IOException {
        Path out = previousRun();
        try (RunFolder run = RunFolder.open(out)) {
            Outputs.text("new epochs", run.dir().resolve("epochs.csv"));
            assertEquals(List.of("epochs.csv", "report.html"), names(out));
            assertEquals("old epochs", Files.readString(out.resolve("epochs.csv")));
            assertEquals(List.of("PARTIAL", "epochs.csv"), names(run.dir()));
            assertEquals(out.toAbsolutePath(), run.commit());
        }
        assertEquals(List.of("epochs.csv"), names(out), "no file of the old run is left beside the new one");
        assertEquals("new epochs", Files.readString(out.resolve("epochs.csv")));
        assertEquals(List.of("a", "a.lock"), names(dir.resolve("runs")));
    }

    @Test
    void aRunThatDiesLeavesAMarkedPartialFolderTheNextRunRemoves() throws IOException {
        Path out = previousRun();
        RunFolder run = RunFolder.open(out);
        Outputs.text("epoch 1", run.dir().resolve("epochs.csv"));
        run.close();   // no commit: the job failed
        Path partial = dir.resolve("runs/a.partial");
        assertEquals(List.of("PARTIAL", "epochs.csv"), names(partial));
        assertTrue(Files.readString(partial.resolve("PARTIAL")).contains("has not finished"));
        assertEquals("old epochs", Files.readString(out.resolve("epochs.csv")));
        try (RunFolder next = RunFolder.open(out)) {
            assertEquals(List.of("PARTIAL"), names(next.dir()), "the stale partial run is gone");
        }
    }

    @Test
    void aCrashBetweenTheTwoRenamesOfACommitIsRepaired() throws IOException {
        Path out = previousRun();
        Files.move(out, dir.resolve("runs/a.old"));   // the process died after moving the old run aside
        try (RunFolder run = RunFolder.open(out)) {
            assertEquals("old epochs", Files.readString(out.resolve("epochs.csv")));
        }
        assertFalse(Files.exists(dir.resolve("runs/a.old")));
    }

    @Test
    void oneJobAtATime() throws IOException {
        Path out = dir.resolve("busy");
        try (RunFolder first = RunFolder.open(out)) {
            var e = assertThrows(RunFolder.InUseException.class, () -> RunFolder.open(out));
            assertTrue(e.getMessage().startsWith(out + " is in use by another job (process " + ProcessHandle.current().pid()),
                    e.getMessage());
            assertTrue(Files.exists(first.dir().resolve("PARTIAL")), "the refused open changed nothing");
        }
        try (RunFolder again = RunFolder.open(out)) {
            again.commit();
        }
        assertTrue(Files.isDirectory(out));
    }

    @Test
    void filesAndPlacesUnderFilesAreRefusedBeforeAnythingIsWritten() throws IOException {
        Path file = Files.writeString(dir.resolve("results"), "not a folder");
        var e1 = assertThrows(IOException.class, () -> RunFolder.open(file));
        assertEquals(file + ": is a file, not a folder", e1.getMessage());
        var e2 = assertThrows(IOException.class, () -> RunFolder.open(file.resolve("sub/run")));
        assertEquals(file.resolve("sub/run") + ": " + file + " is a file, not a folder", e2.getMessage());
        assertEquals(List.of("results"), names(dir));
    }
}
