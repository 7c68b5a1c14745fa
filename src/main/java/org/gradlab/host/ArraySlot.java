package org.gradlab.host;

import java.util.Arrays;
import java.util.function.Consumer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Where a layer puts one of its results (its output, its input gradient) on every call: the array
 * of the last shape asked for, and of the one before, are kept and handed out again. A training
 * run alternates between two shapes (batches of 32, and the evaluation's batches of 1,000 after
 * every epoch), and a new array costs about 10 us to make and, at evaluation size, its zeroed
 * pages as much again as a whole step (0.3 s of a 12-layer MLP's run when only one was kept).
 * Arrays are allocated outside any workspace, since they outlive the step.
 *
 * <pre>{@code
 * private final ArraySlot output = new ArraySlot();
 * ...
 * INDArray y = output.get(DataType.FLOAT, batch, features);   // overwritten by the next call
 * }</pre>
 */
public final class ArraySlot {
    private final Consumer<INDArray> fill;
    private INDArray recent;
    private INDArray previous;

    /** A slot whose new arrays start at zero. */
    public ArraySlot() {
        this(a -> { });
    }

    /** A slot whose new arrays {@code fill} sets up once (a column of ones, say); arrays handed out again keep what they hold. */
    public ArraySlot(Consumer<INDArray> fill) {
        this.fill = fill;
    }

    /** An array of {@code type} and {@code shape}, one of the two kept when either has them, else a new one. */
    public INDArray get(DataType type, long... shape) {
        if (!fits(recent, type, shape)) {
            INDArray other = previous;
            if (!fits(other, type, shape)) {
                other = Blas.reuse(null, type, shape);
                fill.accept(other);
            }
            previous = recent;
            recent = other;
        }
        return recent;
    }

    private static boolean fits(INDArray a, DataType type, long[] shape) {
        return a != null && a.dataType() == type && Arrays.equals(a.shape(), shape);
    }
}
