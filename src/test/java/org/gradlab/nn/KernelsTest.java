package org.gradlab.nn;

import org.gradlab.host.Blas;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.gradlab.data.Batches;
import org.gradlab.data.Dataset;
import org.gradlab.data.Mnist;
import org.gradlab.optim.Adam;
import org.gradlab.optim.Optimizer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The fast paths (OpenBLAS on the arrays' memory, float32 Java kernels) against ND4J and against
 * the float64 paths that the gradient checks and golden traces verify.
 */
class KernelsTest {
    private final Rng rng = Rng.seeded(11);

    private INDArray randn(DataType type, long... shape) {
        return GradCheck.randn(rng, shape).castTo(type);
    }

    @Test
    void gemmMatchesNd4jForEveryTransposeAndBothTypes() {
        for (DataType type : List.of(DataType.FLOAT, DataType.DOUBLE)) {
            for (boolean ta : new boolean[] {false, true}) {
                for (boolean tb : new boolean[] {false, true}) {
                    INDArray a = randn(type, ta ? 7 : 5, ta ? 5 : 7);
                    INDArray b = randn(type, tb ? 3 : 7, tb ? 7 : 3);
                    INDArray c = randn(type, 5, 3);
                    INDArray expected = c.mul(0.5).addi(Nd4j.gemm(a, b, ta, tb).muli(2.0));
                    Blas.gemm(a, ta, b, tb, 2.0, 0.5, c);
                    double tol = type == DataType.FLOAT ? 1e-5 : 1e-12;
                    assertArrayEquals(expected.reshape(15).toDoubleVector(), c.reshape(15).toDoubleVector(), tol,
                            type + " ta=" + ta + " tb=" + tb);
                }
            }
        }
    }

    @Test
    void aViewAtAnOffsetIsCopiedBeforeGemm() {
        INDArray big = randn(DataType.FLOAT, 6, 4);
        INDArray rows = big.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(2, 5), org.nd4j.linalg.indexing.NDArrayIndex.all());
        INDArray w = randn(DataType.FLOAT, 4, 2);
        INDArray c = Nd4j.create(DataType.FLOAT, 3, 2);
        assertThrows(IllegalArgumentException.class, () -> Blas.gemm(rows, false, w, false, 1.0, 0.0, c));
        Blas.gemm(Blas.contiguous(rows), false, w, false, 1.0, 0.0, c);
        assertArrayEquals(rows.dup().mmul(w).reshape(6).toDoubleVector(), c.reshape(6).toDoubleVector(), 1e-5);
    }

    @Test
    void gemmNamesShapeAndLayoutMismatches() {
        INDArray a = Nd4j.create(DataType.FLOAT, 2, 3);
        var e = assertThrows(IllegalArgumentException.class,
                () -> Blas.gemm(a, false, Nd4j.create(DataType.FLOAT, 4, 2), false, 1, 0, Nd4j.create(DataType.FLOAT, 2, 2)));
        assertEquals("gemm: cannot multiply [2, 3] by [4, 2] into [2, 2]", e.getMessage());
        var t = assertThrows(IllegalArgumentException.class,
                () -> Blas.gemm(a, false, Nd4j.create(DataType.DOUBLE, 3, 2), false, 1, 0, Nd4j.create(DataType.FLOAT, 2, 2)));
        assertEquals("gemm B: expected a FLOAT or DOUBLE array matching the output's FLOAT, got DOUBLE", t.getMessage());
        var f = assertThrows(IllegalArgumentException.class,
                () -> Blas.gemm(a, false, Nd4j.create(DataType.FLOAT, 2, 3).transpose(), false, 1, 0, Nd4j.create(DataType.FLOAT, 2, 2)));
        assertTrue(f.getMessage().startsWith("gemm B: expected a contiguous row-major array of at least 6 elements, got [3, 2]"),
                f.getMessage());
        assertSame(a, Blas.contiguous(a));
        assertTrue(Blas.isDense(Blas.contiguous(a.transpose())));
        assertThrows(IllegalArgumentException.class, () -> Blas.scal(0, a));
    }

    @Test
    void floatActivationsMatchTheirFloat64Forms() {
        for (Activation.Kind kind : List.of(Activation.Kind.RELU, Activation.Kind.TANH)) {
            INDArray x = randn(DataType.DOUBLE, 9, 13).muli(4);
            x.putScalar(0, 0, 30.0);     // saturated: tanh is exactly 1 in float
            INDArray dy = randn(DataType.DOUBLE, 9, 13);
            Activation wide = Activation.of(kind);
            Activation narrow = Activation.of(kind);
            INDArray y64 = wide.forward(x).dup();
            INDArray dx64 = wide.backward(dy).dup();
            INDArray y32 = narrow.forward(x.castTo(DataType.FLOAT)).dup();
            INDArray dx32 = narrow.backward(dy.castTo(DataType.FLOAT)).dup();
            assertArrayEquals(y64.reshape(117).toDoubleVector(), y32.reshape(117).toDoubleVector(), 1e-6, kind.name());
            assertArrayEquals(dx64.reshape(117).toDoubleVector(), dx32.reshape(117).toDoubleVector(), 1e-5, kind.name());
        }
    }

    @Test
    void branchFreeReluGradientKeepsTheComparisonsBits() {
        float[] special = {0f, -0f, 1f, -1f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MAX_VALUE, Float.POSITIVE_INFINITY,
            Float.NEGATIVE_INFINITY, Float.NaN, Float.intBitsToFloat(0xffc00001), 3e-39f, -3e-39f};
        int n = special.length * special.length;
        float[] y = new float[n];
        float[] dy = new float[n];
        for (int i = 0; i < special.length; i++) {
            for (int j = 0; j < special.length; j++) {
                y[i * special.length + j] = special[i];
                dy[i * special.length + j] = special[j];
            }
        }
        float[] got = dy.clone();
        Activation.Kind.RELU.deriveFloats(y, got, n);
        for (int k = 0; k < n; k++) {
            float want = y[k] > 0 ? dy[k] : 0f;
            assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(got[k]), "y=" + y[k] + " dy=" + dy[k]);
        }
    }

    @Test
    void floatDropoutDrawsTheSameMaskAsFloat64() {
        Dropout a = Dropout.of(0.3, Rng.seeded(5));
        Dropout b = Dropout.of(0.3, Rng.seeded(5));
        INDArray x = randn(DataType.DOUBLE, 40, 25);
        INDArray y64 = a.forward(x).dup();
        INDArray y32 = b.forward(x.castTo(DataType.FLOAT)).dup();
        assertArrayEquals(y64.reshape(1000).toDoubleVector(), y32.reshape(1000).toDoubleVector(), 1e-6);
        assertEquals(a.rng().state(), b.rng().state());
        INDArray dy = randn(DataType.DOUBLE, 40, 25);
        assertArrayEquals(a.backward(dy).reshape(1000).toDoubleVector(),
                b.backward(dy.castTo(DataType.FLOAT)).reshape(1000).toDoubleVector(), 1e-6);
    }

    @Test
    void firstLayerSkipsTheInputGradientButWritesItsParameters() {
        Sequential net = Sequential.of(Dense.of(6, 4, rng), Activation.tanh(), Dense.of(4, 3, rng));
        INDArray x = randn(DataType.FLOAT, 5, 6);
        INDArray dy = randn(DataType.FLOAT, 5, 3);
        net.forward(x);
        INDArray dx = net.backward(dy).dup();
        Map<String, INDArray> grads = new java.util.LinkedHashMap<>();
        net.namedParams().forEach((n, p) -> grads.put(n, p.grad().dup()));
        net.namedParams().values().forEach(p -> p.grad().assign(0));
        net.forward(x);
        assertNull(net.backward(dy, false));
        net.namedParams().forEach((n, p) -> assertEquals(grads.get(n), p.grad(), n));
        assertEquals(5, dx.rows());
    }

    @Test
    void floatAdamMatchesFloat64Adam() {
        for (Adam rule : List.of(Adam.defaults(), Adam.defaults().withAmsgrad().withWeightDecay(0.01))) {
            INDArray w = randn(DataType.DOUBLE, 50, 101);
            Param wide = new Param("w", w.dup());
            Param narrow = new Param("w", w.castTo(DataType.FLOAT));
            Optimizer a = Optimizer.of(rule);
            Optimizer b = Optimizer.of(rule);
            for (int step = 0; step < 5; step++) {
                INDArray g = randn(DataType.DOUBLE, 50, 101);
                wide.grad().assign(g);
                narrow.grad().assign(g.castTo(DataType.FLOAT));
                a.step(Map.of("w", wide), 0.01);
                b.step(Map.of("w", narrow), 0.01);
            }
            assertArrayEquals(wide.value().reshape(5050).toDoubleVector(), narrow.value().reshape(5050).toDoubleVector(), 1e-5,
                    rule.toString());
        }
    }

    /** Adam's float loop is element-wise: a tensor split in two at any point steps to the same bits. */
    @Test
    void floatAdamGivesTheSameBitsWhereverATensorIsCut() {
        for (Adam rule : List.of(Adam.defaults(), Adam.defaults().withAmsgrad().withWeightDecay(0.01))) {
            for (int cut : new int[] {1, 2047, 2048, 4097}) {
                INDArray w = randn(DataType.FLOAT, 5050);
                Param whole = new Param("w", w.dup());
                Param head = new Param("head", w.get(NDArrayIndex.interval(0, cut)).dup());
                Param tail = new Param("tail", w.get(NDArrayIndex.interval(cut, 5050)).dup());
                Optimizer a = Optimizer.of(rule);
                Optimizer b = Optimizer.of(rule);
                for (int step = 0; step < 3; step++) {
                    INDArray g = randn(DataType.FLOAT, 5050);
                    whole.grad().assign(g);
                    head.grad().assign(g.get(NDArrayIndex.interval(0, cut)));
                    tail.grad().assign(g.get(NDArrayIndex.interval(cut, 5050)));
                    a.step(Map.of("w", whole), 0.01);
                    b.step(Map.of("head", head, "tail", tail), 0.01);
                }
                assertArrayEquals(whole.value().toFloatVector(), Nd4j.concat(0, head.value(), tail.value()).toFloatVector(),
                        rule + " cut at " + cut);
            }
        }
    }

    @Test
    void reusedBatchesHoldTheSameExamplesAsFreshOnes() {
        Dataset d = Mnist.bundled().select(java.util.stream.IntStream.range(0, 70).toArray());
        List<Batches.Batch> fresh = Batches.epoch(d, 32, Rng.seeded(4));
        int i = 0;
        for (Batches.Batch b : Batches.reusing(d, 32, Rng.seeded(4))) {
            Batches.Batch f = fresh.get(i++);
            assertArrayEquals(f.labels(), b.labels());
            assertEquals(f.features(), b.features());
            assertEquals(f.targets(), b.targets());
            assertEquals(d.features().getRows(f.labels().length == 0 ? new int[0] : indicesOf(d, f)), f.features());
        }
        assertEquals(3, i);
    }

    /** The rows of {@code d} that batch {@code f} holds, found by content. */
    private static int[] indicesOf(Dataset d, Batches.Batch f) {
        int[] out = new int[f.size()];
        for (int r = 0; r < f.size(); r++) {
            for (int j = 0; j < d.size(); j++) {
                if (d.features().getRow(j).equals(f.features().getRow(r))) {
                    out[r] = j;
                    break;
                }
            }
        }
        return out;
    }

    /** A float32 network of the host-loop layers against the same network in float64. */
    @Test
    void normalizationResidualAndScaleInFloatMatchFloat64() {
        for (boolean training : new boolean[] {true, false}) {
            java.util.function.Supplier<Layer> net = () -> Sequential.of(Dense.of(6, 5, Rng.seeded(3)), BatchNorm.of(5),
                    Activation.tanh(), Residual.of(Sequential.of(Dense.of(5, 5, Rng.seeded(4)), LayerNorm.of(5), Scale.of(0.5))),
                    Dense.of(5, 3, Rng.seeded(5)));
            Layer f = net.get();
            Layer d = net.get().to(DataType.DOUBLE);
            INDArray x = randn(DataType.DOUBLE, 8, 6);
            f.forward(x.castTo(DataType.FLOAT));      // moves the running statistics away from 0 and 1
            d.forward(x);
            f.setTraining(training);
            d.setTraining(training);
            INDArray dy = randn(DataType.DOUBLE, 8, 3);
            INDArray yf = f.forward(x.castTo(DataType.FLOAT)).dup();
            INDArray yd = d.forward(x).dup();
            assertArrayEquals(yd.reshape(24).toDoubleVector(), yf.reshape(24).toDoubleVector(), 1e-5, "output, training " + training);
            INDArray dxf = f.backward(dy.castTo(DataType.FLOAT)).dup();
            INDArray dxd = d.backward(dy).dup();
            assertArrayEquals(dxd.reshape(48).toDoubleVector(), dxf.reshape(48).toDoubleVector(), 1e-5, "dx, training " + training);
            Map<String, Param> pf = f.namedParams();
            d.namedParams().forEach((name, p) -> assertArrayEquals(p.grad().reshape(p.grad().length()).toDoubleVector(),
                    pf.get(name).grad().castTo(DataType.DOUBLE).reshape(p.grad().length()).toDoubleVector(), 1e-5, name));
            Map<String, INDArray> bf = f.namedBuffers();
            d.namedBuffers().forEach((name, b) -> assertArrayEquals(b.toDoubleVector(), bf.get(name).castTo(DataType.DOUBLE).toDoubleVector(),
                    1e-6, name));
        }
    }

    /** Two threads training BatchNorm and LayerNorm at once (ND4J's ops here crashed the JVM) agree with one thread. */
    @Test
    void normalizationLayersRunOnTwoThreadsAtOnce() throws Exception {
        INDArray x = randn(DataType.FLOAT, 32, 64);
        java.util.concurrent.Callable<double[]> job = () -> {
            Layer m = Sequential.of(BatchNorm.of(64), Activation.relu(), LayerNorm.of(64));
            INDArray dx = null;
            for (int i = 0; i < 2000; i++) {
                m.forward(x);
                dx = m.backward(x);
            }
            return dx.reshape(dx.length()).toDoubleVector();
        };
        double[] alone = job.call();
        var pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            var a = pool.submit(job);
            var b = pool.submit(job);
            assertArrayEquals(alone, a.get());
            assertArrayEquals(alone, b.get());
        } finally {
            pool.shutdown();
        }
    }
}
