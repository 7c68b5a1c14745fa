package org.gradlab.experiment.spec;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.gradlab.data.Dataset;
import org.gradlab.data.TableData;
import tech.tablesaw.api.Table;

/**
 * Datasets made in Java that specs can name ({@link DataSpec.Registered}): a {@link Dataset}, a
 * Tablesaw {@link Table} with a label column, or arrays. A name is taken once; registering the
 * same name again is refused unless it is the same dataset.
 *
 * <pre>{@code
 * DataRegistry.register("iris", table, "species");
 * // grid JSON: "data": {"kind": "registered", "name": "iris", "batch": 16}
 * }</pre>
 */
public final class DataRegistry {
    private static final Map<String, Dataset> DATA = new ConcurrentHashMap<>();

    private DataRegistry() {
    }

    /** Registers {@code data} as {@code name}. */
    public static void register(String name, Dataset data) {
        Objects.requireNonNull(data, "data");
        if (name == null || !Pattern.matches("[A-Za-z0-9_.-]{1,40}", name)) {
            throw new IllegalArgumentException("data registry: name must be 1 to 40 of [A-Za-z0-9_.-], got " + name);
        }
        Dataset before = DATA.putIfAbsent(name, data);
        if (before != null && before != data) {
            throw new IllegalArgumentException("data registry: the name '" + name + "' is taken by " + before);
        }
    }

    /** Registers the rows of {@code table} as {@code name}: {@code label}'s values as classes, every other column a feature. */
    public static void register(String name, Table table, String label) {
        register(name, TableData.of(table, label, List.of()));
    }

    /** The dataset registered as {@code name}, or an error listing the names there are. */
    public static Dataset require(String name) {
        Dataset d = name == null ? null : DATA.get(name);
        if (d == null) {
            throw new IllegalArgumentException("name: no dataset is registered as '" + name + "' (known: "
                    + DATA.keySet().stream().sorted().toList() + "); register one with DataRegistry.register");
        }
        return d;
    }
}
