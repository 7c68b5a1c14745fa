package org.gradlab.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.gradlab.nn.Param;
import org.gradlab.nn.Rng;
import org.gradlab.optim.States;
import org.gradlab.schedule.Plateau;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Saves and restores everything a run needs to continue bit for bit: parameters and buffers,
 * optimizer state, the step and epoch reached (the schedule is a function of the step), the
 * plateau state, the rate cuts of roll-backs, and every random generator (batch order, dropout
 * masks). A {@code Monitor}'s records are not part of it.
 *
 * <p>The file is a zip: {@code manifest.json} (format, version, positions, generator states, and
 * a SHA-256 of every array entry) and one entry per array in ND4J's binary format; no Java
 * serialization. It is written to a temporary file and renamed, so a crash never leaves half a
 * checkpoint where a good one was. {@link #restore} reads and checks the whole file against the
 * trainer before it changes anything, so a truncated, corrupted or foreign file leaves the
 * running model as it was.
 *
 * <pre>{@code
 * Checkpoint.save(trainer, Path.of("run.ckpt"));     // e.g. from a listener at epoch end
 * Checkpoint.restore(fresh, Path.of("run.ckpt"));     // same configuration; fit() goes on from there
 * }</pre>
 */
public final class Checkpoint {
    static final String FORMAT = "gradlab-checkpoint";
    static final int VERSION = 1;
    private static final ObjectMapper JSON = new ObjectMapper();

    private Checkpoint() {
    }

    /** Writes the trainer's state to {@code file} atomically. */
    public static Path save(Trainer trainer, Path file) throws IOException {
        Map<String, byte[]> arrays = new LinkedHashMap<>();
        ObjectNode m = JSON.createObjectNode();
        m.put("format", FORMAT).put("version", VERSION);
        m.put("step", trainer.step()).put("epochsDone", trainer.epochsDone());
        m.put("shuffleRng", trainer.shuffleRng().state());
        m.put("lrScale", Double.toString(trainer.lrScale())).put("rollbacks", trainer.rollbacks());
        ObjectNode rngs = m.putObject("rngs");
        trainer.model().namedRngs().forEach((n, r) -> rngs.put(n, r.state()));
        trainer.model().stateDict().forEach((n, a) -> arrays.put("model/" + n, bytes(a)));
        ObjectNode opt = m.putObject("optimizer");
        for (Map.Entry<String, Record> e : trainer.optimizer().state().entrySet()) {
            ObjectNode s = opt.putObject(e.getKey());
            s.put("type", e.getValue().getClass().getName());
            ObjectNode fields = s.putObject("fields");
            States.components(e.getValue()).forEach((name, v) -> {
                if (v == null) {
                    fields.putNull(name);
                } else if (v instanceof INDArray a) {
                    String entry = "optimizer/" + e.getKey() + "/" + name;
                    arrays.put(entry, bytes(a));
                    fields.put(name, entry);
                } else {
                    fields.put(name, ((Number) v).longValue());
                }
            });
        }
        if (trainer.plateau() != null) {
            Plateau.State p = trainer.plateau().state();
            m.putObject("plateau").put("best", Double.toString(p.best())).put("badEpochs", p.badEpochs())
                    .put("cooldownCounter", p.cooldownCounter()).put("scale", Double.toString(p.scale()))
                    .put("reductions", p.reductions());
        }
        ObjectNode sums = m.putObject("sha256");
        arrays.forEach((n, b) -> sums.put(n, sha256(b)));
        return AtomicFile.write(file, out -> {
            try (ZipOutputStream zip = new ZipOutputStream(out)) {
                zip.putNextEntry(new ZipEntry("manifest.json"));
                zip.write(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(m));
                zip.closeEntry();
                for (Map.Entry<String, byte[]> e : arrays.entrySet()) {
                    zip.putNextEntry(new ZipEntry(e.getKey()));
                    zip.write(e.getValue());
                    zip.closeEntry();
                }
            }
        });
    }

    /**
     * Restores {@code file} into {@code trainer}, which must have the same model structure,
     * optimizer rule and plateau setting as the one saved. Nothing changes unless all of it fits.
     */
    public static void restore(Trainer trainer, Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "checkpoint not found");
        }
        Map<String, byte[]> entries = new LinkedHashMap<>();
        try (ZipFile zip = new ZipFile(file.toFile())) {
            for (ZipEntry e : java.util.Collections.list(zip.entries())) {
                try (InputStream in = zip.getInputStream(e)) {
                    entries.put(e.getName(), in.readAllBytes());
                }
            }
        } catch (java.util.zip.ZipException e) {
            throw new CheckpointException(file + ": not a complete gradlab checkpoint (truncated or not a zip file: "
                    + e.getMessage() + ")", e);
        }
        Loaded loaded = parse(file, entries, trainer);
        apply(trainer, loaded);
    }

    private record Loaded(JsonNode manifest, Map<String, INDArray> model, Map<String, Record> optimizer,
            Map<String, Rng> rngs, Plateau.State plateau) {
    }

    /** Reads and checks everything; throws before anything in the trainer changes. */
    private static Loaded parse(Path file, Map<String, byte[]> entries, Trainer trainer) throws CheckpointException {
        byte[] manifestBytes = entries.get("manifest.json");
        if (manifestBytes == null) {
            throw new CheckpointException(file + ": not a gradlab checkpoint (no manifest.json)");
        }
        JsonNode m;
        try {
            m = JSON.readTree(manifestBytes);
        } catch (IOException e) {
            throw new CheckpointException(file + ": manifest.json is not valid JSON", e);
        }
        if (!FORMAT.equals(m.path("format").asText())) {
            throw new CheckpointException(file + ": not a gradlab checkpoint (format '" + m.path("format").asText() + "')");
        }
        if (m.path("version").asInt() != VERSION) {
            throw new CheckpointException(file + ": checkpoint version " + m.path("version").asInt()
                    + " is not supported; this gradlab reads version " + VERSION);
        }
        Map<String, INDArray> arrays = new LinkedHashMap<>();
        for (var it = m.path("sha256").fields(); it.hasNext();) {
            var e = it.next();
            byte[] b = entries.get(e.getKey());
            if (b == null) {
                throw new CheckpointException(file + ": entry " + e.getKey() + " is missing");
            }
            if (!sha256(b).equals(e.getValue().asText())) {
                throw new CheckpointException(file + ": entry " + e.getKey() + " is corrupted (checksum mismatch)");
            }
            arrays.put(e.getKey(), array(b));
        }
        try {
            Map<String, INDArray> model = new LinkedHashMap<>();
            arrays.forEach((n, a) -> {
                if (n.startsWith("model/")) {
                    model.put(n.substring("model/".length()), a);
                }
            });
            trainer.model().checkStateDict(model);
            Map<String, Rng> targets = trainer.model().namedRngs();
            Map<String, Long> rngStates = new LinkedHashMap<>();
            m.path("rngs").fields().forEachRemaining(e -> rngStates.put(e.getKey(), e.getValue().asLong()));
            if (!targets.keySet().equals(rngStates.keySet())) {
                throw new IllegalArgumentException("random generators " + rngStates.keySet() + " do not match the model's "
                        + targets.keySet());
            }
            Map<String, Record> optimizer = optimizerState(m.path("optimizer"), arrays, trainer);
            Plateau.State plateau = null;
            if (m.hasNonNull("plateau") != (trainer.plateau() != null)) {
                throw new IllegalArgumentException("the checkpoint " + (m.hasNonNull("plateau") ? "has" : "has no")
                        + " plateau state but the trainer " + (trainer.plateau() != null ? "has" : "has no") + " plateau");
            }
            if (m.hasNonNull("plateau")) {
                JsonNode p = m.get("plateau");
                plateau = new Plateau.State(Double.parseDouble(p.get("best").asText()), p.get("badEpochs").asInt(),
                        p.get("cooldownCounter").asInt(), Double.parseDouble(p.get("scale").asText()),
                        p.get("reductions").asInt());
            }
            return new Loaded(m, model, optimizer, targets, plateau);
        } catch (IllegalArgumentException | ReflectiveOperationException e) {
            throw new CheckpointException(file + ": does not fit this trainer: " + e.getMessage(), e);
        }
    }

    private static Map<String, Record> optimizerState(JsonNode opt, Map<String, INDArray> arrays, Trainer trainer)
            throws ReflectiveOperationException {
        Map<String, Param> params = trainer.model().namedParams();
        Map<String, Record> out = new LinkedHashMap<>();
        for (var it = opt.fields(); it.hasNext();) {
            var e = it.next();
            Param p = params.get(e.getKey());
            if (p == null) {
                throw new IllegalArgumentException("optimizer state for unknown parameter " + e.getKey());
            }
            String type = e.getValue().path("type").asText();
            Class<?> cls = Class.forName(type);
            if (!cls.isRecord() || !type.startsWith("org.gradlab.optim.")) {
                throw new IllegalArgumentException("optimizer state type " + type + " is not a gradlab optimizer state");
            }
            Map<String, Object> values = new LinkedHashMap<>();
            for (var f = e.getValue().path("fields").fields(); f.hasNext();) {
                var v = f.next();
                if (v.getValue().isNull()) {
                    values.put(v.getKey(), null);
                } else if (v.getValue().isTextual()) {
                    INDArray a = arrays.get(v.getValue().asText());
                    if (a == null || !java.util.Arrays.equals(a.shape(), p.value().shape())) {
                        throw new IllegalArgumentException("optimizer state " + v.getValue().asText() + " does not match "
                                + e.getKey() + java.util.Arrays.toString(p.value().shape()));
                    }
                    values.put(v.getKey(), a);
                } else {
                    values.put(v.getKey(), v.getValue().asLong());
                }
            }
            out.put(e.getKey(), States.create(cls, values));
        }
        return out;
    }

    private static void apply(Trainer trainer, Loaded l) {
        trainer.model().loadStateDict(l.model());
        l.manifest().path("rngs").fields().forEachRemaining(e -> l.rngs().get(e.getKey()).restore(e.getValue().asLong()));
        trainer.shuffleRng().restore(l.manifest().path("shuffleRng").asLong());
        trainer.optimizer().restoreState(l.optimizer());
        if (l.plateau() != null) {
            trainer.plateau().restore(l.plateau());
        }
        trainer.resumeAt(l.manifest().path("step").asLong(), l.manifest().path("epochsDone").asInt(),
                Double.parseDouble(l.manifest().path("lrScale").asText("1.0")), l.manifest().path("rollbacks").asInt(0));
    }


    private static byte[] bytes(INDArray a) {
        try {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            try (DataOutputStream out = new DataOutputStream(b)) {
                Nd4j.write(a, out);
            }
            return b.toByteArray();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Arrays restored from a checkpoint live across steps: never in a workspace. */
    private static INDArray array(byte[] b) {
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces();
                DataInputStream in = new DataInputStream(new ByteArrayInputStream(b))) {
            return Nd4j.read(in);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
