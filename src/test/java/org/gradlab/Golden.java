package org.gradlab;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Reads the PyTorch golden traces in src/test/resources/golden (see its README) and compares against them. */
public final class Golden {
    /** The tolerance the traces' README suggests: max|actual - ref| / max|ref| per tensor. */
    public static final double RELATIVE = 1e-12;

    private Golden() {
    }

    public static Path dir() {
        String configured = System.getProperty("gradlab.golden");
        Path p = configured != null ? Path.of(configured) : Path.of("src", "test", "resources", "golden");
        if (!Files.isDirectory(p)) {
            throw new IllegalStateException("golden traces not found at " + p.toAbsolutePath()
                    + " (set -Dgradlab.golden=DIR)");
        }
        return p;
    }

    public static JsonNode load(String file) {
        try {
            return new ObjectMapper().readTree(dir().resolve(file).toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A float as the traces write it: a number or "NaN", "Infinity", "-Infinity". */
    public static double number(JsonNode n) {
        return n.isTextual() ? Double.parseDouble(n.asText()) : n.asDouble();
    }

    public static double[] numbers(JsonNode array) {
        double[] v = new double[array.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = number(array.get(i));
        }
        return v;
    }

    /** A tensor {"dtype", "shape", "data"} as a float64 array. */
    public static INDArray tensor(JsonNode t) {
        JsonNode shape = t.get("shape");
        long[] s = new long[shape.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = shape.get(i).asLong();
        }
        return Nd4j.create(numbers(t.get("data")), s, DataType.DOUBLE);
    }

    /** Relative difference max|a - b| / max|b|, with NaN and infinities required to sit in the same places. */
    public static double relativeDiff(double[] actual, double[] expected) {
        double maxRef = 0;
        double maxDiff = 0;
        for (int i = 0; i < expected.length; i++) {
            double a = actual[i];
            double e = expected[i];
            if (Double.isNaN(e) || Double.isInfinite(e)) {
                if (Double.compare(a, e) != 0) {
                    return Double.POSITIVE_INFINITY;
                }
                continue;
            }
            maxRef = Math.max(maxRef, Math.abs(e));
            maxDiff = Math.max(maxDiff, Math.abs(a - e));
        }
        return maxRef == 0 ? maxDiff : maxDiff / maxRef;
    }

    public static void assertClose(String what, double[] actual, double[] expected) {
        assertTrue(actual.length == expected.length, what + ": length " + actual.length + " != " + expected.length);
        double d = relativeDiff(actual, expected);
        assertTrue(d <= RELATIVE, what + ": relative difference " + d + " exceeds " + RELATIVE);
    }

    public static void assertClose(String what, INDArray actual, JsonNode expected) {
        assertClose(what, actual.castTo(DataType.DOUBLE).data().asDouble(), numbers(expected.get("data")));
    }
}
