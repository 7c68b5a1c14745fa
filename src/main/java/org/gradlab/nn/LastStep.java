package org.gradlab.nn;

import org.gradlab.host.ArraySlot;
import org.gradlab.host.Block;
import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The last time step of a sequence: {@code [batch, time, features] -> [batch, features]}, to put
 * a recurrent layer's final output into a {@link Dense} head (PyTorch: {@code out[:, -1]}).
 * Backward puts the gradient at the last step and zeros elsewhere. Parameter-free; float32 or
 * float64, copied row by row without ND4J ops into arrays this layer reuses from call to call
 * ({@code dup()} one to keep it).
 *
 * <pre>{@code Sequential.of(Sequences.rows(28), Lstm.of(28, 128, rng), LastStep.of(), Dense.of(128, 10, rng));}</pre>
 */
public final class LastStep implements Layer {
    private long[] inputShape;
    private INDArray output;
    private INDArray gradInput;
    /** The arrays {@link #output} and {@link #gradInput} are written into, kept per shape (training and evaluation batches). */
    private final ArraySlot outputs = new ArraySlot();
    private final ArraySlot gradInputs = new ArraySlot();

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
        int batch = Math.toIntExact(x.size(0));
        int time = Math.toIntExact(x.size(1));
        int features = Math.toIntExact(x.size(2));
        Block in = Block.read(x, toString());
        output = outputs.get(x.dataType(), batch, features);
        Block out = Block.of(output, toString());
        for (int b = 0; b < batch; b++) {
            out.copy(b * features, in, (b * time + time - 1) * features, features);
        }
        return output;
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
        int batch = (int) inputShape[0];
        int time = (int) inputShape[1];
        int features = (int) inputShape[2];
        Block g = Block.read(dy, toString());
        gradInput = gradInputs.get(dy.dataType(), inputShape);
        Block out = Block.of(gradInput, toString());
        out.zero(0, batch * time * features);
        for (int b = 0; b < batch; b++) {
            out.copy((b * time + time - 1) * features, g, b * features, features);
        }
        return gradInput;
    }

    @Override
    public String toString() {
        return "LastStep";
    }
}
