package org.gradlab.clip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.gradlab.nn.Param;
import org.gradlab.nn.Rng;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class ClipTest {
    /** Gradients with a spread of magnitudes, scaled by {@code scale}. */
    private static Map<String, Param> grads(long seed, double scale) {
        Rng rng = Rng.seeded(seed);
        Map<String, Param> m = new LinkedHashMap<>();
        long[][] shapes = {{8, 5}, {8}, {3, 8}, {3}};
        String[] names = {"0.weight", "0.bias", "2.weight", "2.bias"};
        for (int i = 0; i < shapes.length; i++) {
            long n = java.util.Arrays.stream(shapes[i]).reduce(1, (a, b) -> a * b);
            double[] v = new double[(int) n];
            for (int k = 0; k < v.length; k++) {
                v[k] = rng.nextGaussian() * scale * (i + 1);
            }
            Param p = new Param(names[i], Nd4j.create(v, shapes[i], DataType.DOUBLE).addi(1));
            p.grad().assign(Nd4j.create(v, shapes[i], DataType.DOUBLE));
            m.put(names[i], p);
        }
        return m;
    }

    private static Map<String, INDArray> snapshot(Map<String, Param> ps) {
        Map<String, INDArray> s = new LinkedHashMap<>();
        ps.forEach((n, p) -> s.put(n, p.grad().dup()));
        return s;
    }

    private static double globalNorm(Map<String, Param> ps) {
        return GradNorms.NormType.L2.combine(ps.values().stream().mapToDouble(p -> p.grad().norm2Number().doubleValue()).toArray());
    }

    @Test
    void clippingTwiceEqualsClippingOnceAndBoundsTheNorm() {
        for (GradientTransform<?> clip : List.of(Clip.globalNorm(1.0), Clip.globalNorm(0.5, GradNorms.NormType.INF, Clip.NonFinite.ERROR),
                Clip.globalNorm(2.0, GradNorms.NormType.L1, Clip.NonFinite.ERROR), Clip.value(0.3), Clip.perLayer(0.7),
                Clip.globalNorm(1.5, GradNorms.NormType.of(3), Clip.NonFinite.ERROR),
                Clip.globalNorm(4.0, GradNorms.NormType.of(0.5), Clip.NonFinite.ERROR), Clip.adaptive(0.05, 1e-3))) {
            for (long seed = 1; seed <= 5; seed++) {
                Map<String, Param> ps = grads(seed, 10);
                clip.applyInPlace(ps);
                Map<String, INDArray> once = snapshot(ps);
                clip.applyInPlace(ps);
                for (String n : ps.keySet()) {
                    double diff = ps.get(n).grad().sub(once.get(n)).amaxNumber().doubleValue();
                    // norm clips: PyTorch's +1e-6 in the denominator makes a second clip scale by ~(1 - 1e-6)
                    double tolerance = clip.toString().startsWith("value") || clip.toString().startsWith("adaptive") ? 1e-12 : 2e-6;
                    assertTrue(diff <= tolerance * Math.max(1, once.get(n).amaxNumber().doubleValue()),
                            clip + " twice moved " + n + " by " + diff);
                }
            }
        }
        Map<String, Param> ps = grads(3, 10);
        ClipReport r = Clip.globalNorm(1.0).applyInPlace(ps);
        assertTrue(r.totalNorm() > 1 && r.wasClipped());
        assertTrue(globalNorm(ps) <= 1.0, "norm after clipping " + globalNorm(ps));
        assertEquals(r.totalNorm() * r.scale(), globalNorm(ps), 1e-9);
        Clip.perLayer(0.7).applyInPlace(ps = grads(4, 10));
        double layer0 = Math.hypot(ps.get("0.weight").grad().norm2Number().doubleValue(), ps.get("0.bias").grad().norm2Number().doubleValue());
        assertTrue(layer0 <= 0.7, "layer 0 norm " + layer0);
        Clip.value(0.3).applyInPlace(ps = grads(5, 10));
        ps.values().forEach(p -> assertTrue(p.grad().amaxNumber().doubleValue() <= 0.3));
    }

    @Test
    void smallGradientsPassUntouched() {
        Map<String, Param> ps = grads(7, 1e-3);
        Map<String, INDArray> before = snapshot(ps);
        ClipReport r = Clip.globalNorm(1.0).applyInPlace(ps);
        assertFalse(r.wasClipped());
        assertEquals(1.0, r.scale());
        ps.forEach((n, p) -> org.gradlab.Bits.assertBitIdentical(n, before.get(n), p.grad()));
    }

    @Test
    void nonFinitePoliciesAndTheGuardNameTheParameter() {
        Map<String, Param> ps = grads(1, 1);
        ps.get("2.weight").grad().putScalar(1, 2, Double.NaN);
        var e = assertThrows(NonFiniteGradientException.class,
                () -> Clip.globalNorm(1, GradNorms.NormType.L2, Clip.NonFinite.ERROR).applyInPlace(ps));
        assertEquals("2.weight", e.param());
        Map<String, INDArray> before = snapshot(ps);
        ClipReport skip = Clip.globalNorm(1, GradNorms.NormType.L2, Clip.NonFinite.SKIP).applyInPlace(ps);
        assertTrue(skip.skip());
        assertEquals("2.weight", skip.nonFinite());
        org.gradlab.Bits.assertBitIdentical("0.weight", before.get("0.weight"), ps.get("0.weight").grad());
        ClipReport guard = Guard.skipNonFinite().applyInPlace(ps);
        assertTrue(guard.skip());
        assertEquals("2.weight", guard.nonFinite());
        ClipReport fine = Guard.skipNonFinite().applyInPlace(grads(2, 1));
        assertFalse(fine.skip());
        assertNull(fine.nonFinite());
    }

    /**
     * PyTorch's {@code clip_grad_norm_(norm_type=3, error_if_nonfinite=True)} on finite gradients
     * whose total norm overflows raises and leaves them as they were (it used to scale them by 0);
     * SKIP skips the step and PROPAGATE does what PyTorch does without the flag: it multiplies by
     * {@code max_norm / inf = 0}.
     */
    @Test
    void aTotalNormThatOverflowsRaisesAndLeavesFiniteGradientsAsTheyWere() {
        Map<String, Param> ps = grads(3, 1e150);      // every entry finite; |g|^3 is about 1e450, past double's range
        assertTrue(ps.values().stream().allMatch(p -> Double.isFinite(p.grad().norm2Number().doubleValue())), "finite gradients");
        Map<String, INDArray> before = snapshot(ps);
        var e = assertThrows(NonFiniteGradientException.class,
                () -> Clip.globalNorm(1.0, GradNorms.NormType.of(3), Clip.NonFinite.ERROR).applyInPlace(ps));
        assertEquals("the total", e.param());
        assertTrue(e.getMessage().contains("total L3.0 norm is Infinity at global-norm clipping (every gradient is finite; their L3.0 "
                + "norm overflows)"), e.getMessage());
        ps.forEach((n, p) -> org.gradlab.Bits.assertBitIdentical(n, before.get(n), p.grad()));

        ClipReport skip = Clip.globalNorm(1.0, GradNorms.NormType.of(3), Clip.NonFinite.SKIP).applyInPlace(ps);
        assertTrue(skip.skip());
        assertNull(skip.nonFinite(), "no parameter is to blame");
        ps.forEach((n, p) -> org.gradlab.Bits.assertBitIdentical(n, before.get(n), p.grad()));

        Clip.globalNorm(1.0, GradNorms.NormType.of(3), Clip.NonFinite.PROPAGATE).applyInPlace(ps);
        assertEquals(0.0, globalNorm(ps), "as PyTorch without error_if_nonfinite: scaled by max_norm / inf");
    }

    @Test
    void badThresholdsNameTheValue() {
        var e = assertThrows(IllegalArgumentException.class, () -> Clip.globalNorm(0));
        assertTrue(e.getMessage().contains("maxNorm must be finite and > 0, got 0.0"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Clip.value(-1));
        assertThrows(IllegalArgumentException.class, () -> Clip.perLayer(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> Clip.adaptive(0.01, 0));
    }

    @Test
    void anyPNormIsTheNormOfPerTensorNormsOnFloat32AndFloat64() {
        for (DataType type : List.of(DataType.DOUBLE, DataType.FLOAT)) {
            Map<String, Param> ps = new LinkedHashMap<>();
            ps.put("a", Param.withGradient("a", Nd4j.zeros(type, 2, 2), Nd4j.create(new double[] {1, -2, 3, 0}, new long[] {2, 2}, type)));
            ps.put("b", Param.withGradient("b", Nd4j.zeros(type, 1), Nd4j.create(new double[] {-4}, new long[] {1}, type)));
            var stats = org.gradlab.clip.GradStats.of(ps);
            // || [ (1 + 8 + 27)^(1/3), 4 ] ||_3 = (36 + 64)^(1/3)
            assertEquals(Math.cbrt(100), GradNorms.NormType.of(3).total(ps, stats), 1e-15 * Math.cbrt(100));
            double half = Math.pow(Math.pow(Math.pow(1 + Math.sqrt(2) + Math.sqrt(3), 2), 0.5) + 2, 2);
            assertEquals(half, GradNorms.NormType.of(0.5).total(ps, stats), 1e-14 * half);
            assertEquals(10.0, GradNorms.NormType.of(1).total(ps, stats));
            assertEquals(4.0, GradNorms.NormType.of(Double.POSITIVE_INFINITY).total(ps, stats));
        }
    }

    @Test
    void normTypesNameThemselvesAndRejectPAtOrBelowZero() {
        assertEquals(GradNorms.NormType.L2, GradNorms.NormType.of(2));
        assertTrue(GradNorms.NormType.INF.fused());
        assertFalse(GradNorms.NormType.of(3).fused());
        assertEquals("L2", GradNorms.NormType.L2.toString());
        assertEquals("INF", GradNorms.NormType.INF.toString());
        assertEquals("L0.5", GradNorms.NormType.of(0.5).toString());
        var e = assertThrows(IllegalArgumentException.class, () -> GradNorms.NormType.of(0));
        assertEquals("normType: p must be > 0 or Infinity, got 0.0", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> GradNorms.NormType.of(-1));
        assertThrows(IllegalArgumentException.class, () -> GradNorms.NormType.of(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> GradNorms.NormType.of(Double.NEGATIVE_INFINITY));
    }

    @Test
    void adaptiveClipsEachOutputChannelOfAConvolutionKernel() {
        INDArray w = Nd4j.ones(DataType.DOUBLE, 2, 3, 2, 2);                 // each unit: |w| = sqrt(12)
        INDArray g = Nd4j.ones(DataType.DOUBLE, 2, 3, 2, 2);
        g.get(org.nd4j.linalg.indexing.NDArrayIndex.point(1)).muli(1e-3);   // unit 1: |g| = 1e-3 sqrt(12), kept
        Param p = Param.withGradient("conv.weight", w, g);
        ClipReport r = Clip.adaptive(0.01, 1e-3).applyInPlace(Map.of(p.name(), p));
        assertEquals(1, r.clipped());
        double bound = 0.01 * Math.sqrt(12);
        assertEquals(bound, p.grad().get(org.nd4j.linalg.indexing.NDArrayIndex.point(0)).norm2Number().doubleValue(), 1e-15);
        assertEquals(1e-3, p.grad().getDouble(1, 2, 1, 0), 0.0);
        assertEquals(bound / Math.sqrt(12), p.grad().getDouble(0, 2, 1, 1), 1e-17);
    }

    @Test
    void adaptiveWithElementwiseVectorsBoundsEachBiasElementAndEachWeightRow() {
        java.util.Random rnd = new java.util.Random(7);
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            double[] b = {0.5, -2e-4, 3.0, 0.0, -1.0};
            double[] gb = {0.001, 0.5, -0.01, -1e-6, 2.0};
            double[][] w = new double[3][4];
            double[][] gw = new double[3][4];
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 4; j++) {
                    w[i][j] = rnd.nextGaussian();
                    gw[i][j] = rnd.nextGaussian() * (i == 1 ? 1e-3 : 1.0);
                }
            }
            Param bias = Param.withGradient("0.bias", Nd4j.createFromArray(b).castTo(type), Nd4j.createFromArray(gb).castTo(type));
            Param weight = Param.withGradient("0.weight", Nd4j.createFromArray(w).castTo(type), Nd4j.createFromArray(gw).castTo(type));
            Map<String, Param> params = new LinkedHashMap<>();
            params.put(weight.name(), weight);
            params.put(bias.name(), bias);
            ClipReport r = Clip.adaptive(0.1, 1e-3, Clip.VectorUnits.ELEMENTS).applyInPlace(params);
            double tol = type == DataType.FLOAT ? 1e-6 : 1e-15;
            int clipped = 0;
            for (int k = 0; k < b.length; k++) {   // direct: clip each |g_k| to 0.1 * max(|b_k|, 1e-3)
                double max = 0.1 * Math.max(Math.abs(b[k]), 1e-3);
                double want = Math.abs(gb[k]) < max ? gb[k] : gb[k] * max / Math.max(Math.abs(gb[k]), 1e-6);
                clipped += Math.abs(gb[k]) < max ? 0 : 1;
                assertEquals(want, bias.grad().getDouble(k), tol * Math.max(1, Math.abs(want)), type + " bias " + k);
            }
            for (int i = 0; i < 3; i++) {          // direct: each row's norm to 0.1 * max(|w_i|, 1e-3)
                double wn = 0;
                double gn = 0;
                for (int j = 0; j < 4; j++) {
                    wn += w[i][j] * w[i][j];
                    gn += gw[i][j] * gw[i][j];
                }
                double max = 0.1 * Math.max(Math.sqrt(wn), 1e-3);
                double scale = Math.sqrt(gn) < max ? 1 : max / Math.sqrt(gn);
                clipped += scale == 1 ? 0 : 1;
                for (int j = 0; j < 4; j++) {
                    assertEquals(gw[i][j] * scale, weight.grad().getDouble(i, j), tol, type + " weight " + i + "," + j);
                }
            }
            assertEquals(clipped, r.clipped());
            assertTrue(clipped >= 4, "the case exercises clipping: " + clipped);
        }
        Param bias = Param.withGradient("b", Nd4j.createFromArray(1.0, 1.0), Nd4j.createFromArray(1.0, 0.0));
        Clip.adaptive(0.1, 1e-3).applyInPlace(Map.of("b", bias));   // default: the vector is one unit
        assertEquals(0.1 * Math.sqrt(2), bias.grad().getDouble(0), 1e-15);   // elementwise would give 0.1
    }
}
