package org.gradlab.experiment.jobs;

import static org.gradlab.experiment.jobs.RunFolderTest.names;
import static org.gradlab.experiment.jobs.RunFolderTest.tree;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.gradlab.plot.Outputs;
import org.gradlab.train.AtomicFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A study's folder is always one study: its report is staged and swapped in, its saved runs kept across swaps. */
class StudyFolderTest {
    @TempDir
    Path dir;

    /** A finished study with report files for {@code parts}, tagged {@code tag}, and one more saved run. */
    private Path study(String tag, List<String> parts, String run) throws IOException {
        Path out = dir.resolve("study");
        try (StudyFolder f = StudyFolder.open(out)) {
            Outputs.text(run, f.runs().resolve(run + ".json"));
            Outputs.text(tag, f.staging().resolve("summary.csv"));
            for (String p : parts) {
                Outputs.text(tag, f.staging().resolve(p + "-accuracy.png"));
            }
            Outputs.text(tag, f.staging().resolve("report.html"));
            assertEquals(out.toAbsolutePath(), f.commit());
            assertEquals(out.toAbsolutePath().resolve("runs"), f.runs());
        }
        return out;
    }

    @Test
    void aStudyReplacesTheWholeReportAndKeepsTheSavedRuns() throws IOException {
        Path out = study("first", List.of("a", "b"), "r1");
        assertEquals(List.of(".gradlab", "a-accuracy.png", "b-accuracy.png", "report.html", "runs/r1.json", "summary.csv"), tree(out));
        study("second", List.of("a"), "r2");
        assertEquals(List.of(".gradlab", "a-accuracy.png", "report.html", "runs/r1.json", "runs/r2.json", "summary.csv"), tree(out),
                "no chart of a part the second study did not run");
        for (String f : List.of("a-accuracy.png", "report.html", "summary.csv")) {
            assertEquals("second", Files.readString(out.resolve(f)), f);
        }
        assertEquals(List.of("study"), names(dir), "no partial, old or lock file beside it");
    }

    @Test
    void aStudyKilledWhileWritingItsReportLeavesThePreviousReportWhole() throws IOException {
        Path out = study("first", List.of("a", "b"), "r1");
        StudyFolder f = StudyFolder.open(out);
        Outputs.text("r2", f.runs().resolve("r2.json"));
        Outputs.text("second", f.staging().resolve("summary.csv"));             // summary written ...
        Files.writeString(f.staging().resolve(".a-accuracy.png.12345.tmp"), "half a chart");   // ... killed mid-chart
        f.close();
        for (String file : List.of("a-accuracy.png", "b-accuracy.png", "report.html", "summary.csv")) {
            assertEquals("first", Files.readString(out.resolve(file)), "one study's files: " + file);
        }
        try (StudyFolder again = StudyFolder.open(out)) {
            assertEquals(List.of(".gradlab", "PARTIAL"), names(again.staging()), "the half-written report is gone");
            assertEquals(List.of("r1.json", "r2.json"), names(again.runs()), "the runs saved meanwhile are kept");
        }
    }

    @Test
    void aFullDiskWhileWritingTheReportNamesTheFileAndLeavesThePreviousReport() throws IOException {
        Path out = study("first", List.of("a"), "r1");
        try (StudyFolder f = StudyFolder.open(out)) {
            Outputs.text("second", f.staging().resolve("summary.csv"));
            Path chart = f.staging().resolve("a-accuracy.png");
            FileSystemException e = assertThrows(FileSystemException.class, () -> AtomicFile.write(chart, o -> {
                o.write(new byte[100]);
                throw new IOException("No space left on device");
            }));
            assertEquals(chart + ": No space left on device", e.getMessage());
            assertEquals(List.of(".gradlab", "PARTIAL", "summary.csv"), names(f.staging()), "no temporary is left");
        }
        assertEquals("first", Files.readString(out.resolve("summary.csv")));
        assertEquals("first", Files.readString(out.resolve("report.html")));
    }

    @Test
    void everyCrashInsideACommitIsRepairedWithTheRunsKept() throws IOException {
        Path out = study("first", List.of("a"), "r1");
        Path partial = dir.resolve("study.partial");
        Path old = dir.resolve("study.old");

        // died after moving runs/ into the staged study, before swapping it in
        try (StudyFolder f = StudyFolder.open(out)) {
            Outputs.text("second", f.staging().resolve("report.html"));
        }
        Files.delete(partial.resolve("PARTIAL"));
        Files.move(out.resolve("runs"), partial.resolve("runs"));
        try (StudyFolder f = StudyFolder.open(out)) {
            assertEquals(List.of("r1.json"), names(f.runs()));
            assertEquals("first", Files.readString(out.resolve("report.html")));
        }

        // died between the two renames: the staged study is complete, so it is swapped in
        try (StudyFolder f = StudyFolder.open(out)) {
            Outputs.text("second", f.staging().resolve("report.html"));
        }
        Files.delete(partial.resolve("PARTIAL"));
        Files.move(out.resolve("runs"), partial.resolve("runs"));
        Files.move(out, old);
        try (StudyFolder f = StudyFolder.open(out)) {
            assertEquals(List.of("r1.json"), names(f.runs()));
            assertEquals("second", Files.readString(out.resolve("report.html")));
        }

        // died after the swap, before deleting the old study
        Files.createDirectories(old);
        Files.writeString(old.resolve("report.html"), "first");
        try (StudyFolder f = StudyFolder.open(out)) {
            assertEquals("second", Files.readString(out.resolve("report.html")));
        }
        assertEquals(List.of("study", "study.partial"), names(dir), "the old study is gone (a job not committed leaves its "
                + "partial folder, marked)");
    }

    @Test
    void temporariesOfAKilledStudyAreRemoved() throws IOException {
        Path out = study("first", List.of("a"), "r1");
        Files.writeString(out.resolve("runs/.p__c__seed0.json.k3j2.tmp"), "{\"half");
        Files.writeString(out.resolve(".a-accuracy.png.x1.tmp"), "half");   // gradlab 0.1 wrote charts in place
        try (StudyFolder f = StudyFolder.open(out)) {
            assertEquals(List.of("r1.json"), names(f.runs()));
            assertFalse(Files.exists(out.resolve(".a-accuracy.png.x1.tmp")));
        }
    }

    @Test
    void aReleasedFolderCannotBeCommitted() throws IOException {
        StudyFolder f = StudyFolder.open(dir.resolve("s"));
        f.close();
        var e = assertThrows(IllegalStateException.class, f::commit);
        assertTrue(e.getMessage().contains("was released"), e.getMessage());
    }
}
