package org.gradlab.plot;

import java.io.IOException;
import java.nio.file.Path;
import org.gradlab.train.AtomicFile;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.internal.chartpart.Chart;
import tech.tablesaw.api.Table;

/** Writes result files (CSV tables, PNG charts, text) atomically, through {@link AtomicFile}. */
public final class Outputs {
    private Outputs() {
    }

    /** Writes {@code file} atomically; see {@link AtomicFile}. */
    public static Path write(Path file, AtomicFile.Content content) throws IOException {
        return AtomicFile.write(file, content);
    }

    /** The table as CSV at full precision. */
    public static Path csv(Table table, Path file) throws IOException {
        return write(file, out -> table.write().csv(out));
    }

    public static Path png(Chart<?, ?> chart, Path file) throws IOException {
        return write(file, out -> BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG));
    }

    public static Path text(String text, Path file) throws IOException {
        return write(file, out -> out.write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }
}
