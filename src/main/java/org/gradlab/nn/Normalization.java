package org.gradlab.nn;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The arithmetic BatchNorm and LayerNorm share. Statistics are taken along {@code dim}: 0 for
 * per-feature statistics over the batch (BatchNorm), 1 for per-sample statistics over the
 * features (LayerNorm).
 */
final class Normalization {
    /**
     * Held around the normalization layers' ND4J broadcast and reduction ops. ND4J 1.0.0-M2.1's
     * TAD cache is not safe when two threads run such ops at once (a study with two workers
     * crashed in {@code sd::TadDescriptor}); the other layers run on direct BLAS calls and Java
     * loops and need no lock.
     */
    static final Object ND4J_TADS = new Object();

    private Normalization() {
    }

    /** {@code x - v}, with {@code v} broadcast along {@code dim}; a new array. */
    static INDArray minus(INDArray x, INDArray v, int dim) {
        return dim == 0 ? x.subRowVector(v) : x.subColumnVector(v);
    }

    /** {@code x * v}, with {@code v} broadcast along {@code dim}; a new array. */
    static INDArray times(INDArray x, INDArray v, int dim) {
        return dim == 0 ? x.mulRowVector(v) : x.mulColumnVector(v);
    }

    /** {@code x * v} in place, with {@code v} broadcast along {@code dim}. */
    static INDArray timesInPlace(INDArray x, INDArray v, int dim) {
        return dim == 0 ? x.muliRowVector(v) : x.muliColumnVector(v);
    }

    /** {@code 1 / sqrt(var + eps)}, a new array. */
    static INDArray inverseStd(INDArray var, double eps) {
        return Transforms.pow(var.add(eps), -0.5, false);
    }

    /**
     * dL/dx of {@code xhat = (x - mean) * invStd} when mean and variance are batch statistics
     * along {@code dim}: {@code invStd * (g - mean(g) - xhat * mean(g * xhat))} with g = dL/dxhat
     * (Ioffe and Szegedy 2015, section 3, written with means instead of sums).
     */
    static INDArray backward(INDArray dxhat, INDArray xhat, INDArray invStd, int dim) {
        INDArray meanG = dxhat.mean(dim);
        INDArray meanGx = dxhat.mul(xhat).mean(dim);
        INDArray dx = minus(dxhat, meanG, dim).subi(times(xhat, meanGx, dim));
        return timesInPlace(dx, invStd, dim);
    }
}
