package org.gradlab.clip;

import org.gradlab.diagnostics.GradStats;
import org.gradlab.nn.Blas;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Norm types over {@link GradStats}, and the helpers clips share. */
public final class GradNorms {
    private GradNorms() {
    }

    /** Which p-norm: PyTorch's norm_type 1, 2 or inf. */
    public enum NormType {
        L1, L2, INF;

        /** The norm of tensor {@code i} from its measurements. */
        public double of(GradStats s, int i) {
            return switch (this) {
                case L1 -> s.sumAbs()[i];
                case L2 -> s.norm(i);
                case INF -> s.maxAbs()[i];
            };
        }

        /** The total norm over all tensors, PyTorch's norm of per-tensor norms. */
        public double total(GradStats s) {
            double[] norms = new double[s.size()];
            for (int i = 0; i < norms.length; i++) {
                norms[i] = of(s, i);
            }
            return combine(norms);
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
        return (params, stats) -> ClipReport.unchanged(stats.globalNorm(), stats.firstNonFinite());
    }

    /**
     * {@code g *= s} in place. ND4J's scalar multiply turns a NaN factor into a tiny number, so a
     * NaN factor goes through a NaN array instead, which gives PyTorch's all-NaN result. A
     * finite non-zero factor on a dense array is one BLAS scal call.
     */
    public static void scaleInPlace(INDArray g, double s) {
        if (s != 0 && Double.isFinite(s) && Blas.isDense(g) && g.dataType().isFPType() && g.dataType().width() >= 4) {
            Blas.scal(s, g);
        } else if (Double.isNaN(s)) {
            g.muli(Nd4j.scalar(g.dataType(), Double.NaN));
        } else {
            g.muli(s);
        }
    }

}
