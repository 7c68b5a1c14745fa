package org.gradlab.plot;

import java.util.LinkedHashMap;
import java.util.Map;
import org.knowm.xchart.XYChart;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.Table;

/**
 * Charts {@link org.gradlab.diagnostics.ThroughTime}'s table: the norm of dL/dh_t against the
 * distance from the last step (0 at the left: the last step, where the loss is), one line per
 * recurrent layer (and level of a stack), on a log axis that spans whole decades, so geometric
 * decay or growth shows as a straight line with labelled ticks.
 *
 * <pre>{@code XYChart chart = ThroughTimeChart.of(ThroughTime.measure(model, loss, x, y));}</pre>
 */
public final class ThroughTimeChart {
    private ThroughTimeChart() {
    }

    /** One line per layer and level of one measurement. */
    public static XYChart of(Table throughTime) {
        return of(Map.of("", throughTime));
    }

    /**
     * Several measurements on one chart, e.g. a tanh RNN, a GRU and an LSTM at initialisation: one
     * line per name, and per layer and level where a measurement has several (a measurement named
     * {@code ""} names its lines by layer and level only).
     */
    public static XYChart of(Map<String, Table> throughTime) {
        int time = throughTime.values().stream().mapToInt(t -> (int) t.intColumn("distance").max() + 1).max().orElse(0);
        DoubleColumn distance = DoubleColumn.create("steps before the last");
        for (int k = 0; k < time; k++) {
            distance.append(k);
        }
        Map<String, DoubleColumn> lines = new LinkedHashMap<>();
        throughTime.forEach((name, t) -> {
            boolean one = t.selectColumns("layer", "level").dropDuplicateRows().rowCount() == 1;
            for (int i = 0; i < t.rowCount(); i++) {
                String where = "layer " + t.stringColumn("layer").get(i) + " level " + t.intColumn("level").get(i);
                String series = name.isEmpty() ? where : one ? name : name + ": " + where;
                lines.computeIfAbsent(series, s -> (DoubleColumn) DoubleColumn.create(s, time).setMissingTo(Double.NaN))
                        .set(t.intColumn("distance").getInt(i), t.doubleColumn("grad_norm").getDouble(i));
            }
        });
        Table wide = Table.create("gradient norm through time", distance);
        lines.values().forEach(wide::addColumns);
        XYChart chart = Charts.logLines(wide, "Gradient norm through time (dL/dh_t)", distance.name(),
                "norm of dL/dh_t over the batch (log scale)");
        chart.setXAxisTitle("steps before the last (0: the last step, where the loss is)");
        chart.getStyler().setXAxisDecimalPattern("0");
        return chart;
    }
}
