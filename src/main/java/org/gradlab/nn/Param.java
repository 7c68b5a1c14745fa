package org.gradlab.nn;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A trainable tensor and its gradient. The value is updated in place by optimizers; the
 * gradient is written (not accumulated) by the owning layer's backward pass.
 */
public final class Param {
    private final String name;
    private INDArray value;
    private INDArray grad;

    /** A parameter named {@code name} (local to its layer, e.g. {@code "weight"}) holding {@code value}. */
    public Param(String name, INDArray value) {
        this.name = name;
        this.value = value;
        this.grad = value.ulike().assign(0);
    }

    /** A parameter over existing arrays (no copy), e.g. to let a clip work on copies of the gradients. */
    public static Param withGradient(String name, INDArray value, INDArray grad) {
        if (!java.util.Arrays.equals(value.shape(), grad.shape())) {
            throw new IllegalArgumentException("param " + name + ": gradient shape " + java.util.Arrays.toString(grad.shape())
                    + " differs from value shape " + java.util.Arrays.toString(value.shape()));
        }
        return new Param(name, value, grad);
    }

    private Param(String name, INDArray value, INDArray grad) {
        this.name = name;
        this.value = value;
        this.grad = grad;
    }

    /** Local name, e.g. {@code "weight"}; {@link Layer#namedParams()} prefixes it with the layer path. */
    public String name() {
        return name;
    }

    public INDArray value() {
        return value;
    }

    public INDArray grad() {
        return grad;
    }

    /** Number of scalar entries. */
    public long size() {
        return value.length();
    }

    /** Converts value and gradient to {@code type} (a new array only when the type changes). */
    void castTo(DataType type) {
        if (value.dataType() != type) {
            value = value.castTo(type);
            grad = grad.castTo(type);
        }
    }
}
