package org.gradlab.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.gradlab.Records;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Writes a tree of records ({@link TrainState}) as a JSON manifest plus binary and JSON entries,
 * and reads it back strictly against a template: a state of the same trainer. Types never come
 * from the file: every record class, enum and element type is the template's or its declared
 * component type, so no class is ever loaded by a name read from a file. Supported components:
 * {@code long}, {@code int}, {@code double}, {@code boolean}, {@code String}, enums, nested
 * records (null where the template's is null), {@code double[]}, {@code INDArray} (dtype and
 * shape must equal the template's), {@code Map<String, V>} (exactly the template's keys) and
 * {@code List<R>} of flat records (a growing log such as the history).
 *
 * <p>Array entries carry their own header ({@code "GLA1"}, dtype, rank, shape) and are checked
 * against the template and against the entry's byte length before anything is allocated; values
 * go through each record's canonical constructor, so its range checks apply.
 */
final class StateCodec {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAGIC = 0x474C4131;   // "GLA1"
    private static final int MAX_RANK = 8;

    private final Map<String, byte[]> entries;
    private final Set<String> used = new LinkedHashSet<>();
    private int next;

    private StateCodec(Map<String, byte[]> entries) {
        this.entries = entries;
    }

    /** A state problem: the path of the value in the tree and what was expected. */
    static final class Invalid extends Exception {
        private static final long serialVersionUID = 1L;

        Invalid(String path, String problem) {
            super(path + ": " + problem);
        }
    }

    /** The manifest node of {@code root}; array and list entries go into {@code entries}. */
    static JsonNode encode(Record root, Map<String, byte[]> entries) {
        return new StateCodec(entries).write(root);
    }

    /**
     * Reads {@code node} as a record shaped like {@code template}; every entry in {@code entries}
     * must be referenced exactly once (else {@link Invalid} names the extra one).
     */
    static <R extends Record> R decode(JsonNode node, Map<String, byte[]> entries, R template) throws Invalid {
        StateCodec c = new StateCodec(entries);
        @SuppressWarnings("unchecked")
        R r = (R) c.read("state", node, template.getClass(), template);
        for (String name : entries.keySet()) {
            if (!c.used.contains(name)) {
                throw new Invalid("entry " + name, "not part of the state (extra entry)");
            }
        }
        return r;
    }

    // ---------------------------------------------------------------- writing

    private JsonNode write(Object v) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        if (v == null) {
            return f.nullNode();
        } else if (v instanceof Long || v instanceof Integer) {
            return f.numberNode(((Number) v).longValue());
        } else if (v instanceof Double d) {
            return Double.isFinite(d) ? f.numberNode(d) : f.textNode(d.toString());
        } else if (v instanceof Boolean b) {
            return f.booleanNode(b);
        } else if (v instanceof String s) {
            return f.textNode(s);
        } else if (v instanceof Enum<?> e) {
            return f.textNode(e.name());
        } else if (v instanceof double[] a) {
            ByteBuffer b = ByteBuffer.allocate(8 * a.length).order(ByteOrder.LITTLE_ENDIAN);
            b.asDoubleBuffer().put(a);
            return f.textNode(entry("doubles", ".bin", b.array()));
        } else if (v instanceof INDArray a) {
            return f.textNode(entry("array", ".bin", arrayBytes(a)));
        } else if (v instanceof Record r) {
            ObjectNode o = f.objectNode();
            for (RecordComponent c : r.getClass().getRecordComponents()) {
                o.set(c.getName(), write(Records.component(r, c, "state")));
            }
            return o;
        } else if (v instanceof Map<?, ?> m) {
            ObjectNode o = f.objectNode();
            m.forEach((k, x) -> o.set((String) k, write(x)));
            return o;
        } else if (v instanceof List<?> l) {
            ArrayNode a = f.arrayNode();
            l.forEach(x -> a.add(write(x)));
            try {
                return f.textNode(entry("list", ".json", JSON.writeValueAsBytes(a)));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        throw new IllegalStateException("state: cannot write a " + v.getClass().getName());
    }

    private String entry(String kind, String suffix, byte[] bytes) {
        String name = kind + "-" + next++ + suffix;
        entries.put(name, bytes);
        return name;
    }

    private static byte[] arrayBytes(INDArray a) {
        long[] shape = a.shape();
        int size = a.dataType() == DataType.DOUBLE ? 8 : 4;
        if (a.dataType() != DataType.DOUBLE && a.dataType() != DataType.FLOAT) {
            throw new IllegalStateException("state: arrays must be FLOAT or DOUBLE, got " + a.dataType());
        }
        ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(6 + 8L * shape.length + size * a.length()))
                .order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(MAGIC).put((byte) size).put((byte) shape.length);
        for (long s : shape) {
            b.putLong(s);
        }
        INDArray c = a.dup('c');
        if (size == 8) {
            b.asDoubleBuffer().put(c.data().asDouble());
        } else {
            b.asFloatBuffer().put(c.data().asFloat());
        }
        return b.array();
    }

    // ---------------------------------------------------------------- reading

    /** Reads {@code n} as {@code type}, shaped like {@code template} (null: any value of the type). */
    private Object read(String path, JsonNode n, Type type, Object template) throws Invalid {
        Class<?> raw = unboxed(raw(type));
        if (n == null || n.isMissingNode()) {
            throw new Invalid(path, "missing");
        }
        if (n.isNull()) {
            if (raw.isPrimitive() || template != null) {
                throw new Invalid(path, "is null, expected " + describe(raw, template));
            }
            return null;
        }
        if (template == null && (raw == Record.class || raw == Map.class
                || raw.isRecord() && !isFlat(raw))) {
            throw new Invalid(path, "expected null (this trainer has none), got a value");
        }
        if (raw == long.class) {
            return integral(path, n, Long.MIN_VALUE, Long.MAX_VALUE);
        } else if (raw == int.class) {
            return (int) integral(path, n, Integer.MIN_VALUE, Integer.MAX_VALUE);
        } else if (raw == double.class) {
            return decimal(path, n);
        } else if (raw == boolean.class) {
            if (!n.isBoolean()) {
                throw new Invalid(path, "expected true or false, got " + brief(n));
            }
            return n.booleanValue();
        } else if (raw == String.class) {
            return text(path, n);
        } else if (raw.isEnum()) {
            String s = text(path, n);
            for (Object c : raw.getEnumConstants()) {
                if (((Enum<?>) c).name().equals(s)) {
                    return c;
                }
            }
            throw new Invalid(path, "expected one of " + Arrays.toString(raw.getEnumConstants()) + ", got " + brief(n));
        } else if (raw == double[].class) {
            byte[] b = take(path, n);
            if (b.length % 8 != 0) {
                throw new Invalid(path, "expected a multiple of 8 bytes of doubles, the entry holds " + b.length);
            }
            double[] out = new double[b.length / 8];
            ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asDoubleBuffer().get(out);
            return out;
        } else if (raw == INDArray.class) {
            return array(path, take(path, n), (INDArray) template);
        } else if (raw.isRecord()) {
            return record(path, n, raw, (Record) template);
        } else if (raw == Map.class) {
            return map(path, n, type, (Map<?, ?>) template);
        } else if (raw == List.class) {
            return list(path, n, type);
        }
        throw new IllegalStateException(path + ": cannot read a " + type);
    }

    private Record record(String path, JsonNode n, Class<?> type, Record template) throws Invalid {
        if (!n.isObject()) {
            throw new Invalid(path, "expected an object with " + names(type) + ", got " + brief(n));
        }
        RecordComponent[] comps = type.getRecordComponents();
        Set<String> expected = new LinkedHashSet<>(Arrays.asList(names(type)));
        for (Iterator<String> it = n.fieldNames(); it.hasNext();) {
            String f = it.next();
            if (!expected.contains(f)) {
                throw new Invalid(path, "unknown field '" + f + "'; expected " + expected);
            }
        }
        Class<?>[] types = new Class<?>[comps.length];
        Object[] args = new Object[comps.length];
        for (int i = 0; i < comps.length; i++) {
            types[i] = comps[i].getType();
            Object t = template == null ? null : Records.component(template, comps[i], "state");
            args[i] = read(path + "." + comps[i].getName(), n.get(comps[i].getName()), comps[i].getGenericType(), t);
        }
        try {
            var ctor = type.getDeclaredConstructor(types);
            ctor.setAccessible(true);
            return (Record) ctor.newInstance(args);
        } catch (java.lang.reflect.InvocationTargetException e) {
            throw new Invalid(path, e.getCause().getMessage());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(path + ": cannot build " + type.getName(), e);
        }
    }

    private Map<String, Object> map(String path, JsonNode n, Type type, Map<?, ?> template) throws Invalid {
        if (!n.isObject()) {
            throw new Invalid(path, "expected an object with keys " + template.keySet() + ", got " + brief(n));
        }
        Set<String> keys = new LinkedHashSet<>();
        n.fieldNames().forEachRemaining(keys::add);
        if (!keys.equals(template.keySet())) {
            Set<String> extra = new LinkedHashSet<>(keys);
            extra.removeAll(template.keySet());
            Set<String> missing = new LinkedHashSet<>();
            template.keySet().forEach(k -> missing.add((String) k));
            missing.removeAll(keys);
            throw new Invalid(path, "expected keys " + template.keySet() + (missing.isEmpty() ? "" : "; missing " + missing)
                    + (extra.isEmpty() ? "" : "; unexpected " + extra));
        }
        Type value = ((ParameterizedType) type).getActualTypeArguments()[1];
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : template.entrySet()) {
            String k = (String) e.getKey();
            Object t = e.getValue();
            out.put(k, read(path + "[" + k + "]", n.get(k), t instanceof Record r ? r.getClass() : value, t));
        }
        return out;
    }

    private List<Object> list(String path, JsonNode n, Type type) throws Invalid {
        byte[] b = take(path, n);
        JsonNode a;
        try {
            a = JSON.readTree(b);
        } catch (IOException e) {
            throw new Invalid(path, "the entry " + n.asText() + " is not valid JSON");
        }
        if (a == null || !a.isArray()) {
            throw new Invalid(path, "expected a JSON array in " + n.asText());
        }
        Class<?> element = raw(((ParameterizedType) type).getActualTypeArguments()[0]);
        List<Object> out = new ArrayList<>(a.size());
        for (int i = 0; i < a.size(); i++) {
            out.add(record(path + "[" + i + "]", a.get(i), element, null));
        }
        return out;
    }

    /** A record whose components are all primitives, strings or enums: readable without a template. */
    private static boolean isFlat(Class<?> type) {
        for (RecordComponent c : type.getRecordComponents()) {
            Class<?> t = c.getType();
            if (!t.isPrimitive() && t != String.class && !t.isEnum()) {
                return false;
            }
        }
        return true;
    }

    /** The bytes of the entry {@code n} names; each entry may be used once. */
    private byte[] take(String path, JsonNode n) throws Invalid {
        String name = text(path, n);
        byte[] b = entries.get(name);
        if (b == null) {
            throw new Invalid(path, "refers to entry '" + name + "', which the file does not hold");
        }
        if (!used.add(name)) {
            throw new Invalid(path, "refers to entry '" + name + "' a second time");
        }
        return b;
    }

    /** An ND4J array from an entry, after checking its header against the template and its byte length. */
    private static INDArray array(String path, byte[] b, INDArray template) throws Invalid {
        String where = template == null ? path : path + " (" + template.dataType() + Arrays.toString(template.shape()) + ")";
        if (b.length < 6) {
            throw new Invalid(where, "the entry holds " + b.length + " bytes, less than an array header");
        }
        ByteBuffer in = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        int magic = in.getInt();
        int size = in.get();
        int rank = in.get();
        if (magic != MAGIC) {
            throw new Invalid(where, "the entry is not a gradlab array (bad header)");
        }
        DataType dtype = size == 8 ? DataType.DOUBLE : size == 4 ? DataType.FLOAT : null;
        if (dtype == null || template != null && dtype != template.dataType()) {
            throw new Invalid(where, "expected dtype " + (template == null ? "FLOAT or DOUBLE" : template.dataType())
                    + ", the entry holds " + (dtype == null ? "an unknown element size " + size : dtype));
        }
        if (rank < 0 || rank > MAX_RANK || in.remaining() < 8L * rank) {
            throw new Invalid(where, "expected rank " + (template == null ? "<= " + MAX_RANK : template.rank())
                    + ", the entry claims rank " + rank + " in " + b.length + " bytes");
        }
        long[] shape = new long[rank];
        long count = 1;
        boolean overflow = false;
        for (int i = 0; i < rank; i++) {
            shape[i] = in.getLong();
            if (shape[i] < 0) {
                overflow = true;
            } else if (!overflow) {
                try {
                    count = Math.multiplyExact(count, shape[i]);
                } catch (ArithmeticException e) {
                    overflow = true;
                }
            }
        }
        if (template != null && !Arrays.equals(shape, template.shape())) {
            throw new Invalid(where, "expected shape " + Arrays.toString(template.shape()) + ", the entry claims "
                    + Arrays.toString(shape));
        }
        long expected = count * size;
        if (overflow || in.remaining() != expected) {
            throw new Invalid(where, "shape " + Arrays.toString(shape) + " needs " + expected
                    + " bytes of data, the entry holds " + in.remaining());
        }
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            if (dtype == DataType.DOUBLE) {
                double[] d = new double[(int) count];
                in.asDoubleBuffer().get(d);
                return Nd4j.create(d, shape, 'c');
            }
            float[] f = new float[(int) count];
            in.asFloatBuffer().get(f);
            return Nd4j.create(f, shape, 'c');
        }
    }

    private static long integral(String path, JsonNode n, long min, long max) throws Invalid {
        if (!n.isIntegralNumber() || !n.canConvertToLong() || n.longValue() < min || n.longValue() > max) {
            throw new Invalid(path, "expected an integer" + (min == Long.MIN_VALUE ? "" : " in [" + min + ", " + max + "]")
                    + ", got " + brief(n));
        }
        return n.longValue();
    }

    private static double decimal(String path, JsonNode n) throws Invalid {
        if (n.isNumber()) {
            return n.doubleValue();
        }
        if (n.isTextual()) {
            switch (n.textValue()) {
                case "NaN": return Double.NaN;
                case "Infinity": return Double.POSITIVE_INFINITY;
                case "-Infinity": return Double.NEGATIVE_INFINITY;
                default: break;
            }
        }
        throw new Invalid(path, "expected a number (or \"NaN\", \"Infinity\", \"-Infinity\"), got " + brief(n));
    }

    private static String text(String path, JsonNode n) throws Invalid {
        if (!n.isTextual()) {
            throw new Invalid(path, "expected a string, got " + brief(n));
        }
        return n.textValue();
    }

    private static String brief(JsonNode n) {
        String s = n.toString();
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }

    private static String describe(Class<?> raw, Object template) {
        return template instanceof INDArray a ? a.dataType() + Arrays.toString(a.shape()) : raw.getSimpleName();
    }

    private static String[] names(Class<?> type) {
        return Arrays.stream(type.getRecordComponents()).map(RecordComponent::getName).toArray(String[]::new);
    }

    private static Class<?> unboxed(Class<?> c) {
        return c == Long.class ? long.class : c == Integer.class ? int.class : c == Double.class ? double.class
                : c == Boolean.class ? boolean.class : c;
    }

    private static Class<?> raw(Type t) {
        return t instanceof ParameterizedType p ? (Class<?>) p.getRawType() : (Class<?>) t;
    }
}
