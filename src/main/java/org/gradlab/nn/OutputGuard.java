package org.gradlab.nn;

import org.gradlab.host.HostArrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Output protection: wraps a model and stops a forward pass whose output holds NaN or infinity,
 * with a {@link NonFiniteOutputException} naming the layer that produced the first non-finite
 * value from finite input (or saying the input already held one). The check is one read of the
 * output per step; only a bad output makes it look back at the layers' outputs. The wrapped
 * model's parameters keep their names ({@code "0.weight"}, ...).
 *
 * <pre>{@code
 * Layer model = OutputGuard.around(Sequential.of(Dense.of(784, 64, rng), Activation.relu(), Dense.of(64, 10, rng)));
 * }</pre>
 */
public final class OutputGuard implements Layer {
    private final Layer model;
    private final List<Layer> layers;
    private final INDArray[] outputs;

    private OutputGuard(Layer model) {
        this.model = java.util.Objects.requireNonNull(model, "model");
        this.layers = model instanceof Sequential s ? s.layers() : List.of(model);
        this.outputs = new INDArray[layers.size() + 1];
    }

    /** Guards the output of {@code model}; a {@link Sequential} is watched layer by layer. */
    public static OutputGuard around(Layer model) {
        return new OutputGuard(model);
    }

    @Override
    public INDArray forward(INDArray input) {
        outputs[0] = input;
        for (int i = 0; i < layers.size(); i++) {
            outputs[i + 1] = layers.get(i).forward(outputs[i]);
        }
        INDArray out = outputs[layers.size()];
        if (firstNonFinite(out) >= 0) {
            throw culprit();
        }
        java.util.Arrays.fill(outputs, null);
        return out;
    }

    /** The first layer whose output is not finite, and where. */
    private NonFiniteOutputException culprit() {
        try {
            for (int i = 0; i <= layers.size(); i++) {
                long k = firstNonFinite(outputs[i]);
                if (k >= 0) {
                    long cols = outputs[i].rank() == 2 ? outputs[i].columns() : outputs[i].length();
                    String where = String.format(Locale.ROOT, "batch row %d, unit %d", k / cols, k % cols);
                    String name = i == 0 ? "the input" : (model instanceof Sequential ? "layer " + (i - 1) + " (" : "layer (")
                            + layers.get(i - 1) + ")";
                    return new NonFiniteOutputException(i == 0
                            ? "output guard: the input already holds a non-finite value at " + where
                            : "output guard: " + name + " produced a non-finite value at " + where + " from finite input");
                }
            }
            throw new IllegalStateException("output guard: the output is not finite but no layer output is");
        } finally {
            java.util.Arrays.fill(outputs, null);
        }
    }

    private static long firstNonFinite(INDArray a) {
        return HostArrays.firstWhere(a, e -> !Double.isFinite(e));
    }

    @Override
    public INDArray backward(INDArray gradOutput) {
        return model.backward(gradOutput);
    }

    @Override
    public List<Param> params() {
        return model.params();
    }

    @Override
    public Map<String, Layer> children() {
        return model.children();
    }

    @Override
    public Map<String, INDArray> buffers() {
        return model.buffers();
    }

    @Override
    public Map<String, Rng> rngs() {
        return model.rngs();
    }

    @Override
    public void setTraining(boolean training) {
        model.setTraining(training);
    }

    @Override
    public String toString() {
        return "OutputGuard(" + model + ")";
    }
}
