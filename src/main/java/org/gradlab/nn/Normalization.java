package org.gradlab.nn;

import org.gradlab.host.ArraySlot;
import org.gradlab.host.HostArrays;
import org.gradlab.host.Blas;
import java.util.Arrays;
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
    /** The forward's output and, in backward, the gradient as it becomes dL/dx. */
    private double[] work = new double[0];
    private double[] mean = new double[0];
    private double[] var = new double[0];
    private double[] invStd = new double[0];
    private final double[] weight;
    private final double[] bias;
    private final double[] sumA;
    private final double[] sumB;
    private INDArray output;
    private INDArray gradInput;
    /** The arrays {@link #output} and {@link #gradInput} are written into, kept per shape (training and evaluation batches). */
    private final ArraySlot outputs = new ArraySlot();
    private final ArraySlot gradInputs = new ArraySlot();

    Normalization(Axis axis, int features, double eps) {
        this.axis = axis;
        this.features = features;
        this.eps = eps;
        weight = new double[features];
        bias = new double[features];
        sumA = new double[features];
        sumB = new double[features];
    }

    /** The last forward's output (reused by the next forward), or null before the first. */
    INDArray output() {
        return output;
    }

    private int groups() {
        return axis == Axis.COLUMNS ? features : rows;
    }

    /** Elements per group. */
    private double groupSize() {
        return axis == Axis.COLUMNS ? rows : features;
    }

    /**
     * Normalizes {@code input} with its own statistics ({@code fixedMean == null}) or with the
     * given per-column mean and variance, then scales and shifts.
     */
    INDArray forward(INDArray input, INDArray w, INDArray b, INDArray fixedMean, INDArray fixedVar) {
        rows = input.rows();
        int n = rows * features;
        int groups = groups();
        x = HostArrays.readDoubles(input, ensure(x, n));
        xhat = ensure(xhat, n);
        work = ensure(work, n);
        invStd = ensure(invStd, groups);
        mean = ensure(mean, groups);
        var = ensure(var, groups);
        batchStats = fixedMean == null;
        if (batchStats) {
            statistics();
        } else {
            HostArrays.readDoubles(fixedMean, mean);
            HostArrays.readDoubles(fixedVar, var);
        }
        for (int k = 0; k < groups; k++) {
            invStd[k] = 1 / Math.sqrt(var[k] + eps);
        }
        HostArrays.readDoubles(w, weight);
        HostArrays.readDoubles(b, bias);
        for (int i = 0; i < rows; i++) {
            int row = i * features;
            if (axis == Axis.ROWS) {
                double m = mean[i];
                double s = invStd[i];
                for (int j = 0; j < features; j++) {
                    xhat[row + j] = (x[row + j] - m) * s;
                }
            } else {
                for (int j = 0; j < features; j++) {
                    xhat[row + j] = (x[row + j] - mean[j]) * invStd[j];
                }
            }
            for (int j = 0; j < features; j++) {
                work[row + j] = xhat[row + j] * weight[j] + bias[j];
            }
        }
        output = outputs.get(input.dataType(), rows, features);
        HostArrays.writeDoubles(work, n, output);
        return output;
    }

    /**
     * Two-pass mean and biased variance of each group. Every sum runs over its group in row-major
     * order; per column (BatchNorm) the loops go row by row over all columns at once, which the JIT
     * vectorises across the columns without changing any column's order of additions.
     */
    private void statistics() {
        double size = groupSize();
        if (axis == Axis.ROWS) {
            for (int i = 0; i < rows; i++) {
                int row = i * features;
                double sum = 0;
                for (int j = 0; j < features; j++) {
                    sum += x[row + j];
                }
                double m = sum / size;
                double squares = 0;
                for (int j = 0; j < features; j++) {
                    double d = x[row + j] - m;
                    squares += d * d;
                }
                mean[i] = m;
                var[i] = squares / size;
            }
            return;
        }
        Arrays.fill(mean, 0);
        Arrays.fill(var, 0);
        for (int i = 0; i < rows; i++) {
            int row = i * features;
            for (int j = 0; j < features; j++) {
                mean[j] += x[row + j];
            }
        }
        for (int k = 0; k < features; k++) {
            mean[k] /= size;
        }
        for (int i = 0; i < rows; i++) {
            int row = i * features;
            for (int j = 0; j < features; j++) {
                double d = x[row + j] - mean[j];
                var[j] += d * d;
            }
        }
        for (int k = 0; k < features; k++) {
            var[k] /= size;
        }
    }

    /**
     * Blends the last forward's batch statistics into running ones, as BatchNorm keeps them:
     * {@code running = (1 - m) running + m batch}, the variance scaled by {@code n / (n - 1)}.
     */
    void updateRunning(INDArray runningMean, INDArray runningVar, double momentum) {
        blend(runningMean, mean, momentum, 1);
        blend(runningVar, var, momentum, rows / (rows - 1.0));
    }

    private void blend(INDArray running, double[] batch, double momentum, double scale) {
        double[] r = HostArrays.readDoubles(running, sumA);
        for (int k = 0; k < batch.length; k++) {
            r[k] = (1 - momentum) * r[k] + momentum * scale * batch[k];
        }
        HostArrays.writeDoubles(r, batch.length, running);
    }

    /** Writes dL/dweight and dL/dbias into the params' gradients and returns dL/dx. */
    INDArray backward(INDArray gradOutput, Param w, Param b, boolean needInputGradient) {
        int n = rows * features;
        double[] dy = HostArrays.readDoubles(Blas.contiguous(gradOutput), work);
        Arrays.fill(sumA, 0);
        Arrays.fill(sumB, 0);
        for (int i = 0; i < rows; i++) {
            int row = i * features;
            for (int j = 0; j < features; j++) {
                sumA[j] += dy[row + j] * xhat[row + j];
                sumB[j] += dy[row + j];
            }
        }
        HostArrays.writeDoubles(sumA, features, w.grad());
        HostArrays.writeDoubles(sumB, features, b.grad());
        if (!needInputGradient) {
            return null;
        }
        for (int i = 0; i < rows; i++) {
            int row = i * features;
            for (int j = 0; j < features; j++) {
                dy[row + j] *= weight[j];
            }
        }
        if (batchStats) {
            subtractProjection(dy);
        }
        for (int i = 0; i < rows; i++) {
            int row = i * features;
            if (axis == Axis.ROWS) {
                double s = invStd[i];
                for (int j = 0; j < features; j++) {
                    dy[row + j] *= s;
                }
            } else {
                for (int j = 0; j < features; j++) {
                    dy[row + j] *= invStd[j];
                }
            }
        }
        gradInput = gradInputs.get(gradOutput.dataType(), rows, features);
        HostArrays.writeDoubles(dy, n, gradInput);
        return gradInput;
    }

    /**
     * {@code g <- g - mean(g) - xhat * mean(g * xhat)}, means taken within each group; the sums
     * use {@link #mean} and {@link #var}, which backward no longer needs.
     */
    private void subtractProjection(double[] grad) {
        double size = groupSize();
        if (axis == Axis.ROWS) {
            for (int i = 0; i < rows; i++) {
                int row = i * features;
                double g = 0;
                double gx = 0;
                for (int j = 0; j < features; j++) {
                    g += grad[row + j];
                    gx += grad[row + j] * xhat[row + j];
                }
                for (int j = 0; j < features; j++) {
                    grad[row + j] -= (g + xhat[row + j] * gx) / size;
                }
            }
            return;
        }
        double[] sumG = mean;
        double[] sumGx = var;
        Arrays.fill(sumG, 0);
        Arrays.fill(sumGx, 0);
        for (int i = 0; i < rows; i++) {
            int row = i * features;
            for (int j = 0; j < features; j++) {
                sumG[j] += grad[row + j];
                sumGx[j] += grad[row + j] * xhat[row + j];
            }
        }
        for (int i = 0; i < rows; i++) {
            int row = i * features;
            for (int j = 0; j < features; j++) {
                grad[row + j] -= (sumG[j] + xhat[row + j] * sumGx[j]) / size;
            }
        }
    }

    /** {@code a} when it has exactly {@code n} values, else a new array of {@code n}. */
    private static double[] ensure(double[] a, int n) {
        return a.length == n ? a : new double[n];
    }
}
