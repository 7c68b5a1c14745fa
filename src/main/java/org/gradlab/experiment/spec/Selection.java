package org.gradlab.experiment.spec;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Which runs a study runs: the parts and configurations of a design (the default {@link Design}
 * or a grid file), the seeds and the epochs, expanded into one {@link RunSpec} per configuration
 * and seed (configurations first). The command line, notebooks and Java code all select runs
 * through it; a bad choice is an {@link IllegalArgumentException} whose one-line message names
 * the option and what was expected, before any run starts.
 *
 * <pre>{@code
 * List<RunSpec> runs = Selection.defaults().withParts(List.of("clipping")).withSeeds(List.of(0L, 1L)).runs();
 * List<RunSpec> quick = Selection.defaults().withQuick(true).runs();      // seed 0, 2 epochs, every part
 * }</pre>
 *
 * @param parts   parts to run (null: the design's defaults, every part of a grid or a quick study)
 * @param configs only these configurations (null: all)
 * @param seeds   the seeds (null: 0, 1, 2; 0 for a quick study)
 * @param epochs  epochs per run (null: 10, a grid's own, or 2 for a quick study)
 * @param quick   seed 0, 2 epochs, a few configurations of the costly parts
 * @param grid    a grid file to run instead of the default design, or null
 */
public record Selection(List<String> parts, List<String> configs, List<Long> seeds, Integer epochs, boolean quick, Path grid) {
    /** Most seeds a study may run. */
    public static final int MAX_SEEDS = 1000;
    /** Most runs a study may have. */
    public static final int MAX_RUNS = 20_000;
    /** Largest grid file read. */
    public static final long MAX_GRID = 1L << 20;

    /** A grid file that cannot be read or holds a bad spec: one line naming the file, the entry and what is wrong. */
    public static final class GridException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        GridException(Path file, String problem) {
            super("--grid " + file + problem);
        }
    }

    public Selection {
        parts = parts == null ? null : List.copyOf(parts);
        configs = configs == null ? null : List.copyOf(configs);
        seeds = seeds == null ? null : List.copyOf(seeds);
    }

    /** The default study: the design's default parts, seeds 0, 1, 2, 10 epochs. */
    public static Selection defaults() {
        return new Selection(null, null, null, null, false, null);
    }

    public Selection withParts(List<String> p) {
        return new Selection(p, configs, seeds, epochs, quick, grid);
    }

    public Selection withConfigs(List<String> c) {
        return new Selection(parts, c, seeds, epochs, quick, grid);
    }

    public Selection withSeeds(List<Long> s) {
        return new Selection(parts, configs, s, epochs, quick, grid);
    }

    public Selection withEpochs(Integer e) {
        return new Selection(parts, configs, seeds, e, quick, grid);
    }

    public Selection withQuick(boolean q) {
        return new Selection(parts, configs, seeds, epochs, q, grid);
    }

    public Selection withGrid(Path g) {
        return new Selection(parts, configs, seeds, epochs, quick, g);
    }

    /** The runs selected, configurations first, each over the seeds. */
    public List<RunSpec> runs() {
        if (epochs != null && (epochs < 1 || epochs > RunSpec.MAX_EPOCHS)) {
            throw new IllegalArgumentException("--epochs must be in [1, " + RunSpec.MAX_EPOCHS + "], got " + epochs);
        }
        Map<String, List<RunSpec>> design = grid == null ? Design.parts() : readGrid(grid);
        List<String> chosen = parts != null ? parts : grid != null || quick ? List.copyOf(design.keySet()) : Design.DEFAULT_PARTS;
        List<RunSpec> picked = new ArrayList<>();
        for (String p : chosen) {
            if (!design.containsKey(p)) {
                throw new IllegalArgumentException("unknown part '" + p + "' (known: " + String.join(", ", design.keySet()) + ")");
            }
            picked.addAll(quick && configs == null && grid == null ? Design.quick(p, design.get(p)) : design.get(p));
        }
        if (configs != null) {
            List<String> known = picked.stream().map(RunSpec::config).distinct().toList();
            for (String c : configs) {
                if (!known.contains(c)) {
                    throw new IllegalArgumentException("unknown config '" + c + "' in parts " + chosen + " (known: "
                            + String.join(", ", known) + ")");
                }
            }
            picked.removeIf(r -> !configs.contains(r.config()));
        }
        List<Long> s = seedList();
        if ((long) picked.size() * s.size() > MAX_RUNS) {
            throw new IllegalArgumentException(picked.size() + " configurations x " + s.size() + " seeds is "
                    + (long) picked.size() * s.size() + " runs, more than " + MAX_RUNS + "; run fewer at a time");
        }
        Integer e = epochs != null ? epochs : quick ? Integer.valueOf(2) : null;
        List<RunSpec> runs = new ArrayList<>();
        for (RunSpec c : picked) {
            for (long seed : s) {
                runs.add(e == null ? c.withSeed(seed) : c.withEpochs(e).withSeed(seed));
            }
        }
        return runs;
    }

    private List<Long> seedList() {
        if (seeds == null) {
            return quick ? List.of(0L) : Design.SEEDS;
        }
        if (seeds.isEmpty()) {
            throw new IllegalArgumentException("--seeds is empty, expected at least one seed such as 0,1,2");
        }
        if (seeds.size() > MAX_SEEDS) {
            throw new IllegalArgumentException("--seeds lists " + seeds.size() + " seeds, more than " + MAX_SEEDS);
        }
        if (seeds.stream().distinct().count() != seeds.size()) {
            throw new IllegalArgumentException("--seeds repeats a seed: " + seeds);
        }
        return seeds;
    }

    /**
     * A grid file: a JSON array of run specs ({@link SpecCodec}, without seeds), grouped by part
     * in file order. One line names the file, the entry and what is wrong.
     */
    public static Map<String, List<RunSpec>> readGrid(Path file) {
        Objects.requireNonNull(file, "file");
        JsonNode root;
        try {
            if (!Files.isRegularFile(file)) {
                throw new GridException(file, " is not a readable file");
            }
            if (Files.size(file) > MAX_GRID) {
                throw new GridException(file, " is larger than 1 MiB; a grid is a short list of run specs");
            }
            root = SpecCodec.parse(Files.readString(file));
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new GridException(file, " is not UTF-8 text; a grid is a JSON array of run specs");
        } catch (IOException e) {
            throw new GridException(file, " cannot be read (" + e.getClass().getSimpleName() + ")");
        } catch (SpecException e) {
            throw new GridException(file, ": " + e.getMessage());
        }
        if (!root.isArray() || root.isEmpty()) {
            throw new GridException(file, ": expected a non-empty JSON array of run specs");
        }
        Map<String, List<RunSpec>> parts = new LinkedHashMap<>();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < root.size(); i++) {
            JsonNode n = root.get(i);
            if (n.isObject() && n.has("seed")) {
                throw new GridException(file, ": entry " + i + ": seed: give seeds with --seeds, not in the grid");
            }
            RunSpec spec;
            try {
                spec = SpecCodec.decode(n, RunSpec.class);
            } catch (SpecException e) {
                throw new GridException(file, ": entry " + i + ": " + e.getMessage());
            }
            if (ids.contains(spec.part() + "/" + spec.config())) {
                throw new GridException(file, ": entry " + i + ": configuration " + spec.part() + "/" + spec.config()
                        + " appears twice");
            }
            ids.add(spec.part() + "/" + spec.config());
            parts.computeIfAbsent(spec.part(), k -> new ArrayList<>()).add(spec);
        }
        return parts;
    }
}
