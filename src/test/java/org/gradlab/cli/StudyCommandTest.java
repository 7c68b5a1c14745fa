package org.gradlab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.gradlab.experiment.spec.Design;
import org.gradlab.experiment.spec.InitSpec;
import org.gradlab.experiment.spec.ModelSpec;
import org.gradlab.experiment.spec.OptimizerSpec;
import org.gradlab.experiment.spec.RunSpec;
import org.gradlab.experiment.spec.ScheduleSpec;
import org.gradlab.experiment.spec.Selection;
import org.gradlab.experiment.jobs.StudyFolder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input to {@code gradlab study}: one line naming it, exit code 2, before any run, nothing written lost. */
class StudyCommandTest {
    @TempDir
    Path dir;

    record Run(int code, String out, String err) {
    }

    static Run study(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String[] all = new String[args.length + 1];
        all[0] = "study";
        System.arraycopy(args, 0, all, 1, args.length);
        int code = Main.run(all, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private void assertRefused(String message, String... args) throws Exception {
        Path out = dir.resolve("out");
        Files.createDirectories(out.resolve("runs"));
        Path kept = Files.writeString(out.resolve("runs").resolve("kept.json"), "earlier work");
        Run r = study(append(args, "--out", out.toString()));
        assertEquals(2, r.code(), r.err());
        assertEquals("gradlab: " + message, r.err().lines().findFirst().orElse(""));
        assertTrue(r.err().contains("Usage: gradlab study"), "then the command's usage: " + r.err());
        assertEquals("", r.out(), "no run started");
        assertEquals("earlier work", Files.readString(kept));
        try (var files = Files.list(out)) {
            assertEquals(List.of("runs"), files.map(p -> p.getFileName().toString()).toList());
        }
    }

    private static String[] append(String[] a, String... b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    @Test
    void unknownPartOrConfig() throws Exception {
        assertRefused("unknown part 'gru' (known: baseline, schedules, clipping, structure, rnn)", "--parts", "baseline,gru");
        assertRefused("unknown config 'fixed_0.7' in parts [schedules] (known: " + String.join(", ",
                Design.parts().get("schedules").stream().map(RunSpec::config).toList()) + ")",
                "--parts", "schedules", "--configs", "fixed_0.1,fixed_0.7");
    }

    @Test
    void badSeedsEpochsWorkers() throws Exception {
        assertRefused("--seeds is empty, expected at least one seed such as 0,1,2", "--seeds", "");
        assertRefused("--seeds must be whole numbers separated by commas, got 'x' in '0,x'", "--seeds", "0,x");
        assertRefused("--seeds repeats a seed: [1, 1]", "--seeds", "1,1");
        assertRefused("--epochs must be in [1, 1000], got 0", "--epochs", "0");
        assertRefused("--workers must be >= 1, got 0", "--workers", "0");
        Run r = study("--epochs", "many");
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("gradlab: Invalid value for option '--epochs': 'many' is not an int"), r.err());
        r = study("--colour");
        assertEquals(2, r.code());
        assertEquals("gradlab: Unknown option: '--colour'", r.err().lines().findFirst().orElse(""));
    }

    @Test
    void malformedGrid() throws Exception {
        Path grid = dir.resolve("grid.json");
        Files.writeString(grid, "[{\"part\": \"p\", ");
        assertRefused("--grid " + grid + ": not valid JSON at line 1, column 16: Unexpected end-of-input within/between Object entries",
                "--grid", grid.toString());
        Files.writeString(grid, "{\"part\": \"p\"}");
        assertRefused("--grid " + grid + ": expected a non-empty JSON array of run specs", "--grid", grid.toString());
        Files.writeString(grid, "[{\"part\": \"p\", \"config\": \"c\", \"model\": {\"kind\": \"transformer\"}, "
                + "\"optimizer\": {\"kind\": \"sgd\", \"momentum\": 0.9}, \"schedule\": {\"kind\": \"constant\", \"lr\": 0.1}}]");
        assertRefused("--grid " + grid + ": entry 0: model: unknown kind 'transformer', expected one of [article, mlp, recurrent, "
                + "layers, registered]", "--grid", grid.toString());
        Files.writeString(grid, "[{\"part\": \"p\", \"config\": \"c\", \"model\": {\"kind\": \"article\"}, \"colour\": 1, "
                + "\"optimizer\": {\"kind\": \"sgd\", \"momentum\": 0.9}, \"schedule\": {\"kind\": \"constant\", \"lr\": 0.1}}]");
        Run r = study("--grid", grid.toString(), "--out", dir.resolve("o2").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("gradlab: --grid " + grid + ": entry 0: unknown property 'colour'"), r.err());
        assertRefused("--grid " + dir.resolve("missing.json") + " is not a readable file", "--grid",
                dir.resolve("missing.json").toString());
    }

    @Test
    void theReadmesGridExampleIsAValidGrid() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        int start = readme.indexOf("```json\n[{\"part\"") + "```json\n".length();
        Path grid = Files.writeString(dir.resolve("grid.json"), readme.substring(start, readme.indexOf("```", start)));
        List<RunSpec> specs = Selection.readGrid(grid).get("mine");
        assertEquals(1, specs.size());
        RunSpec r = specs.get(0);
        assertEquals(List.of(Design.norm(5)), r.gradients());
        assertEquals(ModelSpec.deep(InitSpec.of(InitSpec.Kind.HE_NORMAL)), r.model());
        assertEquals(ScheduleSpec.OneCycleSpec.of(0.1), r.schedule());
        assertEquals(OptimizerSpec.sgd(0.9), r.optimizer());
        assertEquals(3, r.epochs());
    }

    @Test
    void outputFolderThatIsAFileOrInUse() throws Exception {
        Path file = Files.writeString(dir.resolve("file"), "keep");
        Run r = study("--parts", "baseline", "--out", file.toString());
        assertEquals(2, r.code());
        assertEquals("gradlab: --out " + file + " is a file, expected a folder", r.err().lines().findFirst().orElse(""));
        assertEquals("keep", Files.readString(file));
        Path busy = dir.resolve("busy");
        try (StudyFolder held = StudyFolder.open(busy)) {
            r = study("--parts", "baseline", "--out", busy.toString());
        }
        assertEquals(2, r.code());
        assertEquals("gradlab: --out " + busy + " is in use by another study (locked)", r.err().lines().findFirst().orElse(""));
        assertFalse(Files.exists(busy.resolve("summary.csv")));
    }

    @Test
    void aUriOutOrSparkWithoutTheSparkModule() throws Exception {
        Run r = study("--parts", "baseline", "--out", "hdfs://namenode/studies/a");
        assertEquals(2, r.code(), r.err());
        assertEquals("gradlab: --out hdfs://namenode/studies/a is a URI; only a study on a cluster (--spark) writes to one",
                r.err().lines().findFirst().orElse(""));
        assertEquals("", r.out(), "no run started");
        r = study("--parts", "baseline", "--spark", "local[2]", "--out", dir.resolve("spark").toString());
        assertEquals(1, r.code(), r.err());
        assertEquals("gradlab: --spark local[2]: gradlab-spark and Spark are not on the class path; ./gradlab study --spark ... "
                + "puts them there (built by ./mvnw -B verify), or use spark-submit (README, \"More than one machine\")",
                r.err().strip());
        assertEquals("", r.out(), "no run started");
        assertFalse(Files.exists(dir.resolve("spark")), "nothing written");
    }
}
