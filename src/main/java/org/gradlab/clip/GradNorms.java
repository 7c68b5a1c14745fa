package org.gradlab.clip;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.BooleanIndexing;
import org.nd4j.linalg.indexing.conditions.Conditions;

/** Norms of gradient tensors, the measurements every clip shares. */
public final class GradNorms {
    private GradNorms() {
    }

    /** Which p-norm: PyTorch's norm_type 1, 2 or inf. */
    public enum NormType {
        L1, L2, INF;

        /** The norm of one tensor. */
        public double of(INDArray g) {
            return switch (this) {
                case L1 -> g.norm1Number().doubleValue();
                case L2 -> g.norm2Number().doubleValue();
                case INF -> {   // ND4J's amax skips NaN; PyTorch's max does not
                    double m = g.amaxNumber().doubleValue();
                    yield Double.isNaN(g.sumNumber().doubleValue()) ? Double.NaN : m;
                }
            };
        }

        /**
         * The norm of a vector of per-tensor norms, PyTorch's "norm of norms": sum for L1,
         * sqrt of the sum of squares for L2, max for INF. A NaN anywhere gives NaN.
         */
        public double combine(double[] norms) {
            double acc = 0;
            boolean nan = false;
            for (double n : norms) {
                nan |= Double.isNaN(n);
                acc = switch (this) {
                    case L1 -> acc + n;
                    case L2 -> acc + n * n;
                    case INF -> Math.max(acc, n);
                };
            }
            if (nan) {
                return Double.NaN;
            }
            return this == L2 ? Math.sqrt(acc) : acc;
        }
    }

    /**
     * A transform that only measures the global L2 norm of the gradients (for the LR range test
     * and for runs without clipping that still want the norm in their history).
     */
    public static GradientTransform measure() {
        return params -> {
            double[] norms = params.values().stream().mapToDouble(p -> p.grad().norm2Number().doubleValue()).toArray();
            return ClipReport.unchanged(NormType.L2.combine(norms));
        };
    }

    /**
     * {@code g *= s} in place. ND4J's scalar multiply turns a NaN factor into a tiny number, so a
     * NaN factor goes through a NaN array instead, which gives PyTorch's all-NaN result.
     */
    public static void scaleInPlace(INDArray g, double s) {
        if (Double.isNaN(s)) {
            g.muli(Nd4j.scalar(g.dataType(), Double.NaN));
        } else {
            g.muli(s);
        }
    }

    /** Whether {@code g} holds a NaN or an infinity: one cheap reduction, an exact check only when it is suspicious. */
    public static boolean hasNonFinite(INDArray g) {
        double s = g.sumNumber().doubleValue();
        if (Double.isFinite(s)) {
            return false;
        }
        return BooleanIndexing.or(g, Conditions.isNan()) || BooleanIndexing.or(g, Conditions.isInfinite());
    }
}
