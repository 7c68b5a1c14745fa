package org.gradlab.nn;

import org.gradlab.Checks;
import org.gradlab.host.ArraySlot;
import org.gradlab.host.Blas;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A fully connected layer, {@code y = x W^T + b}, with PyTorch's {@code [out, in]} weight layout
 * and parameter names {@code weight} and {@code bias}.
 *
 * <p>Backward: {@code dW = dy^T x}, {@code db = sum_rows(dy)}, {@code dx = dy W}.
 *
 * <p>Every product is one OpenBLAS gemm on the arrays' memory ({@link Blas}), with the bias
 * broadcast and summed by rank-1 gemms against a column of ones, so a step costs three to five
 * JNI calls and no ND4J op. The output and input-gradient arrays are this layer's own, reused
 * from call to call: {@code dup()} a result to keep it past the next call.
 *
 * <pre>{@code Dense layer = Dense.of(784, 64, Rng.seeded(1)); // torch.nn.Linear(784, 64)}</pre>
 */
public final class Dense implements Layer {
    private final int in;
    private final int out;
    private final Param weight;
    private final Param bias;
    /** {@code Dense(in->out)} and its backward's name, made once: every call's argument checks name the layer. */
    private final String name;
    private final String backwardName;
    private INDArray input;
    private INDArray output;
    private INDArray gradInput;
    /** The arrays {@link #output} and {@link #gradInput} are written into, kept per shape (training and evaluation batches). */
    private final ArraySlot outputs = new ArraySlot();
    private final ArraySlot gradInputs = new ArraySlot();
    private final ArraySlot ones = new ArraySlot(a -> a.assign(1));

    private Dense(int in, int out, Init init, Rng rng) {
        this.in = Checks.positive("Dense", "in", in);
        this.out = Checks.positive("Dense", "out", out);
        name = "Dense(" + in + "->" + out + ")";
        backwardName = name + " backward";
        weight = new Param("weight", Nd4j.create(init.weight().sample(in, out, in * out, rng), new long[] {out, in},
                DataType.DOUBLE).castTo(DataType.FLOAT));
        bias = new Param("bias", Nd4j.create(init.bias().sample(in, out, out, rng), new long[] {out},
                DataType.DOUBLE).castTo(DataType.FLOAT));
    }

    /** {@code in -> out} with PyTorch's default initialisation, float32. */
    public static Dense of(int in, int out, Rng rng) {
        return of(in, out, Init.pytorchDefault(), rng);
    }

    /** {@code in -> out} with the given initialisation, float32. */
    public static Dense of(int in, int out, Init init, Rng rng) {
        return new Dense(in, out, init, rng);
    }

    public int in() {
        return in;
    }

    public int out() {
        return out;
    }

    public Param weight() {
        return weight;
    }

    public Param bias() {
        return bias;
    }

    @Override
    public INDArray forward(INDArray x) {
        Checks.requireFeatures(name, x, in);
        Checks.requireType(name, x, weight.value());
        input = Blas.contiguous(x);
        int n = x.rows();
        output = outputs.get(x.dataType(), n, out);
        Blas.gemm(n, out, 1, ones(n), false, bias.value(), false, 1.0, 0.0, output);      // every row = bias
        Blas.gemm(n, out, in, input, false, weight.value(), true, 1.0, 1.0, output);
        return output;
    }

    @Override
    public INDArray backward(INDArray dy) {
        return backward(dy, true);
    }

    /** Writes dW and db; computes dx only when {@code needInputGradient} (the first layer's is unused). */
    @Override
    public INDArray backward(INDArray dy, boolean needInputGradient) {
        if (input == null) {
            throw new IllegalStateException(this + ": backward called before forward");
        }
        Checks.requireFeatures(backwardName, dy, out);
        if (dy.rows() != input.rows()) {
            throw new IllegalArgumentException(this + " backward: gradient must have the last input's " + input.rows()
                    + " rows, got " + dy.rows());
        }
        dy = Blas.contiguous(dy);
        int n = dy.rows();
        Blas.gemm(out, in, n, dy, true, input, false, 1.0, 0.0, weight.grad());
        Blas.gemm(1, out, n, ones(n), false, dy, false, 1.0, 0.0, bias.grad());   // column sums
        if (!needInputGradient) {
            return null;
        }
        gradInput = gradInputs.get(dy.dataType(), n, in);
        Blas.gemm(n, in, out, dy, false, weight.value(), false, 1.0, 0.0, gradInput);
        return gradInput;
    }

    /** A column of {@code n} ones of the parameters' type, for broadcasting and summing the bias. */
    private INDArray ones(int n) {
        return ones.get(weight.value().dataType(), n);
    }

    @Override
    public List<Param> params() {
        return List.of(weight, bias);
    }

    @Override
    public String toString() {
        return name;
    }
}
