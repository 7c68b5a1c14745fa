package org.gradlab.experiment.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;
import org.gradlab.experiment.spec.DataSpec;
import org.gradlab.experiment.spec.RunSpec;
import org.gradlab.experiment.spec.SpecCodec;
import org.gradlab.experiment.spec.SpecException;
import org.gradlab.train.AtomicFile;

/**
 * The finished runs of a study, one JSON file per run ({@link RunSpec#fileName()}), each written
 * atomically (temporary file, then rename) as its run ends. A saved run is trusted only after it
 * is verified ({@link #find}): its size is bounded before it is read (by the steps its spec can
 * take), it decodes strictly as a {@link RunResult} of exactly the spec asked for, its numbers are
 * in range and its series as long as its steps, its SHA-256 matches, and it was made by the same
 * numerics ({@link #NUMERICS}). Anything else is {@link Found#stale} with the reason, to be run
 * again; nothing in a file can make the study fail.
 *
 * <p>File layout: {@code {"format": 1, "numerics": "...", "code": "...", "sha256": "...", "result": {...}}},
 * the checksum over the result's JSON as written.
 *
 * <p>The files live in a folder of this machine ({@link #RunStore(Path)}) or behind any {@link Folder}
 * (gradlab-spark's reaches Hadoop's filesystems: HDFS, S3, ...).
 */
public final class RunStore {
    /**
     * The version of the numbers a run produces: bump it with any change that moves a run's
     * results (an operation order, a kernel, a default), so saved runs of older code are run again.
     */
    public static final String NUMERICS = "2026-12-04.3";   // .2: recurrent kernels feature-major, activation probe in batches; .3: forecaster signals recorded
    private static final int FORMAT = 1;
    private final Path dir;
    private final Folder folder;

    /** The runs in {@code dir}, a folder of this machine. */
    public RunStore(Path dir) {
        this(dir, new LocalFolder(dir));
    }

    /** The runs in {@code folder}, on any filesystem. */
    public RunStore(Folder folder) {
        this(null, folder);
    }

    private RunStore(Path dir, Folder folder) {
        this.dir = dir;
        this.folder = Objects.requireNonNull(folder, "folder");
    }

    /** Where the files are on this machine, or null when they are in another filesystem's {@link Folder}. */
    public Path dir() {
        return dir;
    }

    /**
     * A flat folder of files a store reads and writes by name, on any filesystem.
     * Implementations must be safe to call from several threads.
     */
    public interface Folder {
        /**
         * The size in bytes of the file {@code name}: -1 when there is nothing of that name, a
         * {@link NotAFile} when it is not a regular file.
         */
        long size(String name) throws IOException;

        /** The first {@code bytes} bytes of the file {@code name}. */
        byte[] read(String name, int bytes) throws IOException;

        /**
         * Writes the file {@code name} whole or not at all: into a temporary file beside it, then
         * renamed over it, so a reader never sees part of it.
         */
        void write(String name, byte[] bytes) throws IOException;

        /** Where the file {@code name} is, for people: a path or a URI. */
        String where(String name);
    }

    /** What {@link Folder#size} throws for a name that is there but is not a regular file. */
    public static final class NotAFile extends IOException {
        public NotAFile() {
            super("not a regular file");
        }
    }

    /** A {@link Folder} on this machine. */
    private record LocalFolder(Path dir) implements Folder {
        @Override
        public long size(String name) throws IOException {
            Path f = dir.resolve(name);
            if (!Files.exists(f)) {
                return -1;
            }
            if (!Files.isRegularFile(f)) {
                throw new NotAFile();
            }
            return Files.size(f);
        }

        @Override
        public byte[] read(String name, int bytes) throws IOException {
            try (InputStream in = Files.newInputStream(dir.resolve(name))) {
                return in.readNBytes(bytes);
            }
        }

        @Override
        public void write(String name, byte[] bytes) throws IOException {
            AtomicFile.write(dir.resolve(name), out -> out.write(bytes));
        }

        @Override
        public String where(String name) {
            return dir.resolve(name).toString();
        }
    }

    /** What {@link #find} found: a verified result, nothing, or a file that cannot be trusted and why. */
    public record Found(RunResult result, String stale) {
        static final Found NOTHING = new Found(null, null);

        public boolean present() {
            return result != null;
        }
    }

    /**
     * The saved result of {@code spec}: verified, absent, or stale with its reason, which starts
     * with the file ({@code runs/p__c__seed0.json: checksum does not match its content}); never an
     * exception for a bad file.
     */
    public Found find(RunSpec spec) {
        String f = spec.fileName();
        Found found = look(f, spec);
        return found.stale() == null ? found : new Found(null, folder.where(f) + ": " + found.stale());
    }

    private Found look(String f, RunSpec spec) {
        try {
            long size = folder.size(f);
            if (size < 0) {
                return Found.NOTHING;
            }
            long bound = maxBytes(spec);
            if (size > bound) {
                return stale(String.format(java.util.Locale.ROOT, "%,d bytes, more than the %,d a run of its spec can take",
                        size, bound));
            }
            return verify(spec, SpecCodec.parse(new String(folder.read(f, (int) size), StandardCharsets.UTF_8)));
        } catch (NoSuchFileException e) {
            return Found.NOTHING;
        } catch (NotAFile e) {
            return stale(e.getMessage());
        } catch (SpecException e) {
            return stale(e.getMessage());
        } catch (IOException | RuntimeException e) {
            return stale(e.getClass().getSimpleName() + ": " + firstLine(e.getMessage()));
        }
    }

    private static Found verify(RunSpec spec, JsonNode root) {
        if (root == null || !root.isObject()) {
            return stale("not a JSON object");
        }
        if (root.path("format").asInt(-1) != FORMAT) {
            return stale("format " + root.path("format") + ", expected " + FORMAT);
        }
        if (!NUMERICS.equals(root.path("numerics").asText(null))) {
            return stale("made by numerics " + root.path("numerics") + ", this code is " + NUMERICS);
        }
        JsonNode result = root.get("result");
        if (result == null || !result.isObject()) {
            return stale("no result");
        }
        if (!sha256(result.toString()).equals(root.path("sha256").asText(""))) {
            return stale("checksum does not match its content");
        }
        RunResult r;
        try {
            r = SpecCodec.decode(result, RunResult.class);
        } catch (SpecException e) {
            return stale("not a run result (" + e.getMessage() + ")");
        }
        if (!r.spec().equals(spec)) {
            return stale("saved for another spec");
        }
        String bad = outOfRange(r);
        return bad != null ? stale(bad) : new Found(r, null);
    }

    /** The first number or series of {@code r} that a real run cannot have, or null. */
    static String outOfRange(RunResult r) {
        RunResult.End e = r.end();
        int epochs = r.spec().epochs();
        if (r.failed()) {
            return r.series().gradNorms().length == 0 ? null : "a failed run with recorded steps";
        }
        if (!(e.testAccuracy() >= 0 && e.testAccuracy() <= 1)) {
            return "testAccuracy " + e.testAccuracy() + " is not in [0, 1]";
        }
        if (e.epochTestAccuracy().length > epochs || e.epochTrainLoss().length != e.epochTestAccuracy().length) {
            return "per-epoch series of " + e.epochTestAccuracy().length + " and " + e.epochTrainLoss().length
                    + " for " + epochs + " epochs";
        }
        for (double a : e.epochTestAccuracy()) {
            if (!(a >= 0 && a <= 1)) {
                return "an epoch's test accuracy " + a + " is not in [0, 1]";
            }
        }
        int steps = r.series().gradNorms().length;
        if (steps == 0 || r.series().lrs().length != steps) {
            return steps + " grad norms and " + r.series().lrs().length + " rates; expected as many, at least one";
        }
        for (double lr : r.series().lrs()) {
            if (!(lr >= 0) || Double.isInfinite(lr)) {
                return "a learning rate " + lr + " is not finite and >= 0";
            }
        }
        RunResult.Norms n = r.norms();
        if (n.firstOver1e3() >= steps || n.firstOver10() >= steps || n.firstOver100() >= steps || e.divergedAt() >= steps
                || !(n.clippedShare() >= 0 && n.clippedShare() <= 1)) {
            return "a step index or share outside the " + steps + " steps recorded";
        }
        if (e.divergedAt() >= 0 && e.divergedAt() != steps - 1) {
            return "diverged at step " + e.divergedAt() + " but recorded " + steps + " steps";
        }
        RunResult.Watch w = r.watch();
        if (w.losses().length != w.updateRatios().length || w.losses().length != 0 && w.losses().length != steps) {
            return w.losses().length + " losses and " + w.updateRatios().length + " update ratios for " + steps + " steps";
        }
        long previous = -1;
        for (var sample : w.sharpness()) {
            if (sample.step() <= previous || sample.step() >= steps) {
                return "a sharpness sample at step " + sample.step() + " out of order or outside the " + steps + " steps recorded";
            }
            previous = sample.step();
        }
        RunResult.Layers l = r.layers();
        if (l.step0().length != l.names().size() || l.atExplosion().length != 0 && l.atExplosion().length != l.names().size()
                || l.traceStride() < 1 || (long) l.trace().length * l.traceStride() < steps
                || java.util.Arrays.stream(l.trace()).anyMatch(c -> c.length != l.names().size())) {
            return "per-layer records do not fit " + l.names().size() + " layers and " + steps + " steps";
        }
        return null;
    }

    /** Writes {@code result} atomically, with its checksum and the numerics that made it; returns where it went. */
    public String save(RunResult result) throws IOException {
        JsonNode body = SpecCodec.encode(result);
        ObjectNode root = SpecCodec.JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("numerics", NUMERICS);
        root.put("code", codeVersion());
        root.put("sha256", sha256(body.toString()));
        root.set("result", body);
        folder.write(result.spec().fileName(), SpecCodec.JSON.writeValueAsBytes(root));
        return folder.where(result.spec().fileName());
    }

    /**
     * The size a saved run of {@code spec} can reach: a megabyte plus about 200 bytes per step it
     * can take ({@link Budget#MAX_STEPS} at most; a step's four numbers, gradient norm, rate, loss
     * and update ratio, take about 80), and never more than a sixteenth of the heap, so that
     * reading one (its text, the parsed tree, the text the checksum covers) cannot exhaust it.
     */
    static long maxBytes(RunSpec spec) {
        DataSpec d = spec.data();
        long train = d instanceof DataSpec.Digits g ? g.train() : 10_000_000L;
        long steps = (long) spec.epochs() * ((train + d.batch() - 1) / d.batch());
        return Math.min((1L << 20) + 200 * Math.min(steps, Budget.MAX_STEPS), Runtime.getRuntime().maxMemory() / 16);
    }

    private static String codeVersion() {
        String v = RunStore.class.getPackage().getImplementationVersion();
        return v == null ? "development" : v;
    }

    private static Found stale(String why) {
        return new Found(null, why);
    }

    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String firstLine(String s) {
        return s == null ? "" : s.lines().findFirst().orElse("");
    }
}
