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
 * gradients of this module's parameters (overwriting, not accumulating, so no zero-grad call is
 * needed between steps) and returns {@code dL/dx}. Arrays are {@code [batch, features]}.
 * Parameter names follow PyTorch ({@code "0.weight"}, {@code "0.bias"}, ...), so state and
 * results can be compared with a PyTorch model of the same structure.
 *
 * <pre>{@code
 * INDArray logits = model.forward(x);
 * Loss.Evaluation e = Loss.crossEntropy().evaluate(logits, oneHot);
 * model.backward(e.gradient());
 * }</pre>
 */
public interface Module {

    /** Computes the output for {@code input} and remembers what backward needs. */
    INDArray forward(INDArray input);

    /** Given dL/d(output) of the last forward, writes parameter gradients and returns dL/d(input). */
    INDArray backward(INDArray gradOutput);

    /** This module's own parameters (not its children's), in a fixed order. */
    default List<Param> params() {
        return List.of();
    }

    /** Direct sub-modules by name, in order. */
    default Map<String, Module> children() {
        return Map.of();
    }

    /** Training mode (dropout active, batch statistics) or evaluation mode; applies to all children. */
    default void setTraining(boolean training) {
        children().values().forEach(c -> c.setTraining(training));
    }

    /** Converts every parameter (and buffer) to {@code type}, e.g. DOUBLE for gradient checks. */
    default Module to(DataType type) {
        params().forEach(p -> p.castTo(type));
        children().values().forEach(c -> c.to(type));
        return this;
    }

    /** Every parameter of this module and its descendants, by full PyTorch-style name. */
    default Map<String, Param> namedParams() {
        Map<String, Param> out = new LinkedHashMap<>();
        for (Param p : params()) {
            out.put(p.name(), p);
        }
        children().forEach((childName, child) ->
                child.namedParams().forEach((n, p) -> out.put(childName + "." + n, p)));
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
