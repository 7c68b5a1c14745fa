package org.gradlab.nn;

import org.gradlab.host.Blas;
import java.util.Arrays;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A residual connection around a block (He et al. 2016): {@code y = x + block(x)}, so
 * {@code dx = dy + block.backward(dy)}. The identity path gives gradients a route around the
 * block, the structural fix for vanishing and exploding gradients in deep stacks. The block's
 * parameters are named {@code block.*}. The output and input-gradient arrays are reused from
 * call to call, as {@link Dense}'s are.
 *
 * <pre>{@code Residual.of(Sequential.of(Dense.of(64, 64, rng), Activation.relu()));}</pre>
 */
public final class Residual implements Layer {
    private final Layer block;
    private INDArray output;
    private INDArray gradInput;

    private Residual(Layer block) {
        this.block = java.util.Objects.requireNonNull(block, "block");
    }

    public static Residual of(Layer block) {
        return new Residual(block);
    }

    public Layer block() {
        return block;
    }

    @Override
    public INDArray forward(INDArray x) {
        INDArray fx = block.forward(x);
        if (!Arrays.equals(fx.shape(), x.shape())) {
            throw new IllegalArgumentException("Residual: block must keep the shape " + Arrays.toString(x.shape())
                    + ", but " + block + " gave " + Arrays.toString(fx.shape()));
        }
        output = Blas.plus(fx, 1, x, output);
        return output;
    }

    @Override
    public INDArray backward(INDArray dy) {
        gradInput = Blas.plus(block.backward(dy), 1, dy, gradInput);
        return gradInput;
    }

    @Override
    public Map<String, Layer> children() {
        return Map.of("block", block);
    }

    @Override
    public String toString() {
        return "Residual(" + block + ")";
    }
}
