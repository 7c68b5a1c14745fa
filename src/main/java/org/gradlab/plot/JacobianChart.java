package org.gradlab.plot;

import org.knowm.xchart.XYChart;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.Table;

/**
 * Charts {@link org.gradlab.diagnostics.JacobianSpectrum}'s table over depth, on a log scale: each
 * layer's largest Jacobian singular value, their running product (an upper bound), the network's
 * own value up to each layer, and the isometry line at 1. Growth or decay that compounds with depth
 * shows as a straight line away from 1.
 *
 * <pre>{@code XYChart chart = JacobianChart.of(JacobianSpectrum.measure(model, batch.features()).table());}</pre>
 */
public final class JacobianChart {
    private JacobianChart() {
    }

    public static XYChart of(Table spectrum) {
        int n = spectrum.rowCount();
        DoubleColumn depth = DoubleColumn.create("layer (depth, 0 = first)");
        DoubleColumn isometry = DoubleColumn.create("isometry (1)");
        for (int l = 0; l < n; l++) {
            depth.append(spectrum.intColumn("layer").getInt(l));
            isometry.append(1.0);
        }
        Table wide = Table.create(spectrum.name(), depth,
                spectrum.doubleColumn("sigma_max").copy().setName("this layer"),
                spectrum.doubleColumn("product").copy().setName("product of the layers so far"),
                spectrum.doubleColumn("network_upto").copy().setName("network up to this layer"),
                isometry);
        // logLines' axis spans whole decades around the data, the isometry line's 1 included
        return Charts.logLines(wide, "Largest singular value of the input-output Jacobian over depth", depth.name(),
                "largest singular value (log scale)");
    }

    /**
     * Sets a log y axis from the whole decade at or below {@code low} to the one at or above
     * {@code high}, so even a narrow range has labelled ticks; plain numbers while they stay short,
     * powers of ten beyond (a custom formatter would turn XChart's log axis linear).
     */
    static XYChart decades(XYChart chart, double low, double high) {
        double min = Math.pow(10, Math.floor(Math.log10(low) - 1e-9));
        double max = Math.pow(10, Math.ceil(Math.log10(high) + 1e-9));
        chart.getStyler().setYAxisMin(min);
        chart.getStyler().setYAxisMax(max);
        chart.getStyler().setYAxisDecimalPattern(min >= 1e-3 && max <= 1e4 ? "#,##0.###" : "0E0");
        return chart;
    }
}
