package org.gradlab.nn;

import org.gradlab.Checks;
import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Reads each example's features as a sequence: {@code [batch, time * width] -> [batch, time,
 * width]}, row-major, so a flat 28x28 digit becomes 28 steps of one 28-pixel row each (the
 * classic sequential-MNIST task). A reshape, not a copy; backward reshapes the gradient back.
 * Parameter-free.
 *
 * <pre>{@code Sequential.of(Sequences.rows(28), Rnn.tanh(28, 128, rng), LastStep.of(), Dense.of(128, 10, rng));}</pre>
 */
public final class Sequences implements Layer {
    private final int width;
    private long[] inputShape;
    /** The last input and its sequence view, handed out again while the same array comes back. */
    private INDArray input;
    private INDArray view;

    private Sequences(int width) {
        this.width = Checks.positive("Sequences.rows", "width", width);
    }

    /** Steps of {@code width} features each, as many as the input has: 28 rows of 28 pixels for a digit. */
    public static Sequences rows(int width) {
        return new Sequences(width);
    }

    public int width() {
        return width;
    }

    @Override
    public INDArray forward(INDArray x) {
        if (x.rank() != 2 || x.columns() == 0 || x.columns() % width != 0) {
            throw new IllegalArgumentException(this + ": input must be [batch, time * " + width
                    + "] with time >= 1, got " + Arrays.toString(x.shape()));
        }
        if (x != input || view == null) {   // a reshape makes a new array (about 15 us); training reuses its batch array
            view = x.reshape('c', x.rows(), x.columns() / width, width);
            input = x;
        }
        inputShape = x.shape();
        return view;
    }

    @Override
    public INDArray backward(INDArray dy) {
        if (inputShape == null) {
            throw new IllegalStateException(this + ": backward called before forward");
        }
        if (dy.length() != inputShape[0] * inputShape[1]) {
            throw new IllegalArgumentException(this + ": gradient must be [" + inputShape[0] + ", "
                    + inputShape[1] / width + ", " + width + "], got " + Arrays.toString(dy.shape()));
        }
        return dy.reshape('c', inputShape);
    }

    @Override
    public String toString() {
        return "Rows(" + width + ")";
    }
}
