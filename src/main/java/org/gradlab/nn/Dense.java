package org.gradlab.nn;

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
 * <pre>{@code Dense layer = Dense.of(784, 64, Rng.seeded(1)); // torch.nn.Linear(784, 64)}</pre>
 */
public final class Dense implements Layer {
    private final int in;
    private final int out;
    private final Param weight;
    private final Param bias;
    private INDArray input;

    private Dense(int in, int out, Init init, Rng rng) {
        this.in = Checks.positive("Dense", "in", in);
        this.out = Checks.positive("Dense", "out", out);
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
        Checks.requireFeatures(toString(), x, in);
        input = x;
        INDArray y = Nd4j.createUninitialized(x.dataType(), x.rows(), out);
        Nd4j.gemm(x, weight.value(), y, false, true, 1.0, 0.0);
        return y.addiRowVector(bias.value());
    }

    @Override
    public INDArray backward(INDArray dy) {
        if (input == null) {
            throw new IllegalStateException(this + ": backward called before forward");
        }
        Checks.requireFeatures(toString() + " backward", dy, out);
        Nd4j.gemm(dy, input, weight.grad(), true, false, 1.0, 0.0);
        dy.sum(bias.grad(), 0);
        INDArray dx = Nd4j.createUninitialized(dy.dataType(), dy.rows(), in);
        Nd4j.gemm(dy, weight.value(), dx, false, false, 1.0, 0.0);
        return dx;
    }

    @Override
    public List<Param> params() {
        return List.of(weight, bias);
    }

    @Override
    public String toString() {
        return "Dense(" + in + "->" + out + ")";
    }
}
