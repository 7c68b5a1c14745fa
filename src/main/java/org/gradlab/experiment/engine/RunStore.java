package org.gradlab.experiment.engine;

import org.gradlab.experiment.spec.RunSpec;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.gradlab.train.AtomicFile;

/**
 * The finished runs of a study, one JSON file per run ({@link RunSpec#fileName()}), each written
 * atomically (temporary file, then rename) as its run ends. A stored run counts only if its spec
 * equals the one asked for; a damaged or foreign file is run again and overwritten.
 */
public final class RunStore {
    /** Reads and writes specs and results; NaN and infinities as JSON's non-standard tokens. */
    public static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .disable(com.fasterxml.jackson.core.json.JsonWriteFeature.WRITE_NAN_AS_STRINGS)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .build();
    private static final long MAX_FILE = 64L << 20;
    private final Path dir;

    public RunStore(Path dir) {
        this.dir = dir;
    }

    /** The stored result of {@code spec}, if there is one for exactly this spec. */
    public Optional<RunResult> find(RunSpec spec) {
        Path f = dir.resolve(spec.fileName());
        try {
            if (!Files.isRegularFile(f) || Files.size(f) > MAX_FILE) {
                return Optional.empty();
            }
            RunResult r = JSON.readValue(f.toFile(), RunResult.class);
            return r.spec().equals(spec) ? Optional.of(r) : Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();   // damaged: the run is done again
        }
    }

    /** Writes {@code result} atomically. */
    public Path save(RunResult result) throws IOException {
        return AtomicFile.write(dir.resolve(result.spec().fileName()), out -> JSON.writeValue(out, result));
    }
}
