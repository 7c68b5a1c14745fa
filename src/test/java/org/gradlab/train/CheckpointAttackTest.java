package org.gradlab.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.gradlab.clip.Clip;
import org.gradlab.data.Dataset;
import org.gradlab.diagnostics.Monitor;
import org.gradlab.nn.Activation;
import org.gradlab.nn.Dense;
import org.gradlab.nn.Dropout;
import org.gradlab.nn.Rng;
import org.gradlab.nn.Sequential;
import org.gradlab.optim.AdamW;
import org.gradlab.optim.Optimizer;
import org.gradlab.optim.Sgd;
import org.gradlab.optim.UpdateRule;
import org.gradlab.schedule.Plateau;
import org.gradlab.schedule.Schedule;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Crafted and damaged checkpoints: each is refused with a {@link CheckpointException} naming the
 * entry or field and what was expected, and the trainer is left exactly as it was. The messages
 * are written to {@code target/checkpoint-attacks.txt}.
 */
class CheckpointAttackTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Dataset DATA = data(96, 1);
    private static final List<String> LOG = Collections.synchronizedList(new ArrayList<>());

    @TempDir
    Path dir;
    private Map<String, byte[]> good;
    private Trainer target;

    private static Dataset data(int n, long seed) {
        Rng rng = Rng.seeded(seed);
        float[] x = new float[n * 6];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < 6; j++) {
                x[i * 6 + j] = (float) rng.nextGaussian();
            }
            y[i] = x[i * 6] > 0 ? (x[i * 6 + 1] > 0 ? 2 : 1) : 0;
        }
        return new Dataset(Nd4j.create(x, new long[] {n, 6}, 'c'), y, 3);
    }

    private static TrainerBuilder small(long seed, UpdateRule<? extends Record> rule) {
        Rng rng = Rng.seeded(seed);
        Sequential m = Sequential.of(Dense.of(6, 5, rng), Activation.relu(), Dropout.of(0.2, rng.split()),
                Dense.of(5, 3, rng));
        return Trainer.builder(m).optimizer(Optimizer.of(rule)).schedule(Schedule.cosine(0.05, 30, 1e-4))
                .plateau(Plateau.of(Plateau.Config.defaults().withPatience(0)), TrainerBuilder.Metric.TRAIN_LOSS)
                .gradients(Clip.autoClip(90), Clip.zClip(0.9, 2, 3)).callback(Monitor.create())
                .batchSize(16).epochs(3).seed(3);
    }

    @BeforeEach
    void saveAGoodCheckpoint() throws IOException {
        Trainer t = small(1, AdamW.defaults()).epochs(2).build();
        t.fit(DATA, DATA);
        good = entries(Checkpoint.save(t, dir.resolve("good.ckpt")));
        target = small(2, AdamW.defaults()).build();
        target.fit(DATA, DATA, 1);     // a trainer with a state of its own to lose
    }

    @Test
    void theGoodCheckpointRestores() throws IOException {
        Checkpoint.restore(target, zip("good-again", good));
        assertEquals(12, target.step());
        assertEquals(2, target.epochsDone());
    }

    @Test
    void anArrayWhoseShapeIsLargerThanItsDataIsRefusedBeforeAllocating() throws IOException {
        Map<String, byte[]> e = copy(good);
        e.put(arrayEntry("model", "0.weight"), bytes(header(4, 5, 6).putFloat(1f)));
        refused("shape-larger-than-data", fixed(e), "state.model[0.weight] (FLOAT[5, 6]): shape [5, 6] needs 120 bytes of data, the entry holds 4");

        e.put(arrayEntry("model", "0.weight"), bytes(header(4, 1_000_000_000L).putFloat(1f)));
        refused("1e9-claim", fixed(e), "state.model[0.weight] (FLOAT[5, 6]): expected shape [5, 6], the entry claims [1000000000]");

        e.put(arrayEntry("model", "0.weight"), bytes(header(8, 5, 6).putDouble(1)));
        refused("array-dtype", fixed(e), "state.model[0.weight] (FLOAT[5, 6]): expected dtype FLOAT, the entry holds DOUBLE");
    }

    @Test
    void aBillionElementClaimWithoutATemplateNeedsTheBytesToo() throws IOException {
        Trainer sgd = small(1, Sgd.momentum(0.9)).epochs(1).build();
        sgd.fit(DATA, DATA);
        good = entries(Checkpoint.save(sgd, dir.resolve("sgd.ckpt")));
        target = small(2, Sgd.momentum(0.9)).build();    // no momentum buffer yet: nothing to compare the shape with
        Map<String, byte[]> e = copy(good);
        String entry = manifest(e).path("state").path("optimizer").path("params").path("0.weight").path("momentumBuffer").textValue();
        e.put(entry, bytes(header(4, 1_000_000_000L).putFloat(1f)));
        long before = Runtime.getRuntime().totalMemory();
        refused("1e9-claim-no-template", fixed(e),
                "state.optimizer.params[0.weight].momentumBuffer: shape [1000000000] needs 4000000000 bytes of data, the entry holds 4");
        assertTrue(Runtime.getRuntime().totalMemory() - before < 512L << 20, "no large allocation");

        e.put(entry, bytes(header(4, 7).put(new byte[28])));
        refused("optimizer-state-shape", fixed(e), "does not fit this trainer: optimizer: state 0.weight.momentumBuffer is FLOAT[7], expected FLOAT[5, 6]");
    }

    @Test
    void wrongManifestTypesAndRangesAreRefused() throws IOException {
        refused("lrScale-oops", edit(m -> progress(m).put("lrScale", "oops")),
                "state.position.lrScale: expected a number (or \"NaN\", \"Infinity\", \"-Infinity\"), got \"oops\"");
        refused("lrScale-zero", edit(m -> progress(m).put("lrScale", 0.0)), "state.position: position: lrScale must be in (0, 1], got 0.0");
        refused("step-negative", edit(m -> progress(m).put("step", -5)),
                "state.position: position: step, epochsDone, batchInEpoch and rollbacks must be >= 0, got -5");
        refused("step-fraction", edit(m -> progress(m).put("step", 1.5)), "state.position.step: expected an integer");
        refused("step-huge", edit(m -> progress(m).put("step", new java.math.BigInteger("100000000000000000000"))),
                "state.position.step: expected an integer");
        refused("epochs-beyond", edit(m -> progress(m).put("epochsDone", 99)),
                "does not fit this trainer: position: 99 epochs are done but this trainer trains 4");
        refused("field-unknown", edit(m -> progress(m).put("evil", 1)), "state.position: unknown field 'evil'");
        refused("field-missing", edit(m -> progress(m).remove("rollbacks")), "state.position.rollbacks: missing");
        refused("plateau-scale", edit(m -> ((ObjectNode) state(m).get("plateau")).put("scale", 7.0)),
                "state.plateau: plateau: scale must be in (0, 1], got 7.0");
        refused("rng-type", edit(m -> ((ObjectNode) state(m).get("rngs")).put("2.rng", "seed")),
                "state.rngs[2.rng]: expected an integer, got \"seed\"");
        refused("rng-renamed", edit(m -> {
            ObjectNode r = (ObjectNode) state(m).get("rngs");
            r.set("9.rng", r.remove("2.rng"));
        }), "state.rngs: expected keys [2.rng]; missing [2.rng]; unexpected [9.rng]");
        refused("version", edit(m -> m.put("version", 3)), "checkpoint version 3 is not supported; this gradlab reads version 2");
        refused("format", edit(m -> m.put("format", "zip")), "not a gradlab checkpoint (format \"zip\")");
        refused("manifest-not-json", fixed(with(good, Checkpoint.MANIFEST, "{\"format\":".getBytes(StandardCharsets.UTF_8))),
                "manifest.json is not valid JSON");

        Map<String, byte[]> e = copy(good);
        String alarms = manifest(e).path("state").path("callbacks").path("0:monitor").path("records").path("alarms")
                .textValue();
        e.put(alarms, "[{\"step\":0,\"kind\":\"BOGUS\",\"layer\":\"g\",\"value\":0,\"threshold\":0,\"message\":\"m\"}]"
                .getBytes(StandardCharsets.UTF_8));
        refused("enum-unknown", fixed(e),
                "state.callbacks[0:monitor].records.alarms[0].kind: expected one of [EXPLOSION, LOSS_SPIKE, VANISHING, NON_FINITE, UPDATE_RATIO, FORECAST], got \"BOGUS\"");
    }

    @Test
    void anotherOptimizerDtypeOrSettingIsRefusedNamingBoth() throws IOException {
        Trainer sgd = small(1, Sgd.plain()).epochs(1).build();
        sgd.fit(DATA, DATA);
        refused("optimizer-mismatch", Checkpoint.save(sgd, dir.resolve("sgd.ckpt")),
                "optimizer: the checkpoint was written by \"Sgd[momentum=0.0, dampening=0.0, weightDecay=0.0, nesterov=false]\" "
                        + "but this trainer uses AdamW[adam=Adam[beta1=0.9, beta2=0.999, eps=1.0E-8, weightDecay=0.0, "
                        + "amsgrad=false], weightDecay=0.01]");

        Trainer wide = small(1, AdamW.defaults()).build();
        wide.model().to(DataType.DOUBLE);
        wide.fit(DATA.castTo(DataType.DOUBLE), DATA.castTo(DataType.DOUBLE));
        refused("dtype-mismatch", Checkpoint.save(wide, dir.resolve("double.ckpt")),
                "dtype: the checkpoint holds \"DOUBLE\" parameters but this trainer's are FLOAT");

        Trainer noPlateau = Trainer.builder(target.model()).optimizer(Optimizer.of(AdamW.defaults())).lr(0.01)
                .gradients(Clip.autoClip(90), Clip.zClip(0.9, 2, 3)).callback(Monitor.create()).epochs(3).build();
        Trainer saved = target;
        target = noPlateau;
        refused("plateau-not-here", zip("plateau", good), "does not fit this trainer: plateau: the state has a plateau but this trainer has none");
        target = saved;

        Trainer otherChain = small(2, AdamW.defaults()).gradients(Clip.globalNorm(1)).build();
        target = otherChain;
        refused("transforms-differ", zip("chain", good), "state.transforms.transforms: expected keys [0:autoClip(90.0), 1:zClip(0.9, 2.0, 3), 2:globalNorm(");
    }

    @Test
    void extraMissingReusedAndPathLikeEntriesAreRefused() throws IOException {
        refused("extra-entry", fixed(with(good, "notes.txt", new byte[] {1})), "entry notes.txt: not part of the state (extra entry)");
        refused("path-parent", zip("parent", with(good, "../evil", new byte[] {1})),
                "entry '../evil' is not a flat name (letters, digits, '.', '_', '-'; no '/' or '..')");
        refused("path-slash", zip("slash", with(good, "model/0.weight", new byte[] {1})), "entry 'model/0.weight' is not a flat name");
        String w = arrayEntry("model", "0.weight");
        Map<String, byte[]> missing = copy(good);
        missing.remove(w);
        refused("entry-missing", fixed(missing), "state.model[0.weight]: refers to entry '" + w + "', which the file does not hold");
        refused("entry-reused", edit(m -> ((ObjectNode) state(m).get("model")).put("0.bias", w)),
                "state.model[0.bias]: refers to entry '" + w + "'");
        Map<String, byte[]> noSum = copy(good);
        noSum.remove(Checkpoint.CHECKSUM);
        refused("no-checksum", zip("nosum", noSum), "not a gradlab checkpoint (no checksum.sha256)");
    }

    @Test
    void deepNestingAndDecompressionBombsAreRefused() throws IOException {
        byte[] deep = ("[".repeat(100_000) + "]".repeat(100_000)).getBytes(StandardCharsets.UTF_8);
        refused("manifest-nesting", fixed(with(good, Checkpoint.MANIFEST, deep)), "manifest.json is not valid JSON");
        Map<String, byte[]> e = copy(good);
        String steps = manifest(e).path("state").path("history").path("steps").textValue();
        refused("list-nesting", fixed(with(e, steps, deep)), "state.history.steps: the entry " + steps + " is not valid JSON");
        refused("bomb", fixed(with(good, "zeros.bin", new byte[80 << 20])), "entry zeros.bin takes the content past the ");
    }

    @Test
    void aManifestChangedWithoutItsChecksumIsCorrupted() throws IOException {
        Map<String, byte[]> e = copy(good);
        ObjectNode m = manifest(e);
        progress(m).put("step", 20);
        e.put(Checkpoint.MANIFEST, JSON.writeValueAsBytes(m));
        refused("checksum", zip("edited", e), "corrupted: the SHA-256 of its content does not match checksum.sha256");
    }

    /**
     * Every single-bit flip of the manifest: with the stored checksum, each is refused. With the
     * checksum recomputed (a deliberate edit; every 16th bit, to keep the test short), each is
     * refused with a checkpoint exception or restores a state that passes every check; never
     * another exception, and a refusal never changes the trainer.
     */
    @Test
    void everyBitFlipOfTheManifestIsRefusedOrHarmless() throws IOException {
        byte[] manifest = good.get(Checkpoint.MANIFEST);
        TrainState before = target.state();
        Trainer reference = small(2, AdamW.defaults()).build();
        Checkpoint.restore(reference, "good", copy(good));
        TrainState goodState = reference.state();
        int refusedByChecksum = 0;
        int refusedByChecks = 0;
        int acceptedSame = 0;
        int acceptedOther = 0;
        for (int bit = 0; bit < manifest.length * 8; bit++) {
            byte[] flipped = manifest.clone();
            flipped[bit / 8] ^= (byte) (1 << (bit % 8));
            Map<String, byte[]> e = with(good, Checkpoint.MANIFEST, flipped);
            try {
                Checkpoint.restore(target, "flip", copy(e));
                throw new AssertionError("bit " + bit + " restored past the checksum");
            } catch (CheckpointException x) {
                refusedByChecksum++;
            }
            if (bit % 16 != 0) {
                continue;
            }
            try {
                Checkpoint.restore(target, "flip", fixed(e));
                if (same(goodState, target.state())) {
                    acceptedSame++;
                } else {
                    acceptedOther++;
                }
                target.restore(before);
            } catch (CheckpointException x) {
                refusedByChecks++;
                assertEquals(before.position(), target.state().position(), "bit " + bit + ": " + x.getMessage());
            }
        }
        SameState.assertSame(before, target.state());
        int flips = manifest.length * 8;
        LOG.add("bit-flip sweep over " + flips + " manifest bits: stored checksum refused " + refusedByChecksum
                + "; checksum recomputed (every 16th bit): refused by the checks " + refusedByChecks + ", restored identical " + acceptedSame
                + ", restored a different valid state " + acceptedOther);
        writeLog();
        assertEquals(flips, refusedByChecksum);
        assertEquals((flips + 15) / 16, refusedByChecks + acceptedSame + acceptedOther);
    }

    private static boolean same(TrainState a, TrainState b) {
        try {
            SameState.assertSame(a, b);
            return true;
        } catch (AssertionError e) {
            return false;
        }
    }

    // ------------------------------------------------------------------ helpers

    /** Restores {@code file} into the target: refused with {@code expected} in the message, the target unchanged. */
    private void refused(String name, Path file, String expected) {
        TrainState before = target.state();
        var e = assertThrows(CheckpointException.class, () -> Checkpoint.restore(target, file));
        assertTrue(e.getMessage().contains(expected), name + ": " + e.getMessage());
        assertTrue(e.getMessage().startsWith(file.toString()), "names the file: " + e.getMessage());
        SameState.assertSame(before, target.state());
        LOG.add(name + ": " + e.getMessage().replace(file.toString(), file.getFileName().toString()));
        writeLog();
    }

    private void refused(String name, Map<String, byte[]> entries, String expected) throws IOException {
        refused(name, zip(name, entries), expected);
    }

    private static void writeLog() {
        try {
            Path out = Path.of("target", "checkpoint-attacks.txt");
            Files.createDirectories(out.getParent());
            Files.write(out, new java.util.TreeSet<>(LOG));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private Path zip(String name, Map<String, byte[]> entries) throws IOException {
        Path p = dir.resolve(name + ".ckpt");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(p))) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                z.putNextEntry(new ZipEntry(e.getKey()));
                z.write(e.getValue());
                z.closeEntry();
            }
        }
        return p;
    }

    private static Map<String, byte[]> entries(Path file) throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        try (ZipFile z = new ZipFile(file.toFile())) {
            for (ZipEntry e : Collections.list(z.entries())) {
                try (InputStream in = z.getInputStream(e)) {
                    out.put(e.getName(), in.readAllBytes());
                }
            }
        }
        return out;
    }

    private static Map<String, byte[]> copy(Map<String, byte[]> e) {
        return new LinkedHashMap<>(e);
    }

    private static Map<String, byte[]> with(Map<String, byte[]> e, String name, byte[] b) {
        Map<String, byte[]> out = copy(e);
        out.put(name, b);
        return out;
    }

    /** The entries with a checksum that matches them again: a deliberate edit, not corruption. */
    private static Map<String, byte[]> fixed(Map<String, byte[]> e) {
        Map<String, byte[]> out = copy(e);
        out.remove(Checkpoint.CHECKSUM);
        out.put(Checkpoint.CHECKSUM, Checkpoint.checksum(out).getBytes(StandardCharsets.US_ASCII));
        return out;
    }

    private Map<String, byte[]> edit(Consumer<ObjectNode> change) throws IOException {
        Map<String, byte[]> e = copy(good);
        ObjectNode m = manifest(e);
        change.accept(m);
        e.put(Checkpoint.MANIFEST, JSON.writeValueAsBytes(m));
        return fixed(e);
    }

    private static ObjectNode manifest(Map<String, byte[]> e) throws IOException {
        return (ObjectNode) JSON.readTree(e.get(Checkpoint.MANIFEST));
    }

    private static ObjectNode state(ObjectNode m) {
        return (ObjectNode) m.get("state");
    }

    private static ObjectNode progress(ObjectNode m) {
        return (ObjectNode) state(m).get("position");
    }

    private String arrayEntry(String part, String name) throws IOException {
        return manifest(good).path("state").path(part).path(name).textValue();
    }

    private static byte[] bytes(ByteBuffer b) {
        return java.util.Arrays.copyOf(b.array(), b.position());
    }

    /** An array header: magic, element size, rank, shape; room for 8 bytes of data after it. */
    private static ByteBuffer header(int size, long... shape) {
        ByteBuffer b = ByteBuffer.allocate(6 + 8 * shape.length + 28).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0x474C4131).put((byte) size).put((byte) shape.length);
        for (long s : shape) {
            b.putLong(s);
        }
        return b;
    }
}
