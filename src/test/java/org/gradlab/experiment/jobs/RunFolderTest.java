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

    static List<String> names(Path folder) throws IOException {
        try (Stream<Path> s = Files.list(folder)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** Every file under {@code root}, relative, sorted. */
    static List<String> tree(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile).map(p -> root.relativize(p).toString()).sorted().toList();
        }
    }

    /** The lock files of {@code folder} in the lock folder (none once released). */
    static List<Path> lockFiles(Path folder) throws IOException {
        String key = FolderLock.realPath(folder).toString();
        try (Stream<Path> s = Files.list(FolderLock.dir())) {
            return s.filter(p -> p.toString().endsWith(".lock")).filter(p -> {
                try {
                    return Files.readAllLines(p).get(0).equals(key);
                } catch (IOException | IndexOutOfBoundsException e) {
                    return false;
                }
            }).toList();
        }
    }

    /** A complete earlier run in runs/a: two files. */
    private Path previousRun() throws IOException {
        Path out = dir.resolve("runs/a");
        try (RunFolder run = RunFolder.open(out, "article")) {
            Outputs.text("old epochs", run.dir().resolve("epochs.csv"));
            Outputs.text("old report", run.dir().resolve("report.html"));
            run.commit();
        }
        return out;
    }

    @Test
    void theFolderHoldsTheOldRunUntilTheNewOneIsCommitted() throws IOException {
        Path out = previousRun();
        try (RunFolder run = RunFolder.open(out, "article")) {
            Outputs.text("new epochs", run.dir().resolve("epochs.csv"));
            assertEquals(List.of(".gradlab", "epochs.csv", "report.html"), names(out));
            assertEquals("old epochs", Files.readString(out.resolve("epochs.csv")));
            assertEquals(List.of(".gradlab", "PARTIAL", "epochs.csv"), names(run.dir()));
            assertEquals(out.toAbsolutePath(), run.commit());
        }
        assertEquals(List.of(".gradlab", "epochs.csv"), names(out), "no file of the old run is left beside the new one");
        assertEquals("new epochs", Files.readString(out.resolve("epochs.csv")));
        assertEquals(List.of("a"), names(dir.resolve("runs")), "no lock file, partial or old folder beside it");
    }

    @Test
    void aRunThatDiesLeavesAMarkedPartialFolderTheNextRunRemoves() throws IOException {
        Path out = previousRun();
        RunFolder run = RunFolder.open(out, "article");
        Outputs.text("epoch 1", run.dir().resolve("epochs.csv"));
        run.close();   // no commit: the job failed
        Path partial = dir.resolve("runs/a.partial");
        assertEquals(List.of(".gradlab", "PARTIAL", "epochs.csv"), names(partial));
        assertTrue(Files.readString(partial.resolve("PARTIAL")).contains("has not finished"));
        assertEquals("old epochs", Files.readString(out.resolve("epochs.csv")));
        try (RunFolder next = RunFolder.open(out, "article")) {
            assertEquals(List.of(".gradlab", "PARTIAL"), names(next.dir()), "the stale partial run is gone");
        }
    }

    @Test
    void aCrashBetweenTheTwoRenamesOfACommitIsRepaired() throws IOException {
        Path out = previousRun();
        Files.move(out, dir.resolve("runs/a.old"));   // the process died after moving the old run aside
        try (RunFolder run = RunFolder.open(out, "article")) {
            assertEquals("old epochs", Files.readString(out.resolve("epochs.csv")));
        }
        assertFalse(Files.exists(dir.resolve("runs/a.old")));
    }

    @Test
    void oneJobAtATimeAndTheLockGoesWithTheJob() throws IOException {
        Path out = dir.resolve("busy");
        try (RunFolder first = RunFolder.open(out, "article")) {
            assertEquals(1, lockFiles(out).size(), "locked in the lock folder, not beside the output");
            var e = assertThrows(RunFolder.InUseException.class, () -> RunFolder.open(out, "article"));
            assertTrue(e.getMessage().startsWith(out + " is in use by another job (process " + ProcessHandle.current().pid()
                    + ", started "), e.getMessage());
            assertTrue(e.getMessage().endsWith(", article); wait for it to finish or write elsewhere"), e.getMessage());
            var s = assertThrows(RunFolder.InUseException.class, () -> StudyFolder.open(out));
            assertTrue(s.getMessage().startsWith(out + " is in use by another job (process "), "one lock for every job: " + s.getMessage());
            assertTrue(Files.exists(first.dir().resolve("PARTIAL")), "the refused opens changed nothing");
        }
        assertEquals(List.of(), lockFiles(out), "the lock file is gone with the job");
        try (RunFolder again = RunFolder.open(out, "article")) {
            again.commit();
        }
        assertTrue(Files.isDirectory(out));
        assertEquals(List.of("busy"), names(dir), "no *.lock file anywhere near the output");
    }

    @Test
    void nestedFoldersAreRefusedBothWays() throws IOException {
        Path x = dir.resolve("x");
        try (RunFolder article = RunFolder.open(x, "article")) {
            var e = assertThrows(RunFolder.InUseException.class, () -> StudyFolder.open(x.resolve("runs")));
            assertTrue(e.getMessage().startsWith(x.resolve("runs") + " lies inside " + FolderLock.realPath(x)
                    + ", which another job is writing (process " + ProcessHandle.current().pid()), e.getMessage());
            assertTrue(e.getMessage().endsWith(", article); write elsewhere"), e.getMessage());
        }
        try (StudyFolder study = StudyFolder.open(x.resolve("runs"))) {
            var e = assertThrows(RunFolder.InUseException.class, () -> RunFolder.open(x, "article"));
            assertTrue(e.getMessage().startsWith(x + " holds " + FolderLock.realPath(x.resolve("runs"))
                    + ", which another job is writing (process "), e.getMessage());
            assertTrue(e.getMessage().endsWith(", study); write elsewhere"), e.getMessage());
            var deeper = assertThrows(RunFolder.InUseException.class, () -> RunFolder.open(dir, "explode"));
            assertTrue(deeper.getMessage().contains(" holds "), deeper.getMessage());
            try (RunFolder sibling = RunFolder.open(dir.resolve("x2"), "article")) {
                assertTrue(Files.isDirectory(sibling.dir()), "a folder that only shares a prefix is another folder");
            }
        }
    }

    @Test
    void aLinkToAHeldFolderIsTheSameFolder() throws IOException {
        Path real = Files.createDirectories(dir.resolve("real"));
        Path link = Files.createSymbolicLink(dir.resolve("link"), real);
        try (RunFolder held = RunFolder.open(real.resolve("out"), "article")) {
            var e = assertThrows(RunFolder.InUseException.class, () -> RunFolder.open(link.resolve("out"), "article"));
            assertTrue(e.getMessage().startsWith(link.resolve("out") + " is in use by another job"), e.getMessage());
        }
    }

    @Test
    void theLockFileOfAKilledJobDoesNotBlockAndIsRemoved() throws IOException {
        Path out = dir.resolve("out");
        Path stale = FolderLock.dir().resolve(java.util.UUID.randomUUID().toString().replace("-", "") + ".lock");   // what kill -9 leaves: unlocked
        Files.writeString(stale, FolderLock.realPath(out) + "\nprocess 999999, started 2026-01-01T00:00:00Z, study\n");
        try (RunFolder run = RunFolder.open(out, "article")) {
            assertFalse(Files.exists(stale), "removed by the next job to take a lock");
        }
    }

    @Test
    void aLockHeldByAnotherProcessNamesItAndItsJob() throws Exception {
        Path out = dir.resolve("out");
        Path lock = FolderLock.dir().resolve(java.util.UUID.randomUUID().toString().replace("-", "") + ".lock");
        Files.writeString(lock, FolderLock.realPath(out) + "\nprocess 4242, started 2026-01-01T00:00:00Z, study\n");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path flag = dir.resolve("locked");
        // a second process holds an OS lock on that file, as a running job would
        Path src = Files.writeString(dir.resolve("Hold.java"), "import java.nio.channels.*; import java.nio.file.*;\n"
                + "class Hold { public static void main(String[] a) throws Exception {\n"
                + "  FileChannel c = FileChannel.open(Path.of(a[0]), StandardOpenOption.WRITE); c.lock();\n"
                + "  Files.writeString(Path.of(a[1]), \"x\"); Thread.sleep(60_000); } }\n");
        Process p = new ProcessBuilder(java.toString(), src.toString(), lock.toString(), flag.toString()).redirectErrorStream(true).start();
        try {
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (!Files.exists(flag)) {
                assertTrue(p.isAlive() && System.nanoTime() < deadline, "the holder started");
                Thread.sleep(50);
            }
            var e = assertThrows(RunFolder.InUseException.class, () -> StudyFolder.open(out));
            assertEquals(out + " is in use by another job (process 4242, started 2026-01-01T00:00:00Z, study); wait for it to "
                    + "finish or write elsewhere", e.getMessage());
            var inside = assertThrows(RunFolder.InUseException.class, () -> RunFolder.open(out.resolve("sub"), "article"));
            assertTrue(inside.getMessage().contains(" lies inside "), inside.getMessage());
        } finally {
            p.destroyForcibly().waitFor();
            Files.deleteIfExists(lock);
        }
        StudyFolder.open(out).close();   // free once its process is gone
    }

    @Test
    void filesAndPlacesUnderFilesAreRefusedBeforeAnythingIsWritten() throws IOException {
        Path file = Files.writeString(dir.resolve("results"), "not a folder");
        var e1 = assertThrows(IOException.class, () -> RunFolder.open(file, "article"));
        assertEquals(file + ": is a file, not a folder", e1.getMessage());
        var e2 = assertThrows(IOException.class, () -> RunFolder.open(file.resolve("sub/run"), "article"));
        assertEquals(file.resolve("sub/run") + ": " + file + " is a file, not a folder", e2.getMessage());
        var e3 = assertThrows(IOException.class, () -> RunFolder.open(Path.of(""), "article"));
        assertTrue(e3.getMessage().contains("an empty name is not a folder"), e3.getMessage());
        var e4 = assertThrows(IOException.class, () -> RunFolder.open(Path.of("/"), "article"));
        assertTrue(e4.getMessage().endsWith("is the root or holds the current folder; results need a folder of their own"));
        assertEquals(List.of("results"), names(dir));
    }

    @Test
    void noJobReplacesAnotherKindOfJobsResultsUnlessFresh() throws IOException {
        Path study = dir.resolve("study");
        try (StudyFolder s = StudyFolder.open(study)) {
            Outputs.text("a saved run", s.runs().resolve("p__c__seed0.json"));
            Outputs.text("report", s.staging().resolve("report.html"));
            s.commit();
        }
        var e = assertThrows(IOException.class, () -> RunFolder.open(study, "article"));
        assertEquals(study + ": holds the results of gradlab study; gradlab article would replace them: write elsewhere, or add "
                + "--fresh to replace them", e.getMessage());
        assertEquals(List.of(".gradlab", "report.html", "runs/p__c__seed0.json"), tree(study), "nothing was touched");
        try (RunFolder article = RunFolder.open(study, "article", true)) {
            Outputs.text("epochs", article.dir().resolve("epochs.csv"));
            assertEquals("a saved run", Files.readString(study.resolve("runs/p__c__seed0.json")), "kept until the commit");
            article.commit();
        }
        assertEquals(List.of(".gradlab", "epochs.csv"), tree(study), "--fresh: the article replaced the study");

        var back = assertThrows(IOException.class, () -> StudyFolder.open(study));
        assertTrue(back.getMessage().startsWith(study + ": holds the results of gradlab article; gradlab study would replace"),
                back.getMessage());
        try (StudyFolder s = StudyFolder.open(study, true)) {
            assertTrue(Files.isDirectory(s.runs()));
            assertEquals("job=study", Files.readAllLines(study.resolve(".gradlab")).get(0),
                    "taken over at once, so an article will not delete its runs meanwhile");
        }
        assertThrows(IOException.class, () -> RunFolder.open(study, "article"));
    }

    @Test
    void aRefusedJobTouchesNothingEvenAHalfCommittedStudy() throws IOException {
        Path study = dir.resolve("s");
        try (StudyFolder s = StudyFolder.open(study)) {
            Outputs.text("a saved run", s.runs().resolve("p__c__seed0.json"));
            s.commit();
        }
        try (StudyFolder s = StudyFolder.open(study)) {
            Outputs.text("report", s.staging().resolve("report.html"));
        }
        Files.move(study, dir.resolve("s.old"));        // a study killed between the renames of its commit
        List<String> before = tree(dir);
        assertThrows(IOException.class, () -> RunFolder.open(study, "article"));
        assertEquals(before, tree(dir), "the article recognised the study in s.old and changed nothing");
        try (StudyFolder s = StudyFolder.open(study)) {
            assertEquals(List.of("p__c__seed0.json"), names(s.runs()));
        }
    }

    @Test
    void aFolderGradlabDidNotWriteIsNeverReplaced() throws IOException {
        Path mine = Files.createDirectories(dir.resolve("mine"));
        Files.writeString(mine.resolve("thesis.tex"), "years of work");
        for (boolean fresh : new boolean[] {false, true}) {
            var e = assertThrows(IOException.class, () -> RunFolder.open(mine, "article", fresh));
            assertEquals(mine + ": holds files gradlab did not write (no .gradlab file); gradlab article would replace them: write "
                    + "elsewhere, or empty the folder first", e.getMessage());
            assertThrows(IOException.class, () -> StudyFolder.open(mine, fresh));
        }
        assertEquals(List.of("thesis.tex"), tree(mine));
        assertFalse(Files.exists(dir.resolve("mine.partial")));
        Path empty = Files.createDirectories(dir.resolve("empty"));
        try (RunFolder run = RunFolder.open(empty, "article")) {
            run.commit();
        }
    }

    @Test
    void foldersOfEarlierVersionsAreRecognisedByTheirFiles() throws IOException {
        Path article = Files.createDirectories(dir.resolve("article"));
        Files.writeString(article.resolve("epochs.csv"), "x");
        Files.writeString(article.resolve("report.html"), "x");
        Files.writeString(dir.resolve("article.lock"), "process 12, started 2025-01-01T00:00:00Z\n");
        assertEquals("article", RunFolder.maker(article));
        try (RunFolder run = RunFolder.open(article, "article")) {
            run.commit();
        }
        assertEquals(List.of("article"), names(dir), "its old lock file beside it is removed");

        Path study = Files.createDirectories(dir.resolve("study/runs"));
        Files.writeString(study.resolve("p__c__seed0.json"), "{}");
        Files.writeString(study.resolve("../summary.csv"), "x");
        Files.writeString(study.resolve("../.lock"), "process 12, started 2025-01-01T00:00:00Z\n");
        assertEquals("study", RunFolder.maker(study.getParent()));
        assertEquals("", RunFolder.maker(dir), "a folder of folders is not a job's result");
        try (StudyFolder s = StudyFolder.open(study.getParent())) {
            assertEquals(List.of(".gradlab", "runs", "summary.csv"), names(s.dir()), "its old lock file inside is removed");
        }
    }

    @Test
    void takesAndReleasesRacingInOneJvmLeaveNothingBehind() throws Exception {
        Path out = dir.resolve("out");
        java.util.concurrent.atomic.AtomicInteger held = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger most = new java.util.concurrent.atomic.AtomicInteger();
        List<Thread> threads = new java.util.ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Thread t = new Thread(() -> {
                for (int k = 0; k < 25; k++) {
                    try (RunFolder f = RunFolder.open(out, "article")) {
                        most.accumulateAndGet(held.incrementAndGet(), Math::max);
                        held.decrementAndGet();
                    } catch (RunFolder.InUseException expected) {
                        // another thread has it
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }
            });
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(1, most.get(), "never two holders at once");
        assertEquals(List.of(), lockFiles(out));
    }
}
