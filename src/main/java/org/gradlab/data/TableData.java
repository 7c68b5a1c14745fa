package org.gradlab.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import tech.tablesaw.api.ColumnType;
import tech.tablesaw.api.NumericColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.Column;
import tech.tablesaw.io.csv.CsvReadOptions;

/**
 * Classification data from tables: a Tablesaw {@link Table} (or a CSV file read with Tablesaw)
 * with a label column and numeric feature columns becomes a {@link Dataset} of float32 features;
 * the classes are the label's distinct values in sorted order (numbers by value, else text).
 * Files are not trusted: the size is checked before reading, and a missing value, a non-numeric
 * feature or a single class is refused with one line naming the column (and row).
 *
 * <pre>{@code
 * Dataset d = TableData.readCsv(Path.of("data/blobs.csv"), "label", List.of());   // every other column a feature
 * Dataset e = TableData.of(table, "species", List.of("sepal_length", "sepal_width"));
 * Dataset f = TableData.of(new double[][] {{0, 1}, {1, 0}}, new int[] {0, 1});
 * }</pre>
 */
public final class TableData {
    /** Largest CSV file read. */
    public static final long MAX_FILE = 256L << 20;
    /** Most feature values a dataset may hold (rows times features). */
    public static final long MAX_VALUES = 50_000_000L;

    private TableData() {
    }

    /** Reads {@code file} with Tablesaw (header row, comma separated) and makes a dataset as {@link #of(Table, String, List)}. */
    public static Dataset readCsv(Path file, String label, List<String> features) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "no such CSV file");
        }
        long size = Files.size(file);
        if (size > MAX_FILE) {
            throw new IOException(file + ": " + size + " bytes, more than the " + (MAX_FILE >> 20) + " MiB a CSV may have");
        }
        Table t;
        try {
            t = Table.read().csv(CsvReadOptions.builder(file.toFile()).header(true).build());
        } catch (RuntimeException e) {
            throw new IOException(file + ": not a readable CSV file (" + firstLine(e.getMessage()) + ")", e);
        }
        try {
            return of(t, label, features);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * The rows of {@code table} as examples: {@code label}'s values as classes, {@code features}
     * (every column but the label when empty) as float32 features.
     */
    public static Dataset of(Table table, String label, List<String> features) {
        if (!table.columnNames().contains(label)) {
            throw new IllegalArgumentException("no label column '" + label + "' (columns: " + table.columnNames() + ")");
        }
        List<String> names = features.isEmpty() ? table.columnNames().stream().filter(c -> !c.equals(label)).toList() : features;
        if (names.isEmpty()) {
            throw new IllegalArgumentException("no feature columns beside the label '" + label + "'");
        }
        int rows = table.rowCount();
        if (rows < 2) {
            throw new IllegalArgumentException(rows + " rows; need at least 2 examples");
        }
        if ((long) rows * names.size() > MAX_VALUES) {
            throw new IllegalArgumentException(rows + " rows x " + names.size() + " features is more than " + MAX_VALUES + " values");
        }
        float[] x = new float[rows * names.size()];
        for (int j = 0; j < names.size(); j++) {
            String name = names.get(j);
            if (!table.columnNames().contains(name)) {
                throw new IllegalArgumentException("no feature column '" + name + "' (columns: " + table.columnNames() + ")");
            }
            if (name.equals(label)) {
                throw new IllegalArgumentException("column '" + name + "' is the label; it cannot be a feature too");
            }
            Column<?> c = table.column(name);
            if (!(c instanceof NumericColumn<?> n)) {
                throw new IllegalArgumentException("feature column '" + name + "' is " + c.type() + ", expected numbers");
            }
            for (int i = 0; i < rows; i++) {
                double v = n.getDouble(i);
                if (n.isMissing(i) || !Double.isFinite(v)) {
                    throw new IllegalArgumentException("feature column '" + name + "', row " + (i + 1) + ": "
                            + (n.isMissing(i) ? "missing value" : "not finite (" + v + ")"));
                }
                x[i * names.size() + j] = (float) v;
            }
        }
        Column<?> y = table.column(label);
        Map<Object, Integer> classes = new TreeMap<>(!(y instanceof NumericColumn<?>)
                ? (a, b) -> a.toString().compareTo(b.toString()) : (a, b) -> Double.compare(((Number) a).doubleValue(),
                        ((Number) b).doubleValue()));
        for (int i = 0; i < rows; i++) {
            if (y.isMissing(i)) {
                throw new IllegalArgumentException("label column '" + label + "', row " + (i + 1) + ": missing value");
            }
            classes.put(y.get(i), 0);
        }
        if (classes.size() < 2) {
            throw new IllegalArgumentException("label column '" + label + "' has " + classes.size() + " class; need at least 2");
        }
        List<Object> order = new ArrayList<>(classes.keySet());
        for (int k = 0; k < order.size(); k++) {
            classes.put(order.get(k), k);
        }
        int[] labels = new int[rows];
        for (int i = 0; i < rows; i++) {
            labels[i] = classes.get(y.get(i));
        }
        INDArray f = Nd4j.create(x, new long[] {rows, names.size()}, DataType.FLOAT);
        return new Dataset(f, labels, order.size());
    }

    /** Examples from Java arrays: {@code x[i]} the features of example {@code i} (float32), {@code y[i]} its class in {@code [0, max(y)]}. */
    public static Dataset of(double[][] x, int[] y) {
        if (x.length != y.length || x.length < 2) {
            throw new IllegalArgumentException("arrays: need as many labels as rows, at least 2, got " + x.length + " rows and "
                    + y.length + " labels");
        }
        int d = x[0].length;
        if ((long) x.length * d > MAX_VALUES) {
            throw new IllegalArgumentException("arrays: " + x.length + " x " + d + " is more than " + MAX_VALUES + " values");
        }
        float[] f = new float[x.length * d];
        for (int i = 0; i < x.length; i++) {
            if (x[i].length != d) {
                throw new IllegalArgumentException(String.format(Locale.ROOT, "arrays: row %d has %d features, row 0 has %d",
                        i, x[i].length, d));
            }
            for (int j = 0; j < d; j++) {
                f[i * d + j] = (float) x[i][j];
            }
        }
        int classes = java.util.Arrays.stream(y).max().orElse(0) + 1;
        return new Dataset(Nd4j.create(f, new long[] {x.length, d}, DataType.FLOAT), y.clone(), Math.max(2, classes));
    }

    private static String firstLine(String s) {
        return s == null ? "" : s.lines().findFirst().orElse("");
    }
}
