package org.gradlab.nn;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A network component with an explicit backward pass.
 *
 * <p>{@link #forward} keeps what {@link #backward} needs; {@code backward(dL/dy)} writes the
 * gradients of this layer's parameters (overwriting, not accumulating, so no zero-grad call is
 * needed between steps) and returns {@code dL/dx}. Arrays are {@code [batch, features]}.
 * Parameter names follow PyTorch ({@code "0.weight"}, {@code "0.bias"}, ...), so state and
 * results can be compared with a PyTorch model of the same structure. A layer may return arrays
 * it owns and overwrites on its next call (the built-in ones do, so a step allocates nothing):
 * {@code dup()} an output or gradient to keep it.
 *
 * <pre>{@code
 * INDArray logits = model.forward(x);
 * Loss.Evaluation e = Loss.crossEntropy().evaluate(logits, oneHot);
 * model.backward(e.gradient());
 * }</pre>
 */
public interface Layer {

    /** Computes the output for {@code input} and remembers what backward needs. */
    INDArray forward(INDArray input);

    /** Given dL/d(output) of the last forward, writes parameter gradients and returns dL/d(input). */
    INDArray backward(INDArray gradOutput);

    /**
     * {@link #backward(INDArray)}, told whether anyone will read dL/d(input): when not (the first
     * layer of a model, as PyTorch knows from {@code requires_grad}), a layer may skip computing
     * it and return null. Parameter gradients are written either way.
     */
    default INDArray backward(INDArray gradOutput, boolean needInputGradient) {
        return backward(gradOutput);
    }

    /** This module's own parameters (not its children's), in a fixed order. */
    default List<Param> params() {
        return List.of();
    }

    /** Direct sub-layers by name, in order. */
    default Map<String, Layer> children() {
        return Map.of();
    }

    /** Training mode (dropout active, batch statistics) or evaluation mode; applies to all children. */
    default void setTraining(boolean training) {
        children().values().forEach(c -> c.setTraining(training));
    }

    /** Converts every parameter (and buffer) to {@code type}, e.g. DOUBLE for gradient checks. */
    default Layer to(DataType type) {
        params().forEach(p -> p.castTo(type));
        children().values().forEach(c -> c.to(type));
        return this;
    }

    /** Non-trainable state of this layer (not its children's), e.g. BatchNorm's running statistics. */
    default Map<String, INDArray> buffers() {
        return Map.of();
    }

    /** Random generators of this layer (not its children's), e.g. Dropout's, so checkpoints can save them. */
    default Map<String, Rng> rngs() {
        return Map.of();
    }

    /** Every parameter of this layer and its descendants, by full PyTorch-style name. */
    default Map<String, Param> namedParams() {
        Map<String, Param> own = new LinkedHashMap<>();
        params().forEach(p -> own.put(p.name(), p));
        return named(this, own, Layer::namedParams);
    }

    /** Every buffer of this layer and its descendants, by full name ({@code "3.running_mean"}). */
    default Map<String, INDArray> namedBuffers() {
        return named(this, buffers(), Layer::namedBuffers);
    }

    /** Every random generator of this layer and its descendants, by full name ({@code "2.rng"}). */
    default Map<String, Rng> namedRngs() {
        return named(this, rngs(), Layer::namedRngs);
    }

    /** Copies of every parameter and buffer by full name, like PyTorch's {@code state_dict()}. */
    default Map<String, INDArray> stateDict() {
        Map<String, INDArray> out = new LinkedHashMap<>();
        namedParams().forEach((n, p) -> out.put(n, p.value().dup()));
        namedBuffers().forEach((n, b) -> out.put(n, b.dup()));
        return out;
    }

    /**
     * Copies {@code state} into the parameters and buffers. Every name, shape and type is checked
     * before anything is written, so a mismatch leaves the layer as it was.
     */
    default void loadStateDict(Map<String, INDArray> state) {
        Map<String, INDArray> targets = checkStateDict(state);
        targets.forEach((n, t) -> t.assign(state.get(n)));
    }

    /**
     * Checks that {@code state} has exactly this layer's parameter and buffer names, shapes and
     * types, throwing {@link IllegalArgumentException} naming the first mismatch; returns the
     * arrays it would write.
     */
    default Map<String, INDArray> checkStateDict(Map<String, INDArray> state) {
        Map<String, INDArray> targets = new LinkedHashMap<>();
        namedParams().forEach((n, p) -> targets.put(n, p.value()));
        targets.putAll(namedBuffers());
        if (!targets.keySet().equals(state.keySet())) {
            throw new IllegalArgumentException("loadStateDict: expected entries " + targets.keySet() + ", got " + state.keySet());
        }
        targets.forEach((n, t) -> {
            INDArray s = state.get(n);
            if (!java.util.Arrays.equals(t.shape(), s.shape()) || t.dataType() != s.dataType()) {
                throw new IllegalArgumentException("loadStateDict: " + n + " is " + t.dataType()
                        + java.util.Arrays.toString(t.shape()) + " here but " + s.dataType()
                        + java.util.Arrays.toString(s.shape()) + " in the state");
            }
        });
        return targets;
    }

    /** {@code own} entries, then each child's (by {@code recurse}) prefixed with the child's name. */
    private static <T> Map<String, T> named(Layer m, Map<String, T> own, java.util.function.Function<Layer, Map<String, T>> recurse) {
        Map<String, T> out = new LinkedHashMap<>(own);
        m.children().forEach((childName, child) ->
                recurse.apply(child).forEach((n, v) -> out.put(childName + "." + n, v)));
        return out;
    }

    /** {@link #namedParams()}'s values, in order. */
    default List<Param> allParams() {
        return new ArrayList<>(namedParams().values());
    }

    /** Total number of trainable scalars. */
    default long paramCount() {
        return namedParams().values().stream().mapToLong(Param::size).sum();
    }
}
