package org.gradlab.experiment.spec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.reflect.Array;
import java.lang.reflect.Constructor;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.gradlab.Records;

/**
 * The one strict JSON codec for specs and results: the CLI's grid files, a study's saved runs,
 * notebooks and anything that ships specs elsewhere (a Spark executor) go through it. Records
 * map to JSON objects by component name; a sealed interface of records is an object whose
 * {@code "kind"} ({@link Kind}) names the record; enums are lower-case names; arrays and lists
 * are arrays; NaN and infinities are JSON's non-standard {@code NaN} and {@code Infinity}.
 *
 * <p>Reading is strict: an unknown property, a wrong type, a fraction where a whole number
 * belongs ({@code "epochs": 1.9}), an unknown kind or enum name, or a value the record's
 * constructor refuses is a {@link SpecException} whose one-line message names the place in the
 * document and what was expected. A property left out takes its {@link Default}; one without a
 * default is required. Types come from the records, never from the document.
 *
 * <pre>{@code
 * RunSpec spec = SpecCodec.read(json, RunSpec.class);
 * String again = SpecCodec.write(spec);          // every property, defaults included
 * OptimizerSpec.AdamSpec adam = SpecCodec.defaults(OptimizerSpec.AdamSpec.class);
 * }</pre>
 */
public final class SpecCodec {
    /** Reads and writes JSON text: non-numeric numbers allowed, a repeated property or text after the document refused. */
    public static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .disable(JsonWriteFeature.WRITE_NAN_AS_STRINGS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
    private static final Map<Class<?>, Map<String, Class<?>>> KINDS = new ConcurrentHashMap<>();

    private SpecCodec() {
    }

    /** Parses {@code json} and decodes it as {@code type}; a {@link SpecException} names what is wrong. */
    public static <T> T read(String json, Class<T> type) {
        return decode(parse(json), type);
    }

    /** Parses JSON text, or a {@link SpecException} with the parser's one-line reason and position. */
    public static JsonNode parse(String json) {
        try {
            JsonNode n = JSON.readTree(json);
            if (n == null) {
                throw new SpecException("empty document, expected JSON");
            }
            return n;
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr();
            throw new SpecException("not valid JSON" + where + ": " + plain(e.getOriginalMessage()));
        }
    }

    /**
     * The parser's reason in words, without its internals: where its source is (a redacted
     * {@code [Source: ...]}), the settings and limits by their Java names.
     */
    static String plain(String parserMessage) {
        return firstLine(parserMessage)
                .replaceAll("\\s*\\(start marker at \\[Source:[^\\]]*\\][^)]*\\)", "")
                .replaceAll("\\s*\\[Source:[^\\]]*\\]", "")
                .replaceAll("^Trailing token .*", "more text after the end of the document")
                .replaceAll(", from `[^`]*`", "")
                .replaceAll("\\s*\\([^()]*(?:Feature|Source|starting at|`)[^()]*\\)", "");
    }

    /** Decodes {@code node} as {@code type}. */
    public static <T> T decode(JsonNode node, Class<T> type) {
        return type.cast(boxed(type).cast(read("", node, type)));
    }

    /** Decodes {@code node} as a {@code List<element>}. */
    public static <T> List<T> decodeList(JsonNode node, Class<T> element) {
        if (!node.isArray()) {
            throw new SpecException("expected a JSON array, got " + describe(node));
        }
        List<T> out = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            out.add(element.cast(read("[" + i + "]", node.get(i), element)));
        }
        return out;
    }

    /** The JSON tree of {@code value}: every component, defaults included. */
    public static JsonNode encode(Object value) {
        return tree(value);
    }

    /** {@code value} as compact JSON text. */
    public static String write(Object value) {
        try {
            return JSON.writeValueAsString(encode(value));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + value, e);
        }
    }

    /** The record {@code type} with every component at its {@link Default}; fails if one is required. */
    public static <R extends Record> R defaults(Class<R> type) {
        return decode(JsonNodeFactory.instance.objectNode(), type);
    }

    /** The kinds a sealed spec interface accepts, in declaration order, by their JSON name. */
    public static Map<String, Class<?>> kinds(Class<?> sealed) {
        return KINDS.computeIfAbsent(sealed, s -> {
            if (!s.isSealed()) {
                throw new IllegalArgumentException(s.getSimpleName() + " is not a sealed interface");
            }
            Map<String, Class<?>> m = new LinkedHashMap<>();
            for (Class<?> c : s.getPermittedSubclasses()) {
                Kind k = c.getAnnotation(Kind.class);
                if (k == null) {
                    throw new IllegalStateException(c.getName() + " has no @Kind");
                }
                m.put(k.value(), c);
            }
            return java.util.Collections.unmodifiableMap(m);
        });
    }

    // ---------------------------------------------------------------- reading

    private static Object read(String path, JsonNode n, Type type) {
        Class<?> raw = raw(type);
        if (n.isNull()) {
            if (raw.isPrimitive()) {
                throw new SpecException(where(path) + "is null, expected " + expected(type));
            }
            return null;
        }
        if (raw == double.class || raw == Double.class) {
            if (!n.isNumber()) {
                throw mismatch(path, n, type);
            }
            return n.doubleValue();
        }
        if (raw == int.class || raw == Integer.class || raw == long.class || raw == Long.class) {
            if (!n.isIntegralNumber() || raw != long.class && raw != Long.class && !n.canConvertToInt()
                    || !n.canConvertToLong()) {
                throw mismatch(path, n, type);
            }
            return raw == int.class || raw == Integer.class ? (Object) n.intValue() : (Object) n.longValue();
        }
        if (raw == boolean.class || raw == Boolean.class) {
            if (!n.isBoolean()) {
                throw mismatch(path, n, type);
            }
            return n.booleanValue();
        }
        if (raw == String.class) {
            if (!n.isTextual()) {
                throw mismatch(path, n, type);
            }
            return n.textValue();
        }
        if (raw == Path.class) {
            if (!n.isTextual() || n.textValue().isEmpty()) {
                throw mismatch(path, n, type);
            }
            try {
                return Path.of(n.textValue());
            } catch (InvalidPathException e) {
                throw new SpecException(where(path) + "is not a usable path: " + e.getReason());
            }
        }
        if (raw.isEnum()) {
            return enumValue(path, n, raw);
        }
        if (raw == Object.class) {
            return plain(n);
        }
        if (raw.isArray() || raw == List.class) {
            return array(path, n, type, raw);
        }
        if (raw == Map.class) {
            if (!n.isObject()) {
                throw mismatch(path, n, type);
            }
            Type value = ((ParameterizedType) type).getActualTypeArguments()[1];
            Map<String, Object> m = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> e = it.next();
                m.put(e.getKey(), read(path + "." + e.getKey(), e.getValue(), value));
            }
            return java.util.Collections.unmodifiableMap(m);
        }
        if (raw.isSealed()) {
            return sealed(path, n, raw);
        }
        if (raw.isRecord()) {
            Kind k = raw.getAnnotation(Kind.class);
            if (k != null && n.isObject() && n.has("kind") && !k.value().equals(n.get("kind").asText())) {
                throw new SpecException(where(path) + "kind must be '" + k.value() + "' here, got " + describe(n.get("kind")));
            }
            return record(path, n, raw, k != null);
        }
        throw new IllegalStateException("spec codec: unsupported type " + type + " at " + path);
    }

    private static Object sealed(String path, JsonNode n, Class<?> sealed) {
        if (!n.isObject()) {
            throw mismatch(path, n, sealed);
        }
        Map<String, Class<?>> kinds = kinds(sealed);
        JsonNode k = n.get("kind");
        if (k == null || !k.isTextual()) {
            throw new SpecException(where(path) + "needs \"kind\", one of " + kinds.keySet());
        }
        Class<?> c = kinds.get(k.textValue());
        if (c == null) {
            throw new SpecException(where(path) + "unknown kind '" + k.textValue() + "', expected one of " + kinds.keySet());
        }
        return record(path, n, c, true);
    }

    private static Object record(String path, JsonNode n, Class<?> type, boolean kindField) {
        if (!n.isObject()) {
            throw mismatch(path, n, type);
        }
        RecordComponent[] comps = type.getRecordComponents();
        List<String> names = Arrays.stream(comps).map(RecordComponent::getName).toList();
        for (Iterator<String> it = n.fieldNames(); it.hasNext();) {
            String f = it.next();
            if (!names.contains(f) && !(kindField && f.equals("kind"))) {
                throw new SpecException(where(path) + "unknown property '" + f + "'; "
                        + (names.isEmpty() ? "this kind takes none" : "expected one of " + names));
            }
        }
        Object[] args = new Object[comps.length];
        for (int i = 0; i < comps.length; i++) {
            RecordComponent c = comps[i];
            String at = path.isEmpty() ? c.getName() : path + "." + c.getName();
            JsonNode v = n.get(c.getName());
            if (v == null) {
                Default d = c.getAnnotation(Default.class);
                if (d == null) {
                    throw new SpecException(at + " is missing (" + expected(c.getGenericType()) + ")");
                }
                v = parseDefault(type, c, d);
            }
            args[i] = read(at, v, c.getGenericType());
        }
        return construct(path, type, comps, args);
    }

    private static Object construct(String path, Class<?> type, RecordComponent[] comps, Object[] args) {
        try {
            Constructor<?> ctor = type.getDeclaredConstructor(Arrays.stream(comps).map(RecordComponent::getType)
                    .toArray(Class<?>[]::new));
            ctor.setAccessible(true);
            return ctor.newInstance(args);
        } catch (InvocationTargetException e) {
            Throwable c = e.getCause();
            if (c instanceof SpecException s) {
                throw s;
            }
            if (c instanceof IllegalArgumentException || c instanceof NullPointerException) {
                throw new SpecException(where(path) + firstLine(c.getMessage()));
            }
            throw new IllegalStateException("spec codec: " + type.getSimpleName() + " failed", c);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("spec codec: cannot construct " + type.getName(), e);
        }
    }

    private static JsonNode parseDefault(Class<?> type, RecordComponent c, Default d) {
        try {
            return JSON.readTree(d.value());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("@Default of " + type.getSimpleName() + "." + c.getName() + " is not JSON: " + d.value());
        }
    }

    private static Object array(String path, JsonNode n, Type type, Class<?> raw) {
        if (!n.isArray()) {
            throw mismatch(path, n, type);
        }
        Type element = raw.isArray() ? (type instanceof GenericArrayType g ? g.getGenericComponentType() : raw.getComponentType())
                : ((ParameterizedType) type).getActualTypeArguments()[0];
        if (raw.isArray()) {
            Object out = Array.newInstance(raw.getComponentType(), n.size());
            for (int i = 0; i < n.size(); i++) {
                Array.set(out, i, read(path + "[" + i + "]", n.get(i), element));
            }
            return out;
        }
        List<Object> out = new ArrayList<>();
        for (int i = 0; i < n.size(); i++) {
            out.add(Objects.requireNonNull(read(path + "[" + i + "]", n.get(i), element), () -> path + ": null element"));
        }
        return java.util.Collections.unmodifiableList(out);
    }

    private static Object enumValue(String path, JsonNode n, Class<?> type) {
        List<String> names = Arrays.stream(type.getEnumConstants()).map(SpecCodec::enumName).toList();
        if (n.isTextual()) {
            int i = names.indexOf(n.textValue());
            if (i >= 0) {
                return type.getEnumConstants()[i];
            }
        }
        throw new SpecException(where(path) + "must be one of " + names + ", got " + describe(n));
    }

    /** A JSON value as plain Java: Double or Long, String, Boolean, List, Map, or null. */
    private static Object plain(JsonNode n) {
        if (n.isIntegralNumber() && n.canConvertToLong()) {
            return n.longValue();
        }
        if (n.isNumber()) {
            return n.doubleValue();
        }
        if (n.isTextual()) {
            return n.textValue();
        }
        if (n.isBoolean()) {
            return n.booleanValue();
        }
        if (n.isArray()) {
            List<Object> l = new ArrayList<>();
            n.forEach(e -> l.add(plain(e)));
            return java.util.Collections.unmodifiableList(l);
        }
        if (n.isObject()) {
            Map<String, Object> m = new LinkedHashMap<>();
            n.fields().forEachRemaining(e -> m.put(e.getKey(), plain(e.getValue())));
            return java.util.Collections.unmodifiableMap(m);
        }
        return null;
    }

    // ---------------------------------------------------------------- writing

    private static JsonNode tree(Object v) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        if (v == null) {
            return f.nullNode();
        }
        if (v instanceof Double d) {
            return f.numberNode(d);
        }
        if (v instanceof Float x) {
            return f.numberNode((double) x);
        }
        if (v instanceof Integer i) {
            return f.numberNode(i);
        }
        if (v instanceof Long l) {
            return f.numberNode(l);
        }
        if (v instanceof Boolean b) {
            return f.booleanNode(b);
        }
        if (v instanceof String s) {
            return f.textNode(s);
        }
        if (v instanceof Path p) {
            return f.textNode(p.toString());
        }
        if (v instanceof Enum<?> e) {
            return f.textNode(enumName(e));
        }
        if (v.getClass().isArray()) {
            ArrayNode a = f.arrayNode();
            for (int i = 0; i < Array.getLength(v); i++) {
                a.add(tree(Array.get(v, i)));
            }
            return a;
        }
        if (v instanceof List<?> l) {
            ArrayNode a = f.arrayNode();
            l.forEach(e -> a.add(tree(e)));
            return a;
        }
        if (v instanceof Map<?, ?> m) {
            ObjectNode o = f.objectNode();
            m.forEach((k, e) -> o.set(String.valueOf(k), tree(e)));
            return o;
        }
        if (v instanceof Record r) {
            ObjectNode o = f.objectNode();
            Kind k = r.getClass().getAnnotation(Kind.class);
            if (k != null) {
                o.put("kind", k.value());
            }
            for (RecordComponent c : r.getClass().getRecordComponents()) {
                o.set(c.getName(), tree(Records.component(r, c, "spec codec")));
            }
            return o;
        }
        throw new IllegalStateException("spec codec: cannot write a " + v.getClass().getName());
    }

    // ---------------------------------------------------------------- messages

    static String enumName(Object e) {
        return ((Enum<?>) e).name().toLowerCase(Locale.ROOT);
    }

    private static SpecException mismatch(String path, JsonNode n, Type type) {
        return new SpecException(where(path) + "must be " + expected(type) + ", got " + describe(n));
    }

    private static String where(String path) {
        return path.isEmpty() ? "" : path + ": ";
    }

    /** What a type looks like in JSON, for messages. */
    private static String expected(Type type) {
        Class<?> raw = raw(type);
        if (raw == int.class || raw == Integer.class || raw == long.class || raw == Long.class) {
            return "a whole number";
        }
        if (raw == double.class || raw == Double.class) {
            return "a number";
        }
        if (raw == boolean.class || raw == Boolean.class) {
            return "true or false";
        }
        if (raw == String.class || raw == Path.class) {
            return raw == Path.class ? "a file path (a string)" : "a string";
        }
        if (raw.isEnum()) {
            return "one of " + Arrays.stream(raw.getEnumConstants()).map(SpecCodec::enumName).toList();
        }
        if (raw.isArray() || raw == List.class) {
            return "an array";
        }
        if (raw.isSealed()) {
            return "an object with \"kind\" one of " + kinds(raw).keySet();
        }
        return "an object";
    }

    private static String describe(JsonNode n) {
        String s = n.isTextual() ? "'" + n.textValue() + "'" : n.isContainerNode() ? (n.isArray() ? "an array" : "an object")
                : n.toString();
        return s.length() > 60 ? s.substring(0, 57) + "..." : s;
    }

    private static String firstLine(String s) {
        return s == null ? "" : s.lines().findFirst().orElse("");
    }

    private static Class<?> raw(Type t) {
        if (t instanceof Class<?> c) {
            return c;
        }
        if (t instanceof ParameterizedType p) {
            return (Class<?>) p.getRawType();
        }
        if (t instanceof GenericArrayType g) {
            return Array.newInstance(raw(g.getGenericComponentType()), 0).getClass();
        }
        throw new IllegalStateException("spec codec: unsupported type " + t);
    }

    private static Class<?> boxed(Class<?> c) {
        if (!c.isPrimitive()) {
            return c;
        }
        return c == int.class ? Integer.class : c == long.class ? Long.class : c == double.class ? Double.class
                : c == boolean.class ? Boolean.class : c;
    }
}
