package org.gradlab.nn;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The last time step of a sequence: {@code [batch, time, features] -> [batch, features]}, to put
 * a recurrent layer's final output into a {@link Dense} head (PyTorch: {@code out[:, -1]}).
 * Backward puts the gradient at the last step and zeros elsewhere. Parameter-free.
 *
 * <pre>{@code Sequential.of(Sequences.rows(28), Lstm.of(28, 128, rng), LastStep.of(), Dense.of(128, 10, rng))}</pre>
 */
public final class LastStep implements Layer {
    private long[] inputShape;

    private LastStep() {
    }

    public static LastStep of() {
        return new LastStep();
    }

    @Override
    public INDArray forward(INDArray x) {
        if (x.rank() != 3 || x.size(1) == 0) {
            throw new IllegalArgumentException(this + ": input must be [batch, time, features] with time >= 1, got "
                    + Arrays.toString(x.shape()));
        }
        inputShape = x.shape();
        return x.get(NDArrayIndex.all(), NDArrayIndex.point(x.size(1) - 1), NDArrayIndex.all()).dup('c');
    }

    @Override
    public INDArray backward(INDArray dy) {
        if (inputShape == null) {
            throw new IllegalStateException(this + ": backward called before forward");
        }
        if (dy.rank() != 2 || dy.size(0) != inputShape[0] || dy.size(1) != inputShape[2]) {
            throw new IllegalArgumentException(this + ": gradient must be [" + inputShape[0] + ", " + inputShape[2]
                    + "], got " + Arrays.toString(dy.shape()));
        }
        INDArray dx = Nd4j.zeros(dy.dataType(), inputShape);
        dx.get(NDArrayIndex.all(), NDArrayIndex.point(inputShape[1] - 1), NDArrayIndex.all()).assign(dy);
        return dx;
    }

    @Override
    public String toString() {
        return "LastStep";
    }
}
