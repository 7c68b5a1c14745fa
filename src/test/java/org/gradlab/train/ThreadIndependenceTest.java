package org.gradlab.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.gradlab.cli.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fit gives the same bits whatever thread runs it and whatever thread settings the process
 * started with: {@link FitDigest} in child JVMs with {@code OMP_NUM_THREADS} unset (OpenBLAS and
 * ND4J then use every core), 1 and 4, and {@code OPENBLAS_NUM_THREADS=3}, each fit on a fresh
 * pooled thread, with and without the main thread calling {@code Backend.pinCallingThread()} first;
 * and in this JVM. A short study's runs.csv likewise.
 */
class ThreadIndependenceTest {
    @TempDir
    Path dir;

    /** Runs {@code mainClass args} in a child JVM with {@code env} changes (null removes); returns its stdout. */
    static String child(Map<String, String> env, String mainClass, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-Djava.awt.headless=true", "-Dorg.bytedeco.javacpp.maxBytes=0",
                "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0", "-cp", System.getProperty("java.class.path"), mainClass));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        env.forEach((k, v) -> {
            if (v == null) {
                pb.environment().remove(k);
            } else {
                pb.environment().put(k, v);
            }
        });
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "the child JVM finished");
        assertEquals(0, p.exitValue(), env + ": " + out);
        return out;
    }

    private static Map<String, String> env(String omp, String openblas) {
        Map<String, String> e = new LinkedHashMap<>();
        e.put("OMP_NUM_THREADS", omp);
        e.put("OPENBLAS_NUM_THREADS", openblas);
        return e;
    }

    @Test
    void aFitGivesTheSameBitsOnAnyThreadAndUnderAnyThreadSetting() throws Exception {
        String here = "digest " + FitDigest.digest();
        Map<String, String> digests = new LinkedHashMap<>();
        digests.put("OMP_NUM_THREADS unset", child(env(null, null), FitDigest.class.getName()));
        digests.put("OMP_NUM_THREADS unset, main thread pinned", child(env(null, null), FitDigest.class.getName(), "pin-main"));
        digests.put("OMP_NUM_THREADS=1", child(env("1", null), FitDigest.class.getName()));
        digests.put("OMP_NUM_THREADS=4", child(env("4", null), FitDigest.class.getName()));
        digests.put("OPENBLAS_NUM_THREADS=3", child(env(null, "3"), FitDigest.class.getName()));
        digests.forEach((setting, out) -> assertEquals(here, out.lines().filter(l -> l.startsWith("digest ")).findFirst()
                .orElse(out), setting + " (this JVM: " + System.getenv("OMP_NUM_THREADS") + ")"));
    }

    /** Two runs of the quick study (a clipped deep MLP, the unclipped tanh RNN at the edge of chaos), 1 epoch. */
    @Test
    void aStudyWritesTheSameRunsCsvUnderAnyThreadSetting() throws Exception {
        Map<String, List<String>> tables = new LinkedHashMap<>();
        for (String omp : new String[] {null, "1", "4"}) {
            Path out = dir.resolve("study-omp-" + omp);
            child(env(omp, null), Main.class.getName(), "study", "--quick", "--epochs", "1", "--configs", "A_norm_1,rnn_sgd0.2",
                    "--out", out.toString());
            tables.put("OMP_NUM_THREADS=" + omp, withoutColumn(Files.readAllLines(out.resolve("runs.csv")), "seconds"));
        }
        List<String> first = tables.values().iterator().next();
        assertEquals(3, first.size(), "a header and two runs: " + first);
        tables.forEach((setting, rows) -> {
            assertEquals(withoutColumn(first, "activation_ratio"), withoutColumn(rows, "activation_ratio"), setting);
            List<Double> expected = column(first, "activation_ratio");
            List<Double> actual = column(rows, "activation_ratio");
            for (int i = 0; i < expected.size(); i++) {
                assertEquals(expected.get(i), actual.get(i), 1e-9 * Math.abs(expected.get(i)), setting + ": activation_ratio");
            }
        });
    }

    /**
     * The probe of activation norms at init is no part of the fit (it runs a throw-away copy of the
     * model); one CI machine's CPU rounded it differently in the 10th digit under another thread
     * setting (since then it forwards in batches of the run's size, the shapes training uses), so
     * it is held to 1e-9 relative, every other column to the bit.
     */
    private static List<Double> column(List<String> lines, String column) {
        int at = List.of(lines.get(0).split(",", -1)).indexOf(column);
        return lines.stream().skip(1).map(l -> Double.parseDouble(l.split(",", -1)[at])).toList();
    }

    /** CSV lines without the named column (the values hold no commas). */
    private static List<String> withoutColumn(List<String> lines, String column) {
        int at = List.of(lines.get(0).split(",", -1)).indexOf(column);
        assertTrue(at >= 0, column + " in " + lines.get(0));
        return lines.stream().map(l -> {
            List<String> cells = new ArrayList<>(List.of(l.split(",", -1)));
            cells.remove(at);
            return String.join(",", cells);
        }).toList();
    }
}
