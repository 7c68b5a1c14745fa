package org.gradlab.nn;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Layers applied in order; backward runs them in reverse. Children are named {@code "0"},
 * {@code "1"}, ..., so parameters are {@code "0.weight"}, {@code "0.bias"}, ... as in PyTorch's
 * {@code nn.Sequential}.
 *
 * <pre>{@code
 * Rng rng = Rng.seeded(42);
 * Sequential mlp = Sequential.of(
 *     Dense.of(784, 64, rng), Activation.relu(), Dropout.of(0.2, rng.split()),
 *     Dense.of(64, 10, rng));
 * }</pre>
 */
public final class Sequential implements Layer {
    private final List<Layer> layers;

    /** The index of the first layer that holds parameters (itself or in its children), or the layer count. */
    private final int firstTrained;

    private Sequential(List<Layer> layers) {
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("Sequential: needs at least one layer, got none");
        }
        this.layers = List.copyOf(layers);
        int first = 0;
        while (first < this.layers.size() && this.layers.get(first).namedParams().isEmpty()) {
            first++;
        }
        firstTrained = first;
    }

    public static Sequential of(Layer... layers) {
        return new Sequential(List.of(layers));
    }

    public static Sequential of(List<? extends Layer> layers) {
        return new Sequential(List.copyOf(layers));
    }

    public List<Layer> layers() {
        return layers;
    }

    @Override
    public INDArray forward(INDArray x) {
        INDArray h = x;
        for (Layer m : layers) {
            h = m.forward(h);
        }
        return h;
    }

    @Override
    public INDArray backward(INDArray dy) {
        return backward(dy, true);
    }

    /**
     * Runs the layers' backward passes in reverse. Unless dL/dx is asked for, a layer computes its
     * dL/d(input) only when a layer before it has parameters, and the parameter-free layers in front
     * (a reshape such as {@link Sequences}, say) are not run backward at all: so in
     * {@code Sequential.of(Sequences.rows(28), Gru.of(...), ...)} the recurrent layer skips its
     * input-gradient gemm, as the first Dense of an MLP does.
     */
    @Override
    public INDArray backward(INDArray dy, boolean needInputGradient) {
        INDArray g = dy;
        for (int i = layers.size() - 1; i >= 0; i--) {
            boolean need = needInputGradient || i > firstTrained;
            g = layers.get(i).backward(g, need);
            if (!need) {
                return null;
            }
        }
        return g;
    }

    @Override
    public Map<String, Layer> children() {
        Map<String, Layer> out = new LinkedHashMap<>();
        for (int i = 0; i < layers.size(); i++) {
            out.put(Integer.toString(i), layers.get(i));
        }
        return out;
    }

    @Override
    public String toString() {
        return layers.stream().map(Object::toString).collect(Collectors.joining(", ", "Sequential(", ")"));
    }
}
