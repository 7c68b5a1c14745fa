package org.gradlab.clip;

import java.util.Map;
import org.gradlab.clip.GradStats;
import org.gradlab.host.Blas;
import org.gradlab.host.HostArrays;
import org.gradlab.nn.Param;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Norm types over {@link GradStats}, and the helpers clips share. */
public final class GradNorms {
    private GradNorms() {
    }

    /**
     * Which p-norm: PyTorch's {@code norm_type}, any {@code p > 0} or infinity,
     * {@code ||g||_p = (sum |g_i|^p)^(1/p)} and {@code ||g||_inf = max |g_i|}. {@link #L1},
     * {@link #L2} and {@link #INF} read the fused per-step {@link GradStats}; any other {@code p}
     * takes one pass of its own over each gradient.
     *
     * @param p the norm's order, {@code > 0}; {@link Double#POSITIVE_INFINITY} for the max norm
     */
    public record NormType(double p) {
        public static final NormType L1 = new NormType(1);
        public static final NormType L2 = new NormType(2);
        public static final NormType INF = new NormType(Double.POSITIVE_INFINITY);

        public NormType {
            if (!(p > 0)) {
                throw new IllegalArgumentException("normType: p must be > 0 or Infinity, got " + p);
            }
        }

        /** The p-norm of order {@code p} (PyTorch's {@code norm_type=p}). */
        public static NormType of(double p) {
            return new NormType(p);
        }

        /** Whether {@link GradStats} already holds this norm (p = 1, 2 or infinity). */
        public boolean fused() {
            return p == 1 || p == 2 || p == Double.POSITIVE_INFINITY;
        }

        /**
         * The norm of tensor {@code i}: from its measurements when {@link #fused}, otherwise
         * {@code (sum |g|^p)^(1/p)} over {@code grad}, its gradient. NaN or infinite when the
         * gradient holds such values.
         */
        public double of(GradStats s, int i, INDArray grad) {
            if (p == 1) {
                return s.sumAbs()[i];
            }
            if (p == 2) {
                return s.norm(i);
            }
            if (p == Double.POSITIVE_INFINITY) {
                return s.maxAbs()[i];
            }
            double acc = 0;
            for (double x : HostArrays.toDoubles(grad)) {
                acc += Math.pow(Math.abs(x), p);
            }
            return Math.pow(acc, 1 / p);
        }

        /** The total norm over all gradients of {@code params} (measured as {@code s}), PyTorch's norm of per-tensor norms. */
        public double total(Map<String, Param> params, GradStats s) {
            double[] norms = new double[s.size()];
            int i = 0;
            for (Param param : params.values()) {
                norms[i] = of(s, i, param.grad());
                i++;
            }
            return combine(norms);
        }

        /**
         * The norm of a vector of per-tensor norms, PyTorch's "norm of norms": sum for L1,
         * sqrt of the sum of squares for L2, max for INF, {@code (sum n^p)^(1/p)} otherwise.
         * A NaN anywhere gives NaN.
         */
        public double combine(double[] norms) {
            double acc = 0;
            boolean nan = false;
            for (double n : norms) {
                nan |= Double.isNaN(n);
                acc = p == 1 ? acc + n
                        : p == 2 ? acc + n * n
                        : p == Double.POSITIVE_INFINITY ? Math.max(acc, n)
                        : acc + Math.pow(n, p);
            }
            if (nan) {
                return Double.NaN;
            }
            return p == 2 ? Math.sqrt(acc) : fused() ? acc : Math.pow(acc, 1 / p);
        }

        /** {@code L1}, {@code L2}, {@code INF}, or {@code L} and the order, e.g. {@code L0.5}. */
        @Override
        public String toString() {
            return p == Double.POSITIVE_INFINITY ? "INF" : p == 1 ? "L1" : p == 2 ? "L2" : "L" + p;
        }
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
