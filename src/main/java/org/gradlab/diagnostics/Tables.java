package org.gradlab.diagnostics;

import java.util.Locale;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.numbers.NumberColumnFormatter;

/**
 * Makes result tables readable: every floating-point column prints with a few significant
 * digits ({@code 2.30}, {@code 0.0412}, {@code 1.23e+04}) instead of sixteen. Only the print
 * format changes; the values (and CSV files written from them) keep full precision.
 *
 * <pre>{@code
 * System.out.println(Tables.readable(monitor.steps()).print());
 * }</pre>
 */
public final class Tables {
    private Tables() {
    }

    /** Sets a {@code digits}-significant-digit print format on every double column of {@code t}; returns {@code t}. */
    public static Table roundDoubles(Table t, int digits) {
        if (digits < 1 || digits > 17) {
            throw new IllegalArgumentException("tables: digits must be in [1, 17], got " + digits);
        }
        NumberColumnFormatter f = significant(digits);
        t.columns().stream().filter(c -> c instanceof DoubleColumn).forEach(c -> ((DoubleColumn) c).setPrintFormatter(f));
        return t;
    }

    /** Three significant digits on every double column of {@code t}; returns {@code t}. */
    public static Table readable(Table t) {
        return roundDoubles(t, 3);
    }

    /** A print format with {@code digits} significant digits ({@code %.3g}); NaN and infinities as words. */
    public static NumberColumnFormatter significant(int digits) {
        String pattern = "%." + digits + "g";
        return new NumberColumnFormatter() {
            @Override
            public String format(double value) {
                return Double.isFinite(value) ? String.format(Locale.ROOT, pattern, value) : Double.toString(value);
            }
        };
    }

    /** {@code value} with three significant digits, as the tables print it. */
    public static String g3(double value) {
        return significant(3).format(value);
    }
}
