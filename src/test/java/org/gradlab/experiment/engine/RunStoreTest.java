package org.gradlab.experiment.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.gradlab.experiment.spec.DataSpec;
import org.gradlab.experiment.spec.LossSpec;
import org.gradlab.experiment.spec.ModelSpec;
import org.gradlab.experiment.spec.OptimizerSpec;
import org.gradlab.experiment.spec.RunSpec;
import org.gradlab.experiment.spec.ScheduleSpec;
import org.gradlab.experiment.spec.SpecCodec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A saved run is reused only after it is verified; a file that cannot be trusted is stale (run
 * again and reported, naming the file and what is wrong), never an exception.
 */
class RunStoreTest {
    @TempDir
    Path dir;

    /** One epoch of 64 digits at batch 32: two steps. */
    static final RunSpec SPEC = new RunSpec("p", "c", ModelSpec.article(), OptimizerSpec.adam(), new ScheduleSpec.Constant(1e-3),
            List.of(), new DataSpec.Digits(64, 32), new LossSpec.CrossEntropy(0), 0, 1);

    /** A result a real run of {@link #SPEC} could have recorded. */
    static RunResult result(RunSpec spec) {
        return new RunResult(spec, new RunResult.End(0.5, 2.0, new double[] {0.5}, new double[] {2.0}, -1, 0, null),
                new RunResult.Norms(1.0, 0.6, 1.0, -1, -1, -1, 0),
                new RunResult.Layers(List.of("0.0", "1.0", "2"), new double[] {1, 1, 1}, new double[0], 1.0, 1,
                        new double[][] {{1, 1, 1}, {0.2, 0.2, 0.2}}, new double[0]),
                new RunResult.Series(new double[] {1.0, 0.123}, new double[] {1e-3, 1e-3}), 0.1);
    }

    private RunStore saved() throws IOException {
        RunStore store = new RunStore(dir);
        store.save(result(SPEC));
        return store;
    }

    private Path file() {
        return dir.resolve(SPEC.fileName());
    }

    /** Changes the saved result's JSON and, as an attacker or a careful editor would, writes a matching checksum. */
    private void edit(Consumer<ObjectNode> change) throws IOException {
        ObjectNode root = (ObjectNode) SpecCodec.JSON.readTree(file().toFile());
        change.accept((ObjectNode) root.get("result"));
        root.put("sha256", RunStore.sha256(root.get("result").toString()));
        Files.write(file(), SpecCodec.JSON.writeValueAsBytes(root));
    }

    private String stale(RunStore store) {
        RunStore.Found f = store.find(SPEC);
        assertFalse(f.present(), "not reused");
        assertTrue(f.stale().startsWith(file() + ": "), "names the file: " + f.stale());
        assertEquals(1, f.stale().lines().count(), f.stale());
        return f.stale().substring(file().toString().length() + 2);
    }

    @Test
    void aVerifiedRunIsReusedAsSaved() throws IOException {
        RunStore store = saved();
        RunStore.Found f = store.find(SPEC);
        assertTrue(f.present());
        assertNull(f.stale());
        assertEquals(SpecCodec.write(result(SPEC)), SpecCodec.write(f.result()));
        assertEquals(RunStore.NUMERICS, SpecCodec.JSON.readTree(file().toFile()).get("numerics").asText());
        assertFalse(store.find(SPEC.withSeed(1)).present(), "another seed has no file");
        assertNull(store.find(SPEC.withSeed(1)).stale(), "and is not stale: just not run yet");
    }

    /** The forecaster's per-step signals: none (a run recorded without them) or one per step, loss and update ratio alike. */
    @Test
    void forecasterSignalsThatDoNotFitTheStepsAreNotReused() throws IOException {
        RunStore store = saved();
        edit(r -> ((ObjectNode) r.get("watch")).putArray("losses").add(1.0));
        assertTrue(stale(store).startsWith("1 losses and 0 update ratios for "), "a loss without its update ratio");
        edit(r -> ((ObjectNode) r.get("watch")).putArray("updateRatios").add(0.01));
        assertTrue(stale(store).matches("1 losses and 1 update ratios for \\d+ steps"), "one step's signals for a longer run");
    }

    @Test
    void anAccuracyOutOfRangeIsNotReused() throws IOException {
        RunStore store = saved();
        edit(r -> ((ObjectNode) r.get("end")).put("testAccuracy", 7.5));
        assertEquals("testAccuracy 7.5 is not in [0, 1]", stale(store));
        edit(r -> ((ObjectNode) r.get("end")).put("testAccuracy", 0.5).putArray("epochTestAccuracy").add(-0.1));
        assertEquals("an epoch's test accuracy -0.1 is not in [0, 1]", stale(store));
    }

    @Test
    void aChangedNumberFailsTheChecksum() throws IOException {
        RunStore store = saved();
        String text = Files.readString(file());
        assertTrue(text.contains("0.123"));
        Files.writeString(file(), text.replace("0.123", "0.124"));
        assertEquals("checksum does not match its content", stale(store));
    }

    @Test
    void aMissingSeriesIsNotARunResult() throws IOException {
        RunStore store = saved();
        edit(r -> ((ObjectNode) r.get("series")).putNull("gradNorms"));
        assertEquals("not a run result (series: gradNorms is null, expected an array)", stale(store));
        edit(r -> ((ObjectNode) r.get("series")).putArray("gradNorms").add(1.0));
        assertEquals("1 grad norms and 2 rates; expected as many, at least one", stale(store));
        edit(r -> r.remove("layers"));
        assertTrue(stale(store).startsWith("not a run result (layers"), stale(store));
    }

    @Test
    void aRunOfAnotherNumericsVersionIsRunAgain() throws IOException {
        RunStore store = saved();
        ObjectNode root = (ObjectNode) SpecCodec.JSON.readTree(file().toFile());
        root.put("numerics", "2025-01-01.1");
        Files.write(file(), SpecCodec.JSON.writeValueAsBytes(root));
        assertEquals("made by numerics \"2025-01-01.1\", this code is " + RunStore.NUMERICS, stale(store));
        root.remove("numerics");
        Files.write(file(), SpecCodec.JSON.writeValueAsBytes(root));
        assertTrue(stale(store).startsWith("made by numerics "), stale(store));
    }

    @Test
    void otherDamageIsStaleInOneLineWithoutTheParsersInternals() throws IOException {
        RunStore store = saved();
        String text = Files.readString(file());
        Files.writeString(file(), text.substring(0, text.length() / 2));
        String why = stale(store);
        assertTrue(why.startsWith("not valid JSON at line 1, column "), why);
        for (String internal : List.of("Source", "REDACTED", "Feature", "jackson")) {
            assertFalse(why.contains(internal), why);
        }
        Files.writeString(file(), "[1, 2]");
        assertEquals("not a JSON object", stale(store));
        Files.writeString(file(), text.replace("\"format\":1", "\"format\":2"));
        assertEquals("format 2, expected 1", stale(store));
        Files.delete(file());
        Files.createDirectory(file());
        assertEquals("not a regular file", stale(store));
        Files.delete(file());
        Files.writeString(file(), text);
        RunSpec other = SPEC.withEpochs(2);
        RunStore.Found f = store.find(other);
        assertEquals(file() + ": saved for another spec", f.stale(), "a changed spec with the same file name");
    }

    /** The 62 MB file of 15.5 million entries: refused by its size, before any of it is read (no OutOfMemoryError). */
    @Test
    void aHugeFileIsRefusedByItsSizeBeforeItIsRead() throws IOException {
        RunStore store = saved();
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file()), 1 << 16)) {
            out.write("{\"format\":1,\"result\":{\"series\":{\"gradNorms\":[".getBytes(StandardCharsets.UTF_8));
            for (int i = 0; i < 15_500_000; i++) {
                out.write(i == 0 ? "0.0".getBytes(StandardCharsets.UTF_8) : ",0.0".getBytes(StandardCharsets.UTF_8));
            }
            out.write("]}}}".getBytes(StandardCharsets.UTF_8));
        }
        long size = Files.size(file());
        assertTrue(size > 62_000_000, "62 MB of text: " + size);
        long start = System.nanoTime();
        assertEquals(String.format(java.util.Locale.ROOT, "%,d bytes, more than the %,d a run of its spec can take", size,
                (1 << 20) + 200 * 2), stale(store));
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(1), "it was not read");
    }

    /**
     * In a JVM with a 128 MB heap, a saved run of the longest spec allowed (its bound is 26 MB)
     * is read when under a sixteenth of the heap and refused unread above it: never an
     * OutOfMemoryError.
     */
    @Test
    void noFileExhaustsASmallHeap() throws Exception {
        Path f = dir.resolve(RunStoreProbe.LONGEST.fileName());
        for (int entries : new int[] {1_500_000, 5_000_000}) {   // about 6 MB (read: parsed, checksum computed) and 20 MB
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(f), 1 << 16)) {
                out.write(("{\"format\":1,\"numerics\":\"" + RunStore.NUMERICS + "\",\"sha256\":\"x\",\"result\":{\"series\":"
                        + "{\"gradNorms\":[0.5").getBytes(StandardCharsets.UTF_8));
                for (int i = 1; i < entries; i++) {
                    out.write(",0.5".getBytes(StandardCharsets.UTF_8));
                }
                out.write("]}}}".getBytes(StandardCharsets.UTF_8));
            }
            Path log = dir.resolve("child.log");
            Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx128m",
                    "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), RunStoreProbe.class.getName(), dir.toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            assertTrue(p.waitFor(2, TimeUnit.MINUTES));
            String out = Files.readString(log);
            assertEquals(0, p.exitValue(), out);
            assertFalse(out.contains("OutOfMemoryError"), out);
            String expected = entries < 2_000_000 ? "checksum does not match its content"
                    : String.format(java.util.Locale.ROOT, "%,d bytes, more than the ", Files.size(f));
            assertTrue(out.startsWith("stale: " + f + ": " + expected), out);
        }
    }

    /** A saved run that cannot be trusted does not stop a study: it is reported and run again. */
    @Test
    void aStudyRunsAStaleRunAgainAndSaysSo() throws Exception {
        RunSpec tiny = new RunSpec("p", "tiny", new ModelSpec.Mlp(2, 8, org.gradlab.nn.Activation.Kind.RELU,
                org.gradlab.experiment.spec.InitSpec.of(org.gradlab.experiment.spec.InitSpec.Kind.HE_NORMAL),
                ModelSpec.Mlp.Norm.NONE, ModelSpec.Mlp.Block.PLAIN, 1), OptimizerSpec.sgd(0), new ScheduleSpec.Constant(0.1),
                List.of(), new DataSpec.Digits(64, 32), new LossSpec.CrossEntropy(0), 0, 1);
        RunStore store = new RunStore(dir);
        RunResult first = Study.run(List.of(tiny), store, Study.local(1), false, Study.Listener.NONE).get(0);
        JsonNode root = SpecCodec.JSON.readTree(dir.resolve(tiny.fileName()).toFile());
        ((ObjectNode) root.get("result").get("end")).put("testAccuracy", 7.5);
        ((ObjectNode) root).put("sha256", RunStore.sha256(root.get("result").toString()));
        Files.write(dir.resolve(tiny.fileName()), SpecCodec.JSON.writeValueAsBytes(root));
        java.io.ByteArrayOutputStream text = new java.io.ByteArrayOutputStream();
        StatusLine status = new StatusLine(new java.io.PrintStream(text, true, StandardCharsets.UTF_8), false, 1, System::nanoTime);
        RunResult again = Study.run(List.of(tiny), store, Study.local(1), false, status).get(0);
        assertEquals(first.testAccuracy(), again.testAccuracy(), "run again, the same bits");
        assertEquals(dir.resolve(tiny.fileName()) + ": testAccuracy 7.5 is not in [0, 1]; running p/tiny/0 again",
                text.toString(StandardCharsets.UTF_8).lines().findFirst().orElse(""));
        assertTrue(store.find(tiny).present(), "and saved again, good");
    }
}
