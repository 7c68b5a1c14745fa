package org.gradlab.diagnostics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.gradlab.nn.HostArrays;
import org.gradlab.nn.Param;
import org.gradlab.nn.Rng;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/** The fast measurement paths against plain double loops, on sizes that cross slice and core boundaries. */
class MeasurementTest {

    /** Gradients of {@code sizes} entries with values spread over many orders of magnitude. */
    private static Map<String, Param> params(DataType type, int... sizes) {
        Rng rng = Rng.seeded(5);
        Map<String, Param> ps = new LinkedHashMap<>();
        for (int i = 0; i < sizes.length; i++) {
            double[] v = new double[sizes[i]];
            java.util.Arrays.setAll(v, k -> rng.nextGaussian() * Math.pow(10, rng.nextInt(9) - 6));
            Param p = new Param("p" + i, Nd4j.zeros(type, sizes[i]));
            p.grad().assign(Nd4j.create(v, new long[] {sizes[i]}, DataType.DOUBLE).castTo(type));
            ps.put(p.name(), p);
        }
        return ps;
    }

    @Test
    void gradStatsAccumulateInDoubleToClipPrecisionForBothTypes() {
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            // 100,003 entries in all: measured in two halves, one parameter split between them
            Map<String, Param> ps = params(type, 7, 60_000, 39_996, 3_000);
            GradStats s = GradStats.of(ps);
            int i = 0;
            for (Param p : ps.values()) {
                double sq = 0;
                double abs = 0;
                double max = 0;
                for (double x : HostArrays.toDoubles(p.grad())) {
                    sq += x * x;
                    abs += Math.abs(x);
                    max = Math.max(max, Math.abs(x));
                }
                assertEquals(sq, s.sumSq()[i], 1e-13 * sq, type + " " + p.name());
                assertEquals(abs, s.sumAbs()[i], 1e-13 * abs, type + " " + p.name());
                assertEquals(max, s.maxAbs()[i], 0.0, type + " " + p.name());
                i++;
            }
        }
    }

    @Test
    void weightAndUpdateNormsFollowTheWeightsAcrossStepsAndSlices() {
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            Map<String, Param> ps = params(type, 40_000, 3);
            ps.values().forEach(p -> p.value().assign(p.grad()));
            Monitor m = Monitor.create();
            double[][] before = ps.values().stream().map(p -> HostArrays.toDoubles(p.value())).toArray(double[][]::new);
            for (long step = 0; step < 2; step++) {
                m.onGradients(new Monitor.StepContext(step, 0, 1.0, 0.1, null, null, GradStats.of(ps)));
                if (step == 1) {
                    ps.values().forEach(p -> p.value().subi(p.grad().mul(0.1)));
                }
                m.onUpdate(ps, 1.0, false, false, false);
                m.beginStep();
            }
            List<LayerStats> last = m.layerStats().subList(2, 4);
            int i = 0;
            for (Param p : ps.values()) {
                double[] w = HostArrays.toDoubles(p.value());
                double ww = 0;
                double dd = 0;
                for (int k = 0; k < w.length; k++) {
                    ww += w[k] * w[k];
                    dd += (w[k] - before[i][k]) * (w[k] - before[i][k]);
                }
                // reported norms: float32 models sum them in float32
                double tol = type == DataType.FLOAT ? 1e-5 : 1e-12;
                assertEquals(Math.sqrt(ww), last.get(i).weightNorm(), tol * Math.sqrt(ww), type + " " + p.name());
                assertEquals(Math.sqrt(dd), last.get(i).updateNorm(), tol * Math.sqrt(dd), type + " " + p.name());
                i++;
            }
        }
    }
}
