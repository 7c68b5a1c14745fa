package org.gradlab.clip;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.gradlab.clip.GradStats;
import org.gradlab.host.HostArrays;
import org.gradlab.nn.Param;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.BooleanIndexing;
import org.nd4j.linalg.indexing.conditions.Conditions;

/**
 * Gradient clipping as transforms ({@link GradientTransform}) that report what they measured;
 * the stateless ones keep {@link GradientTransform.NoState}, AutoClip and ZClip a typed state.
 *
 * <ul>
 *   <li>{@link #globalNorm}: PyTorch's {@code clip_grad_norm_}: total norm {@code N} of all
 *       gradients (a norm of per-tensor norms), then every gradient times
 *       {@code min(maxNorm / (N + 1e-6), 1)} (Pascanu, Mikolov and Bengio 2013).
 *   <li>{@link #value}: PyTorch's {@code clip_grad_value_}: each element clamped to
 *       {@code [-v, v]}; NaN stays NaN.
 *   <li>{@link #perLayer}: the same norm rule applied to each layer (the parameters sharing a
 *       name prefix, e.g. {@code 0.weight} and {@code 0.bias}) on its own.
 *   <li>{@link #adaptive}: adaptive gradient clipping, AGC (Brock et al. 2021): each unit (a
 *       slice along the first dimension: a row of a {@code [out, in]} weight, an output channel
 *       of a convolution kernel; a whole bias, or each of its elements) keeps its gradient unless
 *       {@code |g| >= clipping * max(|w|, eps)}, and is then scaled down to that bound.
 * </ul>
 *
 * <p>Clipping twice equals clipping once up to PyTorch's {@code 1e-6} in the denominator: a
 * second norm clip scales by about {@code 1 - 1e-6 / maxNorm}.
 *
 * <pre>{@code Trainer.builder(model).lr(0.1).optimizer(Optimizer.of(Sgd.momentum(0.9)))
 *         .gradients(Guard.skipNonFinite(), Clip.globalNorm(1.0)).build();}</pre>
 */
public final class Clip {
    private Clip() {
    }

    /** What global-norm clipping does with a gradient that is not finite. */
    public enum NonFinite {
        /** Throw {@link NonFiniteGradientException} naming the parameter (PyTorch's error_if_nonfinite=True). */
        ERROR,
        /** Leave the gradients alone and skip the optimizer step. */
        SKIP,
        /** Do what PyTorch does by default: a NaN total makes every gradient NaN, an infinite one zeroes finite entries. */
        PROPAGATE
    }

    /** Global L2-norm clipping to {@code maxNorm}, non-finite gradients propagated as PyTorch does. */
    public static GradientTransform<GradientTransform.NoState> globalNorm(double maxNorm) {
        return globalNorm(maxNorm, GradNorms.NormType.L2, NonFinite.PROPAGATE);
    }

    /**
     * Global-norm clipping with a chosen norm (any p-norm, {@link GradNorms.NormType#of}) and
     * non-finite policy.
     */
    public static GradientTransform<GradientTransform.NoState> globalNorm(double maxNorm, GradNorms.NormType normType, NonFinite policy) {
        requirePositive("globalNorm", "maxNorm", maxNorm);
        java.util.Objects.requireNonNull(normType, "normType");
        java.util.Objects.requireNonNull(policy, "policy");
        return GradientTransform.of("globalNorm(" + maxNorm + ", " + normType + ", " + policy + ")", (params, stats) -> {
            double total = normType.total(params, stats);
            String firstNonFinite = stats.firstNonFinite();
            if (!Double.isFinite(total) && policy != NonFinite.PROPAGATE) {     // PyTorch checks the total: finite
                String culprit = firstNonFinite != null ? firstNonFinite : "the total";   // gradients can overflow it
                if (policy == NonFinite.ERROR) {
                    throw new NonFiniteGradientException(culprit, "total " + normType + " norm is " + total
                            + " at global-norm clipping" + (firstNonFinite == null ? " (every gradient is finite; their "
                            + normType + " norm overflows)" : ""));
                }
                return new ClipReport(total, total, 1.0, 0, true, firstNonFinite);
            }
            double scale = Math.min(maxNorm / (total + 1e-6), 1.0);
            if (scale == 1.0) {      // PyTorch multiplies by 1.0 too: the same numbers, without the pass
                return ClipReport.unchanged(total, firstNonFinite);
            }
            params.values().forEach(p -> GradNorms.scaleInPlace(p.grad(), scale));
            return new ClipReport(total, total * scale, scale, params.size(), false, firstNonFinite);
        });
    }

    /** Clamps every gradient element to {@code [-clipValue, clipValue]}; does not measure a norm. */
    public static GradientTransform<GradientTransform.NoState> value(double clipValue) {
        requirePositive("value", "clipValue", clipValue);
        return GradientTransform.of("value(" + clipValue + ")", (params, stats) -> {
            int changed = 0;
            int i = 0;
            for (Param p : params.values()) {
                if (!(stats.maxAbs()[i] <= clipValue) || !stats.finite(i)) {
                    BooleanIndexing.replaceWhere(p.grad(), clipValue, Conditions.greaterThan(clipValue));
                    BooleanIndexing.replaceWhere(p.grad(), -clipValue, Conditions.lessThan(-clipValue));
                    changed++;
                }
                i++;
            }
            double before = stats.globalNorm();
            return new ClipReport(before, changed == 0 ? before : Double.NaN, 1.0, changed, false, stats.firstNonFinite());
        });
    }

    /** L2-norm clipping of each layer (parameters sharing the name prefix before the last dot) to {@code maxNorm}. */
    public static GradientTransform<GradientTransform.NoState> perLayer(double maxNorm) {
        requirePositive("perLayer", "maxNorm", maxNorm);
        return GradientTransform.of("perLayer(" + maxNorm + ")", (params, stats) -> {
            Map<String, List<Integer>> layers = new LinkedHashMap<>();
            for (int i = 0; i < stats.size(); i++) {
                layers.computeIfAbsent(layerOf(stats.names()[i]), k -> new ArrayList<>()).add(i);
            }
            List<Param> ps = new ArrayList<>(params.values());
            double sumSq = 0;
            double sumSqAfter = 0;
            double minScale = 1.0;
            int changed = 0;
            for (List<Integer> layer : layers.values()) {
                double sq = layer.stream().mapToDouble(i -> stats.sumSq()[i]).sum();
                double scale = Math.min(maxNorm / (Math.sqrt(sq) + 1e-6), 1.0);
                sumSq += sq;
                sumSqAfter += sq * scale * scale;
                if (scale != 1.0) {
                    layer.forEach(i -> GradNorms.scaleInPlace(ps.get(i).grad(), scale));
                    minScale = Math.min(minScale, scale);
                    changed += layer.size();
                }
            }
            return new ClipReport(Math.sqrt(sumSq), Math.sqrt(sumSqAfter), minScale, changed, false, stats.firstNonFinite());
        });
    }

    /**
     * AGC (Brock et al. 2021, "High-Performance Large-Scale Image Recognition Without
     * Normalization"): per unit, {@code maxNorm = clipping * max(|w|, eps)}; a unit whose
     * gradient norm is below it is kept, otherwise its gradient is scaled to
     * {@code maxNorm / max(|g|, 1e-6)}. Units are slices along the first dimension of tensors of
     * rank 2 and more (norms over all other dimensions, as NFNets and timm's
     * {@code adaptive_clip_grad}) and whole tensors of rank 0 and 1.
     * Typical settings: clipping 0.01 to 0.16, eps 1e-3.
     */
    public static GradientTransform<GradientTransform.NoState> adaptive(double clipping, double eps) {
        return adaptive(clipping, eps, VectorUnits.WHOLE);
    }

    /** What an AGC unit is in a rank-1 tensor (a bias, a normalization's scale). */
    public enum VectorUnits {
        /** The whole vector is one unit (NFNets, timm's {@code adaptive_clip_grad}). */
        WHOLE,
        /** Each element is a unit of its own, its norm its absolute value (one bias per output row). */
        ELEMENTS
    }

    /**
     * {@link #adaptive(double, double)} with rank-1 tensors split into units as {@code vectors}
     * says: with {@link VectorUnits#ELEMENTS}, AGC is unit-wise over the output rows of weights
     * and the elements of biases, each bias element bounded by {@code clipping * max(|b|, eps)}.
     */
    public static GradientTransform<GradientTransform.NoState> adaptive(double clipping, double eps, VectorUnits vectors) {
        requirePositive("adaptive", "clipping", clipping);
        requirePositive("adaptive", "eps", eps);
        Objects.requireNonNull(vectors, "vectors");
        boolean elements = vectors == VectorUnits.ELEMENTS;
        String name = "adaptive(" + clipping + ", " + eps + (elements ? ", elementwise vectors" : "") + ")";
        return GradientTransform.of(name, (params, stats) -> {
            double sumSqAfter = 0;
            double minScale = 1.0;
            int changed = 0;
            for (Param p : params.values()) {
                int units = unitCount(p.value(), elements);
                double[] w = unitNorms(p.value(), units);
                double[] g = unitNorms(p.grad(), units);
                double[] factor = new double[g.length];
                boolean any = false;
                for (int u = 0; u < g.length; u++) {
                    double max = clipping * Math.max(w[u], eps);
                    factor[u] = g[u] < max ? 1.0 : max / Math.max(g[u], 1e-6);
                    sumSqAfter += g[u] * g[u] * factor[u] * factor[u];
                    if (factor[u] != 1.0) {
                        any = true;
                        changed++;
                        minScale = Math.min(minScale, factor[u]);
                    }
                }
                if (any) {
                    scaleUnits(p.grad(), factor);
                }
            }
            return new ClipReport(stats.globalNorm(), Math.sqrt(sumSqAfter), minScale, changed, false, stats.firstNonFinite());
        });
    }

    /**
     * AutoClip (Seetharaman et al. 2020, "AutoClip: Adaptive Gradient Clipping for Source
     * Separation Networks"): every step appends the global L2 norm to the run's history and clips
     * at its {@code percentile}-th percentile (linear interpolation, as numpy's). Its state is
     * the sorted history ({@link AutoClip.State}).
     */
    public static GradientTransform<AutoClip.State> autoClip(double percentile) {
        return new AutoClip(percentile);
    }

    /**
     * ZClip (Kumar et al. 2025, "ZClip: Adaptive Spike Mitigation for LLM Pre-Training"), z-score
     * mode with adaptive scaling, as the authors' code: after {@code warmup} steps that only
     * collect norms (mean and variance initialised from them), a norm {@code g} with
     * {@code z = (g - mean) / (std + 1e-6) > zThreshold} is clipped to
     * {@code mean + zThreshold^2 std / z}; then {@code mean} and {@code var} follow an EMA
     * ({@code alpha}) of the norm actually used. Defaults: alpha 0.97, zThreshold 2.5, warmup 25.
     */
    public static GradientTransform<ZClip.State> zClip(double alpha, double zThreshold, int warmup) {
        return new ZClip(alpha, zThreshold, warmup);
    }

    /**
     * Shadow mode: reports what {@code clip} would have done (its norms, scale and count) while
     * the gradients stay exactly as they were. A stateful clip (AutoClip, ZClip) still learns
     * from the real norms. Costs a copy of the gradients.
     */
    public static <S extends Record> GradientTransform<S> shadow(GradientTransform<S> clip) {
        java.util.Objects.requireNonNull(clip, "clip");
        return new GradientTransform<>() {
            @Override
            public String name() {
                return "shadow(" + clip.name() + ")";
            }

            @Override
            public S init(Map<String, Param> params) {
                return clip.init(params);
            }

            @Override
            public Update<S> update(Map<String, Param> params, GradStats stats, S state) {
                Map<String, Param> copies = new LinkedHashMap<>();
                params.forEach((n, p) -> copies.put(n, Param.withGradient(n, p.value(), p.grad().dup())));
                Update<S> u = clip.update(copies, stats, state);
                ClipReport r = u.report();
                return new Update<>(new ClipReport(r.totalNorm(), r.normAfter(), r.scale(), r.clipped(), false, r.nonFinite()),
                        u.state());
            }

            @Override
            public String toString() {
                return name();
            }
        };
    }

    /** Scales every gradient so the global L2 norm is at most {@code target}: PyTorch's rule with that max norm. */
    public static ClipReport scaleToNorm(Map<String, Param> params, GradStats stats, double target) {
        double total = stats.globalNorm();
        double scale = Math.min(target / (total + 1e-6), 1.0);
        if (scale == 1.0) {
            return ClipReport.unchanged(total, stats.firstNonFinite());
        }
        params.values().forEach(p -> GradNorms.scaleInPlace(p.grad(), scale));
        return new ClipReport(total, total * scale, scale, params.size(), false, stats.firstNonFinite());
    }

    /**
     * The number of AGC units of {@code t}: its first dimension at rank >= 2 (a row of a
     * {@code [out, in]} weight, an output channel of a {@code [out, in, k...]} kernel), its length
     * for a vector split into {@code elements}, else one for the whole tensor.
     */
    private static int unitCount(INDArray t, boolean elements) {
        return Math.toIntExact(t.rank() >= 2 ? t.size(0) : elements && t.rank() == 1 ? t.length() : 1);
    }

    /** L2 norm of each of the {@code units} equal row-major slices of {@code t}, read without an ND4J op. */
    private static double[] unitNorms(INDArray t, int units) {
        FloatBuffer f = HostArrays.floatView(t);
        double[] d = f == null ? HostArrays.toDoubles(t) : null;
        int per = Math.toIntExact(t.length() / units);
        double[] norms = new double[units];
        for (int u = 0, k = 0; u < units; u++) {
            double sq = 0;
            for (int end = k + per; k < end; k++) {
                double v = f != null ? f.get(k) : d[k];
                sq += v * v;
            }
            norms[u] = Math.sqrt(sq);
        }
        return norms;
    }

    /** Multiplies unit {@code u} of {@code g} (one of {@code factor.length} equal row-major slices) by {@code factor[u]}, in place. */
    private static void scaleUnits(INDArray g, double[] factor) {
        FloatBuffer f = HostArrays.floatView(g);
        int per = Math.toIntExact(g.length() / factor.length);
        if (f != null) {
            for (int k = 0; k < f.limit(); k++) {
                f.put(k, (float) (f.get(k) * factor[k / per]));
            }
            return;
        }
        INDArray col = Nd4j.create(factor).castTo(g.dataType()).reshape(factor.length, 1);
        g.assign(g.reshape('c', factor.length, per).mulColumnVector(col).reshape('c', g.shape()));
    }

    private static String layerOf(String paramName) {
        int dot = paramName.lastIndexOf('.');
        return dot < 0 ? "" : paramName.substring(0, dot);
    }

    static void requirePositive(String who, String name, double v) {
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(who + ": " + name + " must be finite and > 0, got " + v);
        }
    }
}
