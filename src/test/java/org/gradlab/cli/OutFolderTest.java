package org.gradlab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.gradlab.experiment.jobs.StudyFolder;
import org.gradlab.plot.Outputs;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Output folders from the command line: names the JVM cannot keep, a full disk, and one job's folder given to another. */
class OutFolderTest {
    @TempDir
    Path dir;

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private Path tinyGrid() throws IOException {
        return Files.writeString(dir.resolve("grid.json"), "[{\"part\": \"p\", \"config\": \"tiny\", \"epochs\": 1,"
                + " \"model\": {\"kind\": \"mlp\", \"depth\": 2, \"width\": 8}, \"optimizer\": {\"kind\": \"sgd\"},"
                + " \"schedule\": {\"kind\": \"constant\", \"lr\": 0.1}, \"data\": {\"kind\": \"digits\", \"train\": 100, \"batch\": 50}}]");
    }

    /** Runs {@code script} with bash ($0 java, $1 the classpath, $2 this test's folder); returns its exit code and output. */
    private StudyCommandTest.Run bash(List<String> prefix, String script) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(prefix);
        cmd.addAll(List.of("bash", "-c", script, java(), System.getProperty("java.class.path"), dir.toString()));
        Process p = new ProcessBuilder(cmd).redirectOutput(dir.resolve("out.log").toFile()).redirectError(dir.resolve("err.log").toFile())
                .start();
        assertTrue(p.waitFor(5, TimeUnit.MINUTES));
        return new StudyCommandTest.Run(p.exitValue(), Files.readString(dir.resolve("out.log")), Files.readString(dir.resolve("err.log")));
    }

    /**
     * A name with bytes that are not valid in the file-name encoding reaches the JVM with each bad
     * byte as U+FFFD: writing there would make a folder of another name, so it is refused.
     */
    @Test
    void anOutThatIsNotValidUtf8IsRefusedNeverTurnedIntoReplacementCharacters() throws Exception {
        Path grid = tinyGrid();
        for (String command : List.of("study --grid " + grid, "article --epochs 1")) {
            StudyCommandTest.Run r = bash(List.of(), "exec \"$0\" -cp \"$1\" " + Main.class.getName() + " " + command
                    + " --out \"$2/r$(printf '\\351')sultats\"");
            assertEquals(2, r.code(), r.err());
            String first = r.err().lines().findFirst().orElse("");
            assertTrue(first.startsWith("gradlab: Invalid value for option '--out': '" + dir + "/r\uFFFDsultats' holds bytes that are not "
                    + "valid "), first);
            assertTrue(first.endsWith("gradlab would write to another name: use a name in " + first.replaceAll(".* not valid (\\S+) .*",
                    "$1")), first);
        }
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of("err.log", "grid.json", "out.log"), s.map(p -> p.getFileName().toString()).sorted().toList(),
                    "no folder of any name was made");
        }
    }

    /**
     * A full disk (a 400 KB tmpfs in a mount namespace of its own): a study that cannot write its
     * report says which file, exits 1, and leaves the previous study's report whole with every run
     * saved; then one that cannot save a run (a 10 KB tmpfs) names that file.
     */
    @Test
    void aFullDiskNamesTheFileAndLeavesThePreviousStudyWhole() throws Exception {
        Path mnt = Files.createDirectories(dir.resolve("mnt"));
        List<String> ns = List.of("unshare", "-rm");
        Assumptions.assumeTrue(bash(ns, "mount -t tmpfs -o size=64k tmpfs \"$2/mnt\"").code() == 0,
                "needs a mount namespace (unshare -rm) to make a small file system");
        Path grid = tinyGrid();
        String study = "\"$0\" -Djava.awt.headless=true -cp \"$1\" " + Main.class.getName() + " study --grid " + grid + " --workers 1 --out \"$2/mnt/s\"";
        StudyCommandTest.Run r = bash(ns, "set -u; m=\"$2/mnt\"; mount -t tmpfs -o size=400k tmpfs \"$m\" || exit 9\n"
                + study + " --seeds 0 > /dev/null || exit 8\n"
                + "dd if=/dev/zero of=\"$m/fill\" bs=1k 2>/dev/null; truncate -s -40k \"$m/fill\"\n"   // room for runs, not charts
                + study + " --seeds 0,1,2 >/dev/null; echo \"exit $?\"\n"
                + "echo '--- summary'; cat \"$m/s/summary.csv\"; echo '--- files'; (cd \"$m/s\" && find . -type f | sort)\n"
                + "mount -t tmpfs -o size=10k tmpfs \"$m\" || exit 7\n"                             // room for the folder, not a run
                + study + " --seeds 0,1,2,3 >/dev/null; echo \"exit $?\"\n");
        assertEquals(0, r.code(), r.out() + r.err());
        List<String> err = r.err().lines().toList();
        assertEquals(2, err.size(), r.err());
        assertTrue(err.get(0).matches("gradlab: " + mnt + "/s\\.partial/[a-z-]+\\.(png|csv|html): No space left on device"), err.get(0));
        assertEquals("gradlab: " + mnt + "/s/runs/p__tiny__seed0.json: No space left on device", err.get(1));
        List<String> out = r.out().lines().toList();
        assertEquals("exit 1", out.get(0));
        assertEquals(2, out.indexOf("--- files") - out.indexOf("--- summary") - 1, "the first study's summary (a header, one row): " + out);
        assertEquals(List.of("./.gradlab", "./conclusions.json", "./p-accuracy.png", "./p-epochs.png", "./p-grad-norms.png", "./p-layers-step0.png",
                "./report.html", "./runs.csv", "./runs/p__tiny__seed0.json", "./runs/p__tiny__seed1.json", "./runs/p__tiny__seed2.json",
                "./summary.csv"), out.subList(out.indexOf("--- files") + 1, out.size() - 1), "one study's report, every run saved");
        assertEquals("exit 1", out.get(out.size() - 1));
    }

    @Test
    void anArticleDoesNotReplaceAStudyUnlessFresh() throws Exception {
        Path out = dir.resolve("study");
        try (StudyFolder s = StudyFolder.open(out)) {
            Outputs.text("saved", s.runs().resolve("p__c__seed0.json"));
            s.commit();
        }
        StudyCommandTest.Run r = StudyCommandTest.gradlab("article", "--epochs", "1", "--out", out.toString());
        assertEquals(1, r.code());
        assertEquals(List.of("gradlab: " + out + ": holds the results of gradlab study; gradlab article would replace them: write "
                + "elsewhere, or add --fresh to replace them"), r.err().lines().toList());
        assertTrue(Files.exists(out.resolve("runs/p__c__seed0.json")), "the saved runs are untouched");
        r = StudyCommandTest.gradlab("article", "--epochs", "1", "--fresh", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertFalse(Files.exists(out.resolve("runs")), "told to: the article replaced the study");
        assertTrue(Files.exists(out.resolve("report.html")));
        r = StudyCommandTest.gradlab("explode", "--epochs", "1", "--out", out.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("gradlab: " + out + ": holds the results of gradlab article; gradlab explode would replace"),
                r.err());
    }
}
