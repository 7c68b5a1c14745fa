package org.gradlab.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * Saves a trainer's whole {@link TrainState} to a file and restores it, strictly: a resumed run
 * continues bit for bit (parameters and buffers, update rule and its state, schedule position,
 * plateau, AutoClip and ZClip, the monitor, every random generator, mid-epoch position, history).
 *
 * <p>Format (version 2): a zip of flat-named entries and no Java serialization.
 * {@code manifest.json} holds {@code format}, {@code version}, the parameters' {@code dtype} and
 * the state tree; arrays are binary entries with their own header ({@code "GLA1"}, element size,
 * rank, shape, little-endian data); growing logs (history, monitor records) are JSON entries;
 * {@code checksum.sha256} is a SHA-256 over every other entry (name, length and bytes, in name
 * order), the manifest included. The checksum detects corruption (a flipped bit, a truncated
 * copy), not deliberate tampering: anyone can recompute it. The file is written to a temporary
 * file and renamed, so a crash never leaves half a checkpoint where a good one was.
 *
 * <p>{@link #restore} trusts nothing in the file. It reads at most a bounded number of bytes,
 * refuses path-like, duplicate, missing and extra entry names, checks the checksum, the format,
 * version, dtype and update rule (naming both sides when they differ), then reads the state
 * against the trainer's own: every field's type and range, every map's keys, every array's dtype
 * and shape against the trainer's and against the entry's byte length before allocating it. No
 * class is loaded by a name from the file: every type is the trainer's. Any failure is a
 * {@link CheckpointException} naming the file, the entry or field, and what was expected, and
 * leaves the trainer exactly as it was.
 *
 * <pre>{@code
 * TrainerBuilder recipe = Trainer.builder(model).lr(1e-3).optimizer(Optimizer.of(Adam.defaults()));
 * recipe.callback(Checkpoint.everySteps(500, Path.of("run.ckpt"))).build().fit(split.train(), split.test());
 * Trainer fresh = recipe.build();                     // built the same way, later or in another JVM
 * Checkpoint.restore(fresh, Path.of("run.ckpt"));     // fit() goes on from there
 * }</pre>
 */
public final class Checkpoint {
    static final String FORMAT = "gradlab-checkpoint";
    static final int VERSION = 2;
    static final String MANIFEST = "manifest.json";
    static final String CHECKSUM = "checksum.sha256";
    private static final int MAX_ENTRIES = 10_000;
    private static final long MAX_MANIFEST = 16L << 20;
    private static final Pattern FLAT_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    private static final Set<String> TOP = Set.of("format", "version", "dtype", "state");
    private static final ObjectMapper JSON = new ObjectMapper();

    private Checkpoint() {
    }

    /** Writes the trainer's {@link Trainer#state()} to {@code file} atomically. */
    public static Path save(Trainer trainer, Path file) throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        ObjectNode m = JSON.createObjectNode();
        m.put("format", FORMAT).put("version", VERSION).put("dtype", dtype(trainer));
        m.set("state", StateCodec.encode(trainer.state(), entries));
        entries.put(MANIFEST, JSON.writeValueAsBytes(m));
        byte[] sum = checksum(entries).getBytes(StandardCharsets.US_ASCII);
        return AtomicFile.write(file, out -> {
            try (ZipOutputStream zip = new ZipOutputStream(out)) {
                put(zip, MANIFEST, entries.get(MANIFEST));
                for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                    if (!e.getKey().equals(MANIFEST)) {
                        put(zip, e.getKey(), e.getValue());
                    }
                }
                put(zip, CHECKSUM, sum);
            }
        });
    }

    /** A callback that saves to {@code file} after every {@code n}-th step of {@link Trainer#fit}. */
    public static Callback everySteps(long n, Path file) {
        requirePositive("everySteps", n);
        return new Callback() {
            @Override
            public void afterUpdate(StepContext s) {
                if (s.result() != null && s.trainer().step() % n == 0 && !s.rolledBack()) {
                    saveUnchecked(s.trainer(), file);
                }
            }
        };
    }

    /** A callback that saves to {@code file} after every {@code n}-th epoch. */
    public static Callback everyEpochs(int n, Path file) {
        requirePositive("everyEpochs", n);
        return new Callback() {
            @Override
            public void onEpochEnd(Trainer trainer, EpochResult epoch) {
                if (epoch.epoch() % n == 0) {
                    saveUnchecked(trainer, file);
                }
            }
        };
    }

    private static void saveUnchecked(Trainer trainer, Path file) {
        try {
            save(trainer, file);
        } catch (IOException e) {
            throw new UncheckedIOException("checkpoint: cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private static void requirePositive(String who, long n) {
        if (n <= 0) {
            throw new IllegalArgumentException("checkpoint." + who + ": n must be > 0, got " + n);
        }
    }

    /**
     * Restores {@code file} into {@code trainer}, which must have the same model structure,
     * optimizer rule and groups, gradient transforms, plateau and monitor settings as the one
     * saved. Nothing changes unless all of it fits.
     *
     * @throws NoSuchFileException when there is no such file
     * @throws CheckpointException when the file is damaged, foreign or does not fit
     */
    public static void restore(Trainer trainer, Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "checkpoint not found");
        }
        restore(trainer, file.toString(), read(file, 64L * 1024 * 1024 + 64 * trainer.model().paramCount()));
    }

    /** Restores from the entries of a checkpoint read from {@code file} (a name for messages); takes them apart. */
    static void restore(Trainer trainer, String file, Map<String, byte[]> entries) throws CheckpointException {
        byte[] sum = entries.remove(CHECKSUM);
        if (sum == null) {
            throw new CheckpointException(file + ": not a gradlab checkpoint (no " + CHECKSUM + ")");
        }
        if (!entries.containsKey(MANIFEST)) {
            throw new CheckpointException(file + ": not a gradlab checkpoint (no " + MANIFEST + ")");
        }
        if (!checksum(entries).equals(new String(sum, StandardCharsets.US_ASCII))) {
            throw new CheckpointException(file + ": corrupted: the SHA-256 of its content does not match " + CHECKSUM);
        }
        JsonNode m;
        try {
            m = JSON.readTree(entries.remove(MANIFEST));
        } catch (IOException e) {
            throw new CheckpointException(file + ": " + MANIFEST + " is not valid JSON");
        }
        if (m == null || !m.isObject()) {
            throw new CheckpointException(file + ": " + MANIFEST + " must be a JSON object");
        }
        for (Iterator<String> it = m.fieldNames(); it.hasNext();) {
            String f = it.next();
            if (!TOP.contains(f)) {
                throw new CheckpointException(file + ": " + MANIFEST + " has an unknown field '" + f + "'; expected " + TOP);
            }
        }
        if (!FORMAT.equals(m.path("format").textValue())) {
            throw new CheckpointException(file + ": not a gradlab checkpoint (format " + m.path("format") + ")");
        }
        if (!m.path("version").isInt() || m.path("version").intValue() != VERSION) {
            throw new CheckpointException(file + ": checkpoint version " + m.path("version")
                    + " is not supported; this gradlab reads version " + VERSION);
        }
        if (!dtype(trainer).equals(m.path("dtype").textValue())) {
            throw new CheckpointException(file + ": dtype: the checkpoint holds " + m.path("dtype")
                    + " parameters but this trainer's are " + dtype(trainer));
        }
        JsonNode rule = m.path("state").path("optimizer").path("rule");
        String ours = trainer.optimizer().rule().toString();
        if (!ours.equals(rule.textValue())) {
            throw new CheckpointException(file + ": optimizer: the checkpoint was written by " + rule
                    + " but this trainer uses " + ours);
        }
        TrainState state;
        try {
            state = StateCodec.decode(m.path("state"), entries, trainer.state());
        } catch (StateCodec.Invalid e) {
            throw new CheckpointException(file + ": " + e.getMessage());
        }
        try {
            trainer.restore(state);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(file + ": does not fit this trainer: " + e.getMessage(), e);
        }
    }

    /** Every entry's bytes, after checking names and counts; at most {@code cap} bytes in all are read. */
    private static Map<String, byte[]> read(Path file, long cap) throws CheckpointException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        long total = 0;
        try (ZipFile zip = new ZipFile(file.toFile())) {
            if (zip.size() > MAX_ENTRIES) {
                throw new CheckpointException(file + ": holds " + zip.size() + " entries, more than the " + MAX_ENTRIES
                        + " a checkpoint may have");
            }
            for (ZipEntry e : Collections.list(zip.entries())) {
                String name = e.getName();
                if (!FLAT_NAME.matcher(name).matches() || name.contains("..")) {
                    throw new CheckpointException(file + ": entry '" + name + "' is not a flat name (letters, digits, "
                            + "'.', '_', '-'; no '/' or '..')");
                }
                if (out.containsKey(name)) {
                    throw new CheckpointException(file + ": entry " + name + " appears twice");
                }
                long limit = name.equals(MANIFEST) ? MAX_MANIFEST : cap - total;
                byte[] b;
                try (InputStream in = zip.getInputStream(e)) {
                    b = readAtMost(in, limit);
                }
                if (b == null) {
                    throw new CheckpointException(file + ": entry " + name + (name.equals(MANIFEST)
                            ? " holds more than " + MAX_MANIFEST + " bytes"
                            : " takes the content past the " + cap + " bytes a checkpoint of this trainer may hold"));
                }
                total += b.length;
                out.put(name, b);
            }
        } catch (CheckpointException e) {
            throw e;
        } catch (IOException e) {
            throw new CheckpointException(file + ": not a complete gradlab checkpoint (truncated or not a zip file: "
                    + e.getMessage() + ")", e);
        }
        return out;
    }

    /** The stream's bytes, or null if it holds more than {@code limit}; memory grows only with what is there. */
    private static byte[] readAtMost(InputStream in, long limit) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[1 << 16];
        long n = 0;
        for (int r; (r = in.read(buf)) > 0;) {
            n += r;
            if (n > limit) {
                return null;
            }
            out.write(buf, 0, r);
        }
        return out.toByteArray();
    }

    private static void put(ZipOutputStream zip, String name, byte[] b) throws IOException {
        zip.putNextEntry(new ZipEntry(name));
        zip.write(b);
        zip.closeEntry();
    }

    /** SHA-256 over every entry (checksum excluded) in name order: name, 0, length, bytes. */
    static String checksum(Map<String, byte[]> entries) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            for (Map.Entry<String, byte[]> e : new TreeMap<>(entries).entrySet()) {
                d.update(e.getKey().getBytes(StandardCharsets.UTF_8));
                d.update((byte) 0);
                d.update(ByteBuffer.allocate(8).putLong(e.getValue().length).array());
                d.update(e.getValue());
            }
            return HexFormat.of().formatHex(d.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String dtype(Trainer t) {
        return t.params().values().stream().findFirst().map(p -> p.value().dataType().name()).orElse("NONE");
    }
}
