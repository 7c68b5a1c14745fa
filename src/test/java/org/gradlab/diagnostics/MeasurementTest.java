package org.gradlab.diagnostics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.gradlab.clip.GradStats;
import org.gradlab.data.Batches;
import org.gradlab.data.Mnist;
import org.gradlab.host.HostArrays;
import org.gradlab.nn.Activation;
import org.gradlab.nn.Dense;
import org.gradlab.nn.Sequential;
import org.gradlab.optim.Optimizer;
import org.gradlab.optim.Sgd;
import org.gradlab.train.Trainer;
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
                // float64 sums in double; float32 sums float products in double (dsdot): well
                // inside float32's own resolution (6e-8) of the norms clipping compares
                assertEquals(sq, s.sumSq()[i], (type == DataType.FLOAT ? 1e-8 : 1e-13) * sq, type + " " + p.name());
                assertEquals(abs, s.sumAbs()[i], 1e-13 * abs, type + " " + p.name());
                assertEquals(max, s.maxAbs()[i], 0.0, type + " " + p.name());
                i++;
            }
        }
    }

    /** One thread or two (a core free or not) give the same sums to the last bit: study results do not depend on workers. */
    @Test
    void gradStatsAreTheSameOnOneThreadAndOnTwo() {
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            Map<String, Param> ps = params(type, 7, 60_000, 39_996, 3_000, 200_001);
            java.util.concurrent.ExecutorService helper = java.util.concurrent.Executors.newSingleThreadExecutor();
            try {
                double[] alone = GradStats.of(ps).sumSq();
                double[] shared = GradStats.of(ps, helper).sumSq();
                org.junit.jupiter.api.Assertions.assertArrayEquals(alone, shared, 0.0, type.toString());
            } finally {
                helper.shutdownNow();
            }
        }
    }

    @Test
    void float32SumsOfSquaresBeyondFloatRangeFallBackToDouble() {
        Param p = new Param("w", Nd4j.zeros(DataType.FLOAT, 5));
        p.grad().assign(Nd4j.create(new double[] {3e20, -4e20, 1, 0, 2}, new long[] {5}, DataType.DOUBLE).castTo(DataType.FLOAT));
        GradStats s = GradStats.of(Map.of("w", p));
        double[] g = HostArrays.toDoubles(p.grad());
        double exact = g[0] * g[0] + g[1] * g[1] + 5;
        assertEquals(exact, s.sumSq()[0], 1e-15 * exact);
        assertEquals(Math.sqrt(exact), s.globalNorm(), 1e-15 * Math.sqrt(exact));
        p.grad().putScalar(3, Float.NaN);
        assertEquals(1, GradStats.of(Map.of("w", p)).nan()[0]);
    }

    /** A 784-60-10 model (47,040 weights in its first layer: three slices of the weight pass) and a trainer watched by {@code m}. */
    private static Trainer watched(DataType type, Monitor m) {
        Sequential model = Sequential.of(Dense.of(784, 60, Rng.seeded(8)), Activation.relu(), Dense.of(60, 10, Rng.seeded(9)));
        model.to(type);
        return Trainer.builder(model).optimizer(Optimizer.of(Sgd.plain())).lr(0.1).callback(m).build();
    }

    private static List<Batches.Batch> batches(DataType type, int n) {
        return Batches.epoch(Mnist.bundled().castTo(type), 32, Rng.seeded(2)).subList(0, n);
    }

    @Test
    void weightAndUpdateNormsFollowTheWeightsAcrossStepsAndSlices() {
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            Monitor m = Monitor.create();
            Trainer t = watched(type, m);
            List<Batches.Batch> b = batches(type, 2);
            t.trainBatch(b.get(0), 0.1);
            double[][] before = t.params().values().stream().map(p -> HostArrays.toDoubles(p.value())).toArray(double[][]::new);
            t.trainBatch(b.get(1), 0.1);
            List<LayerStats> last = m.layerStats().subList(4, 8);
            assertEquals(1, last.get(0).step());
            int i = 0;
            for (Param p : t.params().values()) {
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

    /**
     * With per-layer rows every 3 steps the monitor reads the weights only around those steps,
     * and reports the same norms as a monitor that reads them every step.
     */
    @Test
    void sparseLayerRowsReportTheSameNormsAsEveryStep() {
        Monitor every = Monitor.create();
        Monitor sparse = Monitor.of(Monitor.Config.defaults().withLayerEvery(3));
        Trainer a = watched(DataType.FLOAT, every);
        Trainer b = watched(DataType.FLOAT, sparse);
        for (Batches.Batch batch : batches(DataType.FLOAT, 10)) {
            a.trainBatch(batch, 0.05);
            b.trainBatch(batch, 0.05);
        }
        List<LayerStats> expected = every.layerStats().stream().filter(r -> r.step() % 3 == 0).toList();
        assertEquals(expected.size(), sparse.layerStats().size());
        for (int k = 0; k < expected.size(); k++) {
            LayerStats e = expected.get(k);
            LayerStats s = sparse.layerStats().get(k);
            assertEquals(e.step(), s.step());
            assertEquals(e.weightNorm(), s.weightNorm(), 0.0, "step " + e.step());
            assertEquals(e.updateNorm(), s.updateNorm(), 0.0, "step " + e.step());   // NaN at step 0 for both
            assertEquals(e.maxAbs(), s.maxAbs(), 0.0, "step " + e.step());
        }
    }
}
