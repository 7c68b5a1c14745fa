package org.gradlab;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
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

    /** JSON text as a tree (for tests that build a spec by hand). */
    public static JsonNode parse(String json) {
        try {
            return new ObjectMapper().readTree(json);
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

    /** A state dict {name: tensor} as float64 arrays, in the trace's order. */
    public static java.util.Map<String, INDArray> stateDict(JsonNode node) {
        java.util.Map<String, INDArray> state = new java.util.LinkedHashMap<>();
        node.fields().forEachRemaining(e -> state.put(e.getKey(), tensor(e.getValue())));
        return state;
    }

    /** One-hot float64 targets {@code [labels, classes]} for a trace's class labels. */
    public static INDArray oneHot(JsonNode labels, long classes) {
        INDArray oneHot = Nd4j.zeros(DataType.DOUBLE, labels.size(), classes);
        for (int i = 0; i < labels.size(); i++) {
            oneHot.putScalar(i, labels.get(i).asInt(), 1.0);
        }
        return oneHot;
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

    /**
     * The arguments of a trace's constructor spec {@code {"type", "args"}}, read by name with
     * torch's default where the trace leaves one out. A test reads every argument it maps and
     * then calls {@link #done()}: an argument it did not read fails the case, naming it, so no
     * trace setting is ever replaced by a silent default.
     */
    public static final class Args {
        private final String where;
        private final JsonNode args;
        private final Set<String> read = new HashSet<>();

        private Args(String where, JsonNode args) {
            this.where = where;
            this.args = args;
        }

        /** The arguments of {@code spec}; {@code where} names the case in failures. */
        public static Args of(String where, JsonNode spec) {
            return of(where, spec.path("type").asText(), spec.path("args"));
        }

        /**
         * The fields of {@code object} but {@code results} as the arguments of a call to
         * {@code function} (for traces that record a call's arguments beside its results).
         */
        public static Args of(String where, String function, JsonNode object, String... results) {
            if (!object.isObject() && !object.isMissingNode()) {
                fail(where + ": " + function + " args must be an object, got " + object);
            }
            JsonNode args = object.isObject() ? ((ObjectNode) object).deepCopy().without(List.of(results)) : object;
            return new Args(where + ": " + function, args);
        }

        public boolean has(String name) {
            return args.has(name);
        }

        private JsonNode get(String name) {
            read.add(name);
            return args.get(name);
        }

        /** A float argument (a number, or "NaN"/"Infinity"/"-Infinity"). */
        public double number(String name, double torchDefault) {
            JsonNode n = get(name);
            if (n == null) {
                return torchDefault;
            }
            if (!n.isNumber() && !n.isTextual()) {
                fail(where + " argument " + name + " must be a number, got " + n);
            }
            return Golden.number(n);
        }

        /** A required float argument. */
        public double number(String name) {
            if (!has(name)) {
                fail(where + " needs argument " + name);
            }
            return number(name, Double.NaN);
        }

        /** An integer argument. */
        public long integer(String name, long torchDefault) {
            JsonNode n = get(name);
            if (n == null) {
                return torchDefault;
            }
            if (!n.canConvertToExactIntegral() || !n.canConvertToLong()) {
                fail(where + " argument " + name + " must be an integer, got " + n);
            }
            return n.asLong();
        }

        /** A required integer argument. */
        public long integer(String name) {
            if (!has(name)) {
                fail(where + " needs argument " + name);
            }
            return integer(name, 0);
        }

        public boolean flag(String name, boolean torchDefault) {
            JsonNode n = get(name);
            if (n != null && !n.isBoolean()) {
                fail(where + " argument " + name + " must be true or false, got " + n);
            }
            return n == null ? torchDefault : n.asBoolean();
        }

        /** A string argument that must be one of {@code allowed}. */
        public String choice(String name, String torchDefault, String... allowed) {
            JsonNode n = get(name);
            String v = n == null ? torchDefault : n.asText();
            if (!List.of(allowed).contains(v)) {
                fail(where + " argument " + name + " = " + n + " has no gradlab mapping (expected one of "
                        + String.join(", ", allowed) + ")");
            }
            return v;
        }

        /** A list or nested argument (e.g. milestones, betas, schedulers), required. */
        public JsonNode node(String name) {
            JsonNode n = get(name);
            if (n == null || !n.isArray()) {
                fail(where + " needs list argument " + name + ", got " + n);
            }
            return n;
        }

        /** Fails the case if the trace set an argument that was not read. */
        public void done() {
            List<String> unmapped = new ArrayList<>();
            args.fieldNames().forEachRemaining(k -> {
                if (!read.contains(k)) {
                    unmapped.add(k + " = " + args.get(k));
                }
            });
            if (!unmapped.isEmpty()) {
                fail(where + " argument " + String.join(", ", unmapped) + " is not mapped to gradlab");
            }
        }
    }
}
