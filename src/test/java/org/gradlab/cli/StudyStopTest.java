package org.gradlab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A study in another JVM, stopped by SIGTERM and by Ctrl-C (SIGINT): it says how many runs are
 * saved and how to resume, exits with 143 and 130, leaves no lock, and while it runs its folder is
 * refused to another study naming its process. The same command resumes and says how many runs it
 * reuses.
 */
class StudyStopTest {
    private static final int RUNS = 8;

    @TempDir
    Path dir;

    private Path grid() throws IOException {
        return Files.writeString(dir.resolve("grid.json"), "[{\"part\": \"p\", \"config\": \"small\", \"epochs\": 2,"
                + " \"model\": {\"kind\": \"mlp\", \"depth\": 3, \"width\": 64},"
                + " \"optimizer\": {\"kind\": \"sgd\", \"momentum\": 0.9}, \"schedule\": {\"kind\": \"constant\", \"lr\": 0.05},"
                + " \"data\": {\"kind\": \"digits\", \"train\": 1600}}]");
    }

    /** The study's options (after {@code study}). */
    private String[] args(Path out) throws IOException {
        return new String[] {"--grid", grid().toString(), "--seeds", "0,1,2,3,4,5,6,7", "--workers", "1", "--out", out.toString()};
    }

    /**
     * Whether this process ignores SIGINT, as a background job of a non-interactive shell does
     * ({@code mvn verify &}): the study's JVM inherits that and Ctrl-C cannot reach it (nor a real
     * study started that way), so the Ctrl-C half of the test has nothing to check. Linux's
     * {@code SigIgn} mask in /proc/self/status, SIGINT being signal 2.
     */
    private static boolean ignoresCtrlC() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("SigIgn:")) {
                return (Long.parseUnsignedLong(line.substring("SigIgn:".length()).strip(), 16) & (1L << (2 - 1))) != 0;
            }
        }
        return false;
    }

    private static long saved(Path out) throws IOException {
        if (!Files.isDirectory(out.resolve("runs"))) {
            return 0;
        }
        try (Stream<Path> s = Files.list(out.resolve("runs"))) {
            return s.filter(p -> p.getFileName().toString().endsWith(".json")).count();
        }
    }

    /** Starts the study in a child JVM, waits until it has saved {@code after} runs, sends {@code signal}; returns its exit code and output. */
    private StudyCommandTest.Run stop(Path out, String signal, long after, List<String> whileRunning) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.awt.headless=true", "-cp", System.getProperty("java.class.path"), Main.class.getName(), "study"));
        cmd.addAll(List.of(args(out)));
        Path log = dir.resolve(signal + ".log");
        Process p = new ProcessBuilder(cmd).redirectOutput(log.toFile()).redirectError(dir.resolve(signal + ".err").toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
            while (saved(out) < after) {
                assertTrue(p.isAlive() && System.nanoTime() < deadline, "no run saved: " + Files.readString(log));
                Thread.sleep(100);
            }
            StudyCommandTest.Run second = StudyCommandTest.study(args(out));
            whileRunning.add(second.code() + " " + second.err().strip());
            assertTrue(p.isAlive(), "still running when stopped");
            assertEquals(0, new ProcessBuilder("kill", "-" + signal, String.valueOf(p.pid())).start().waitFor());
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            return new StudyCommandTest.Run(p.exitValue(), Files.readString(log), Files.readString(dir.resolve(signal + ".err")));
        } finally {
            p.destroyForcibly().waitFor();
        }
    }

    private static void assertStopped(StudyCommandTest.Run r, int code, Path out, long savedAfter) {
        assertEquals(code, r.code(), r.out() + r.err());
        Matcher m = Pattern.compile("(?m)^stopped: (\\d+) of " + RUNS + " runs saved in " + Pattern.quote(out.resolve("runs").toString())
                + "; run the same command to resume$").matcher(r.out());
        assertTrue(m.find(), r.out());
        long said = Long.parseLong(m.group(1));
        assertTrue(said >= 1 && said <= savedAfter, "said " + said + ", saved " + savedAfter);
        assertEquals("", r.err(), "no stack trace, nothing on stderr");
    }

    @Test
    void sigtermAndCtrlCSayWhatIsSavedAndTheSameCommandResumes() throws Exception {
        Path out = dir.resolve("study");
        List<String> refused = new ArrayList<>();
        StudyCommandTest.Run term = stop(out, "TERM", 1, refused);
        assertStopped(term, 143, out, saved(out));
        assertTrue(refused.get(0).startsWith("1 gradlab: " + out + " is in use by another job (process "), refused.get(0));
        assertTrue(refused.get(0).endsWith(", study); wait for it to finish or write elsewhere"), refused.get(0));
        assertEquals(List.of(), lockFilesFor(out), "the lock is gone with the stopped study");

        List<String> interrupted = List.of();
        if (!ignoresCtrlC()) {
            long before = saved(out);
            StudyCommandTest.Run interrupt = stop(out, "INT", before + 1, refused);
            assertStopped(interrupt, 130, out, saved(out));
            assertTrue(interrupt.out().contains("resuming: " + before + " of " + RUNS + " runs are saved and verified; "
                    + (RUNS - before) + " to run"), interrupt.out());
            assertEquals(List.of(), lockFilesFor(out));
            interrupted = List.of("INT.err", "INT.log");
        }

        long kept = saved(out);
        assertTrue(kept < RUNS, "stopped before the end: " + kept);
        StudyCommandTest.Run resumed = StudyCommandTest.study(args(out));
        assertEquals(0, resumed.code(), resumed.err());
        assertTrue(resumed.out().contains("resuming: " + kept + " of " + RUNS + " runs are saved and verified; " + (RUNS - kept)
                + " to run"), resumed.out());
        assertTrue(resumed.out().contains("] " + RUNS + "/" + RUNS + " runs"), resumed.out());
        assertTrue(Files.exists(out.resolve("report.html")));
        try (Stream<Path> s = Files.list(dir)) {
            List<String> expected = new ArrayList<>(interrupted);
            expected.addAll(List.of("TERM.err", "TERM.log", "grid.json", "study"));
            assertEquals(expected, s.map(p -> p.getFileName().toString()).sorted().toList(),
                    "no partial folder or lock file left beside it");
        }
    }

    /** The files of the default lock folder that name {@code out} (none once its job has ended). */
    static List<Path> lockFilesFor(Path out) throws IOException {
        Path locks = Path.of(System.getProperty("java.io.tmpdir"), "gradlab-locks-" + System.getProperty("user.name", "user")
                .replaceAll("[^A-Za-z0-9._-]", "_"));
        String named = out.toRealPath() + "\n";
        try (Stream<Path> s = Files.list(locks)) {
            List<Path> found = new ArrayList<>();
            for (Path p : s.filter(f -> f.toString().endsWith(".lock")).toList()) {
                try {
                    if (Files.readString(p).startsWith(named)) {
                        found.add(p);
                    }
                } catch (java.nio.file.NoSuchFileException released) {
                    // another job's lock, released meanwhile
                }
            }
            return found;
        }
    }
}
