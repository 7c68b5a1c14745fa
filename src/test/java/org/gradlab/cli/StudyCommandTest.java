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
import org.gradlab.experiment.jobs.RunFolder;
import org.gradlab.experiment.jobs.StudyFolder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input to {@code gradlab study}, before any run, nothing written lost: a bad option is one
 * line, exit code 2 and the usage; a bad grid, a run this machine cannot hold or an output folder
 * that cannot be used is one line naming the file or value and exit code 1.
 */
class StudyCommandTest {
    @TempDir
    Path dir;

    record Run(int code, String out, String err) {
    }

    static Run study(String... args) {
        String[] all = new String[args.length + 1];
        all[0] = "study";
        System.arraycopy(args, 0, all, 1, args.length);
        return gradlab(all);
    }

    /** {@code gradlab ARGS} in this JVM: its exit code, stdout and stderr. */
    static Run gradlab(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
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

    /** A failure that is not a usage error: exit 1, exactly one line, no run started, earlier work kept. */
    private void assertFails(String message, String... args) throws Exception {
        Path out = dir.resolve("out");
        Files.createDirectories(out.resolve("runs"));
        Path kept = Files.writeString(out.resolve("runs").resolve("kept.json"), "earlier work");
        Run r = study(append(args, "--out", out.toString()));
        assertEquals(1, r.code(), r.err());
        assertEquals(List.of("gradlab: " + message), r.err().lines().toList());
        assertEquals("", r.out(), "no run started");
        assertEquals("earlier work", Files.readString(kept));
        try (var files = Files.list(out)) {
            assertEquals(List.of("runs"), files.map(p -> p.getFileName().toString()).toList());
        }
    }

    /** A grid file of one run spec: {@code model} and the rest of the entry after the schedule. */
    private Path grid(String model, String rest) throws Exception {
        return Files.writeString(dir.resolve("grid.json"), "[{\"part\": \"p\", \"config\": \"c\", \"model\": " + model
                + ", \"optimizer\": {\"kind\": \"sgd\", \"momentum\": 0.9}, \"schedule\": {\"kind\": \"constant\", \"lr\": 0.1}"
                + rest + "}]");
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
    void malformedGridsAreOneLineNamingTheFileWithoutTheParsersInternals() throws Exception {
        Path grid = dir.resolve("grid.json");
        Files.writeString(grid, "[{\"part\": \"p\", ");
        assertFails("--grid " + grid + ": not valid JSON at line 1, column 16: Unexpected end-of-input within/between Object entries",
                "--grid", grid.toString());
        Files.writeString(grid, "{\"part\": \"p\"}");
        assertFails("--grid " + grid + ": expected a non-empty JSON array of run specs", "--grid", grid.toString());
        Files.writeString(grid, "[{\"part\": \"p\", \"config\": \"c\", \"model\": {\"kind\": \"transformer\"}, "
                + "\"optimizer\": {\"kind\": \"sgd\", \"momentum\": 0.9}, \"schedule\": {\"kind\": \"constant\", \"lr\": 0.1}}]");
        assertFails("--grid " + grid + ": entry 0: model: unknown kind 'transformer', expected one of [article, mlp, recurrent, "
                + "layers, registered]", "--grid", grid.toString());
        grid("{\"kind\": \"article\"}", ", \"colour\": 1");
        Run r = study("--grid", grid.toString(), "--out", dir.resolve("o2").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("gradlab: --grid " + grid + ": entry 0: unknown property 'colour'"), r.err());
        assertFails("--grid " + dir.resolve("missing.json") + " is not a readable file", "--grid", dir.resolve("missing.json").toString());
        Files.write(grid, new byte[] {'[', '"', (byte) 0xff, '"', ']'});
        assertFails("--grid " + grid + " is not UTF-8 text; a grid is a JSON array of run specs", "--grid", grid.toString());

        // what the parser says in its own terms stays out of the line
        for (String doc : List.of("[" + "[".repeat(1200) + "]".repeat(1200) + "]", "[{\"a\": 1]", "[" + "1".repeat(1200) + "]",
                "[{\"part\": \"p\"} /* why */]", "[{\"part\": \"p\"}] {\"x\": 1}", "[1] 2", "[tru]", "[{\"part\": \"p\", \"part\": \"q\"}]")) {
            Files.writeString(grid, doc);
            r = study("--grid", grid.toString(), "--out", dir.resolve("o3").toString());
            assertEquals(1, r.code(), doc);
            assertEquals(1, r.err().lines().count(), r.err());
            assertTrue(r.err().startsWith("gradlab: --grid " + grid + ": not valid JSON"), r.err());
            for (String internal : List.of("Source", "REDACTED", "Feature", "StreamRead", "`", "jackson", "START_", "VALUE_")) {
                assertFalse(r.err().contains(internal), internal + " in " + r.err());
            }
        }
        assertFalse(Files.exists(dir.resolve("o3")));
    }

    @Test
    void everySpecIsBoundedBeforeAnyRun() throws Exception {
        Path g = grid("{\"kind\": \"article\"}", ", \"epochs\": 1000000000");
        assertFails("--grid " + g + ": entry 0: epochs must be in [1, 1000], got 1000000000", "--grid", g.toString());
        g = grid("{\"kind\": \"article\"}", ", \"epochs\": 1.9");
        assertFails("--grid " + g + ": entry 0: epochs: must be a whole number, got 1.9", "--grid", g.toString());
        g = grid("{\"kind\": \"mlp\", \"depth\": 3.7, \"width\": 8}", "");
        assertFails("--grid " + g + ": entry 0: model.depth: must be a whole number, got 3.7", "--grid", g.toString());
        g = grid("{\"kind\": \"article\"}", ", \"data\": {\"kind\": \"digits\", \"train\": 9999, \"batch\": 1}, \"epochs\": 1000");
        assertFails("run p/c/0 takes 9,999,000 steps (1000 epochs of 9,999 batches); a run may take at most 250,000: fewer epochs "
                + "or a larger batch", "--grid", g.toString());
        g = grid("{\"kind\": \"mlp\", \"depth\": 4, \"width\": 8, \"norm\": \"batchnorm\"}",
                ", \"data\": {\"kind\": \"digits\", \"train\": 65, \"batch\": 32}");
        assertFails("run p/c/0: BatchNorm on 65 training examples at batch 32 leaves a last batch of 1 row, which BatchNorm cannot "
                + "normalise in training: choose a batch that does not (e.g. 33) or another number of training examples",
                "--grid", g.toString(), "--seeds", "0");
        g = grid("{\"kind\": \"article\"}", "").resolveSibling("grid.json");
        Files.writeString(g, Files.readString(g).replace("\"lr\": 0.1", "\"lr\": 1e999"));
        assertFails("run p/c/0: constant: lr must be finite and > 0, got Infinity", "--grid", g.toString());

        // depth 100 x width 4096 passes the codec (both in range) but not this machine, 16 at a time
        g = grid("{\"kind\": \"mlp\", \"depth\": 100, \"width\": 4096}", "");
        Run r = study("--grid", g.toString(), "--seeds", "0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15", "--workers", "16", "--out",
                dir.resolve("big").toString());
        assertEquals(1, r.code(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().matches("gradlab: run p/c/0 needs about [0-9.]+ GB \\(1,647,824,906 parameters, 1,639,194 activations per "
                + "example at batch 32\\), and 16 runs at once with their data about [0-9.]+ GB; this machine has about [0-9.]+ [GM]B for "
                + "a study \\(3/4 of its memory beyond the Java heap\\): use a smaller model or fewer --workers\\R"), r.err());
        assertFalse(Files.exists(dir.resolve("big")));

        StringBuilder seeds = new StringBuilder("0");
        for (int i = 1; i <= 1000; i++) {
            seeds.append(',').append(i);
        }
        assertRefused("--seeds lists 1001 seeds, more than 1000", "--seeds", seeds.toString());
    }

    @Test
    void twoSpecsCannotShareOneFile() throws Exception {
        Path g = Files.writeString(dir.resolve("grid.json"), "[{\"part\": \"a\", \"config\": \"b__c\", \"model\": {\"kind\": "
                + "\"article\"}, \"optimizer\": {\"kind\": \"adam\"}, \"schedule\": {\"kind\": \"constant\", \"lr\": 0.001}}, "
                + "{\"part\": \"a__b\", \"config\": \"c\", \"model\": {\"kind\": \"article\"}, \"optimizer\": {\"kind\": "
                + "\"adam\"}, \"schedule\": {\"kind\": \"constant\", \"lr\": 0.001}}]");
        assertFails("--grid " + g + ": entry 0: config 'b__c' holds '__', which separates the part from the configuration in file "
                + "names", "--grid", g.toString());
        Files.writeString(g, Files.readString(g).replace("b__c", "bc"));
        assertFails("--grid " + g + ": entry 1: part 'a__b' holds '__', which separates the part from the configuration in file names",
                "--grid", g.toString());
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
    void outputFoldersThatCannotBeUsedAreOneLineAndExitOne() throws Exception {
        Path file = Files.writeString(dir.resolve("file"), "keep");
        Run r = study("--parts", "baseline", "--out", file.toString());
        assertEquals(1, r.code());
        assertEquals(List.of("gradlab: " + file + ": is a file, not a folder"), r.err().lines().toList());
        assertEquals("keep", Files.readString(file));

        Path busy = dir.resolve("busy");
        try (StudyFolder held = StudyFolder.open(busy)) {
            r = study("--parts", "baseline", "--out", busy.toString());
        }
        assertEquals(1, r.code());
        assertEquals(List.of("gradlab: " + busy + " is in use by another job (process " + ProcessHandle.current().pid() + ", started "
                + "TIME, study); wait for it to finish or write elsewhere"),
                r.err().lines().map(l -> l.replaceFirst("started [^,]*,", "started TIME,")).toList());
        assertFalse(Files.exists(busy.resolve("summary.csv")));

        r = study("--parts", "baseline", "--out", "/proc/gradlab-study");     // a file system that refuses writes
        assertEquals(1, r.code(), r.err());
        assertEquals(List.of("gradlab: /proc/gradlab-study: cannot write /proc/gradlab-study.partial (no such file or folder)"),
                r.err().lines().toList());

        r = study("--parts", "baseline", "--out", "");
        assertEquals(2, r.code());
        assertEquals("gradlab: Invalid value for option '--out': '' is not a folder name; name the output folder, e.g. runs/mine",
                r.err().lines().findFirst().orElse(""));
        r = study("--parts", "baseline", "--out", "runs/x\uFFFD");
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("gradlab: Invalid value for option '--out': 'runs/x\uFFFD' holds bytes that are not valid "),
                r.err());
    }

    @Test
    void aStudyInsideOrAroundAFolderAnotherJobWritesIsRefused() throws Exception {
        Path x = dir.resolve("x");
        try (RunFolder article = RunFolder.open(x, "article")) {
            Run r = study("--parts", "baseline", "--out", x.resolve("runs").toString());
            assertEquals(1, r.code());
            assertTrue(r.err().startsWith("gradlab: " + x.resolve("runs") + " lies inside "), r.err());
            assertTrue(r.err().endsWith(", article); write elsewhere" + System.lineSeparator()), r.err());
        }
        try (StudyFolder study = StudyFolder.open(x.resolve("inner"))) {
            Run r = study("--parts", "baseline", "--out", x.toString());
            assertEquals(1, r.code());
            assertTrue(r.err().startsWith("gradlab: " + x + " holds "), r.err());
        }
    }
}
