package org.gradlab.plot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.gradlab.data.Mnist;
import org.gradlab.diagnostics.JacobianSpectrum;
import org.gradlab.experiment.jobs.Presets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.XYChart;
import org.nd4j.linalg.api.ndarray.INDArray;

class JacobianChartTest {
    @TempDir
    Path dir;

    /**
     * The exploding preset (N(0, 0.15^2) weights, above He's scale) on 32 digits: a titled, labelled
     * log-scale chart with one point per layer for each series, and the growth it is drawn to show.
     * Set -Dgradlab.charts=DIR to keep the PNG for a look.
     */
    @Test
    void chartsTheSpectrumOverDepthOnALogScale() throws IOException {
        INDArray x = Mnist.bundled().split(32, 1).train().features();
        JacobianSpectrum.Result r = JacobianSpectrum.measure(Presets.explodingModel(0), x);
        XYChart chart = JacobianChart.of(r.table());
        assertFalse(chart.getTitle().isBlank());
        assertEquals("layer (depth, 0 = first)", chart.getXAxisTitle());
        assertEquals("largest singular value (log scale)", chart.getYAxisTitle());
        assertTrue(chart.getStyler().isYAxisLogarithmic());
        assertEquals(List.of("this layer", "product of the layers so far", "network up to this layer", "isometry (1)"),
                List.copyOf(chart.getSeriesMap().keySet()));
        chart.getSeriesMap().values().forEach(s -> assertEquals(r.table().rowCount(), s.getXData().length, s.getName()));
        assertTrue(r.network() > 10, "the exploding preset amplifies perturbations of its input: " + r.network());
        String keep = System.getProperty("gradlab.charts");
        Path png = Outputs.png(Figure.of(chart), (keep == null ? dir : Path.of(keep)).resolve("jacobian-exploding.png"));
        assertTrue(Files.size(png) > 10_000);
        if (keep != null) {
            Outputs.png(Figure.of(JacobianChart.of(JacobianSpectrum.measure(Presets.articleModel(0), x).table())),
                    Path.of(keep).resolve("jacobian-article.png"));
            Outputs.png(Figure.of(JacobianChart.of(JacobianSpectrum.measure(Presets.deepTanhModel(0), x).table())),
                    Path.of(keep).resolve("jacobian-deep-tanh.png"));
            System.out.println(r.table().print());
        }
    }
}
