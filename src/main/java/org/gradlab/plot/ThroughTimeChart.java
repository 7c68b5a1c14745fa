package org.gradlab.plot;

import org.knowm.xchart.XYChart;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.Table;

/**
 * Charts {@link org.gradlab.diagnostics.ThroughTime}'s table: the norm of dL/dh_t against the
 * distance from the last step, one line per recurrent layer (and level of a stack), log scale,
 * so geometric decay or growth shows as a straight line.
 *
 * <pre>{@code XYChart chart = ThroughTimeChart.of(ThroughTime.measure(model, loss, x, y));}</pre>
 */
public final class ThroughTimeChart {
    private ThroughTimeChart() {
    }

    public static XYChart of(Table throughTime) {
        int time = (int) throughTime.intColumn("distance").max() + 1;
        DoubleColumn distance = DoubleColumn.create("steps before the last");
        for (int k = 0; k < time; k++) {
            distance.append(k);
        }
        Table wide = Table.create(throughTime.name(), distance);
        for (int i = 0; i < throughTime.rowCount(); i++) {
            String series = "layer " + throughTime.stringColumn("layer").get(i) + " level " + throughTime.intColumn("level").get(i);
            if (!wide.containsColumn(series)) {
                wide.addColumns(DoubleColumn.create(series, time).setMissingTo(Double.NaN));
            }
            wide.doubleColumn(series).set(throughTime.intColumn("distance").getInt(i), throughTime.doubleColumn("grad_norm").getDouble(i));
        }
        return Charts.logLines(wide, "Gradient norm through time (dL/dh_t)", distance.name(), "norm of dL/dh_t over the batch");
    }
}
