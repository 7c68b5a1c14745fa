package org.gradlab.nn;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The arithmetic BatchNorm and LayerNorm share, as Java loops in double precision over host
 * copies of the arrays (no ND4J op, so no ND4J state shared between threads). Statistics are
 * taken over the rows of each column ({@link Axis#COLUMNS}, BatchNorm) or over the columns of
 * each row ({@link Axis#ROWS}, LayerNorm) of a {@code [rows, features]} input.
 *
 * <p>Forward: {@code xhat = (x - mean) * invStd}, {@code y = xhat * weight + bias} per feature.
 * Backward, when the statistics came from the batch (Ioffe and Szegedy 2015, section 3, written
 * with means instead of sums): {@code dx = invStd * (g - mean(g) - xhat * mean(g * xhat))} with
 * {@code g = dy * weight}; with fixed statistics {@code dx = g * invStd}. The output and input
 * gradient arrays are reused from call to call, as {@link Dense}'s are.
 */
final class Normalization {
    /** Which way the statistics run. */
    enum Axis {
        /** One mean and variance per column, over the batch (BatchNorm). */
        COLUMNS,
        /** One mean and variance per row, over its features (LayerNorm). */
        ROWS
    }

    private final Axis axis;
    private final int features;
    private final double eps;
    private int rows;
    private boolean batchStats;
    private double[] x = new double[0];
    private double[] xhat = new double[0];
    private double[] g = new double[0];
    private double[] mean = new double[0];
    private double[] var = new double[0];
    private double[] invStd = new double[0];
    private final double[] weight;
    private final double[] sumA;
    private final double[] sumB;
    private final double[][] scratch = {new double[0], new double[0]};
    private INDArray output;
    private INDArray gradInput;

    Normalization(Axis axis, int features, double eps) {
        this.axis = axis;
        this.features = features;
        this.eps = eps;
        weight = new double[features];
        sumA = new double[features];
        sumB = new double[features];
    }

    /** The last forward's statistics, one per group (column or row); valid until the next forward. */
    double[] mean() {
        return mean;
    }

    /** The last forward's biased variances, one per group; valid until the next forward. */
    double[] variance() {
        return var;
    }

    /** The last forward's output (reused by the next forward), or null before the first. */
    INDArray output() {
        return output;
    }

    /**
     * Normalizes {@code input} with its own statistics ({@code fixedMean == null}) or with the
     * given per-column mean and variance, then scales and shifts.
     */
    INDArray forward(INDArray input, INDArray w, INDArray b, INDArray fixedMean, INDArray fixedVar) {
        rows = input.rows();
        int n = rows * features;
        int groups = axis == Axis.COLUMNS ? features : rows;
        x = HostArrays.readDoubles(input, ensure(x, n));
        xhat = ensure(xhat, n);
        invStd = ensure(invStd, groups);
        batchStats = fixedMean == null;
        if (batchStats) {
            mean = ensure(mean, groups);
            var = ensure(var, groups);
            statistics();
        } else {
            mean = HostArrays.readDoubles(fixedMean, ensure(mean, groups));
            var = HostArrays.readDoubles(fixedVar, ensure(var, groups));
        }
        for (int k = 0; k < groups; k++) {
            invStd[k] = 1 / Math.sqrt(var[k] + eps);
        }
        HostArrays.readDoubles(w, weight);
        double[] shift = HostArrays.readDoubles(b, sumA);
        double[] y = ensure(g, n);
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < features; j++) {
                int at = i * features + j;
                int k = axis == Axis.COLUMNS ? j : i;
                xhat[at] = (x[at] - mean[k]) * invStd[k];
                y[at] = xhat[at] * weight[j] + shift[j];
            }
        }
        g = y;
        output = Blas.reuse(output, input.dataType(), rows, features);
        HostArrays.writeDoubles(y, n, output);
        return output;
    }

    /** Two-pass mean and biased variance of each group. */
    private void statistics() {
        Arrays.fill(mean, 0);
        Arrays.fill(var, 0);
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < features; j++) {
                mean[axis == Axis.COLUMNS ? j : i] += x[i * features + j];
            }
        }
        double perGroup = axis == Axis.COLUMNS ? rows : features;
        for (int k = 0; k < mean.length; k++) {
            mean[k] /= perGroup;
        }
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < features; j++) {
                int k = axis == Axis.COLUMNS ? j : i;
                double d = x[i * features + j] - mean[k];
                var[k] += d * d;
            }
        }
        for (int k = 0; k < var.length; k++) {
            var[k] /= perGroup;
        }
    }

    /** Writes dL/dweight and dL/dbias into the params' gradients and returns dL/dx. */
    INDArray backward(INDArray gradOutput, Param w, Param b, boolean needInputGradient) {
        int n = rows * features;
        double[] dy = HostArrays.readDoubles(Blas.contiguous(gradOutput), ensure(g, n));
        g = dy;
        Arrays.fill(sumA, 0);
        Arrays.fill(sumB, 0);
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < features; j++) {
                int at = i * features + j;
                sumA[j] += dy[at] * xhat[at];
                sumB[j] += dy[at];
            }
        }
        HostArrays.writeDoubles(sumA, features, w.grad());
        HostArrays.writeDoubles(sumB, features, b.grad());
        if (!needInputGradient) {
            return null;
        }
        for (int at = 0; at < n; at++) {
            dy[at] *= weight[at % features];
        }
        if (batchStats) {
            subtractProjection(dy);
        }
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < features; j++) {
                dy[i * features + j] *= invStd[axis == Axis.COLUMNS ? j : i];
            }
        }
        gradInput = Blas.reuse(gradInput, gradOutput.dataType(), rows, features);
        HostArrays.writeDoubles(dy, n, gradInput);
        return gradInput;
    }

    /** {@code g <- g - mean(g) - xhat * mean(g * xhat)}, means taken within each group. */
    private void subtractProjection(double[] grad) {
        int groups = axis == Axis.COLUMNS ? features : rows;
        double[] meanG = ensureScratch(groups, 0);
        double[] meanGx = ensureScratch(groups, 1);
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < features; j++) {
                int at = i * features + j;
                int k = axis == Axis.COLUMNS ? j : i;
                meanG[k] += grad[at];
                meanGx[k] += grad[at] * xhat[at];
            }
        }
        double perGroup = axis == Axis.COLUMNS ? rows : features;
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < features; j++) {
                int at = i * features + j;
                int k = axis == Axis.COLUMNS ? j : i;
                grad[at] -= (meanG[k] + xhat[at] * meanGx[k]) / perGroup;
            }
        }
    }

    /** A zeroed scratch array of {@code n} values, number {@code slot}. */
    private double[] ensureScratch(int n, int slot) {
        scratch[slot] = ensure(scratch[slot], n);
        Arrays.fill(scratch[slot], 0);
        return scratch[slot];
    }

    /** {@code a} when it has exactly {@code n} values, else a new array of {@code n}. */
    private static double[] ensure(double[] a, int n) {
        return a.length == n ? a : new double[n];
    }

    /** Blends {@code batch} into a running statistic: {@code running = (1 - m) running + m scale batch}. */
    static void blend(INDArray running, double[] batch, double momentum, double scale) {
        double[] r = HostArrays.readDoubles(running, new double[batch.length]);
        for (int k = 0; k < r.length; k++) {
            r[k] = (1 - momentum) * r[k] + momentum * scale * batch[k];
        }
        HostArrays.writeDoubles(r, r.length, running);
    }

    static void requireType(String who, INDArray x, INDArray param) {
        DataType p = param.dataType();
        if (x.dataType() != p) {
            throw new IllegalArgumentException(who + ": input is " + x.dataType() + " but the parameters are " + p
                    + "; convert one with castTo(...) or to(...)");
        }
    }
}
