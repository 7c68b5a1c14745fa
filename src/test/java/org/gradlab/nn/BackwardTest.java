package org.gradlab.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Every backward pass against central finite differences in float64. */
class BackwardTest {
    private final Rng rng = Rng.seeded(7);

    private INDArray input(long rows, long cols) {
        return GradCheck.randn(rng, rows, cols);
    }

    @Test
    void dense() {
        GradCheck.check(Dense.of(5, 3, rng).to(DataType.DOUBLE), input(4, 5));
    }

    @ParameterizedTest
    @EnumSource(Activation.Kind.class)
    void activations(Activation.Kind kind) {
        // keep inputs away from ReLU's kink at 0, where the derivative is undefined
        INDArray x = input(4, 6);
        x.addi(Nd4j.getExecutioner().exec(new org.nd4j.linalg.api.ops.impl.transforms.same.Sign(x.dup())).muli(0.05));
        GradCheck.check(Activation.of(kind), x);
    }

    @Test
    void dropoutInTrainingUsesItsMask() {
        Dropout d = Dropout.of(0.4, Rng.seeded(3));
        long saved = d.rng().state();
        GradCheck.check(d, input(5, 8), () -> d.rng().restore(saved));
    }

    @Test
    void dropoutIsIdentityInEvalAndScalesKeptUnitsInTraining() {
        Dropout d = Dropout.of(0.5, Rng.seeded(3));
        INDArray x = Nd4j.ones(DataType.DOUBLE, 200, 50);
        INDArray y = d.forward(x);
        double kept = y.gt(0).castTo(DataType.DOUBLE).sumNumber().doubleValue() / y.length();
        assertEquals(0.5, kept, 0.02);
        assertEquals(2.0, y.maxNumber().doubleValue());
        d.setTraining(false);
        assertEquals(x, d.forward(x));
    }

    @Test
    void batchNormTrainingAndEval() {
        BatchNorm bn = BatchNorm.of(4);
        bn.to(DataType.DOUBLE);
        bn.params().get(0).value().assign(input(1, 4).reshape(4));
        bn.params().get(1).value().assign(input(1, 4).reshape(4));
        GradCheck.check(bn, input(6, 4));
        bn.setTraining(false);
        GradCheck.check(bn, input(6, 4));
    }

    @Test
    void batchNormMatchesPyTorchRunningStatistics() {
        BatchNorm bn = BatchNorm.of(2);
        bn.to(DataType.DOUBLE);
        INDArray x = Nd4j.create(new double[][] {{1, 10}, {3, 20}, {5, 60}});
        bn.forward(x);
        // torch: running_mean = 0.9*0 + 0.1*mean; running_var = 0.9*1 + 0.1*unbiased var
        assertArrayEquals(new double[] {0.3, 3.0}, bn.runningMean().toDoubleVector(), 1e-12);
        assertArrayEquals(new double[] {0.9 + 0.1 * 4, 0.9 + 0.1 * 700}, bn.runningVar().toDoubleVector(), 1e-12);
    }

    @Test
    void layerNorm() {
        LayerNorm ln = LayerNorm.of(5);
        ln.to(DataType.DOUBLE);
        ln.params().get(0).value().assign(input(1, 5).reshape(5));
        GradCheck.check(ln, input(3, 5));
    }

    @Test
    void residualAndSequential() {
        Sequential net = Sequential.of(
                Dense.of(6, 5, rng), Activation.tanh(), LayerNorm.of(5),
                Residual.of(Sequential.of(Dense.of(5, 5, rng), Activation.gelu(), Dense.of(5, 5, rng))),
                BatchNorm.of(5), Activation.sigmoid(), Dense.of(5, 3, rng));
        net.to(DataType.DOUBLE);
        GradCheck.check(net, input(4, 6));
    }

    @Test
    void namesFollowPyTorch() {
        Sequential net = Sequential.of(Dense.of(4, 3, rng), Activation.relu(),
                Residual.of(Sequential.of(Dense.of(3, 3, rng))), BatchNorm.of(3));
        assertEquals(List.of("0.weight", "0.bias", "2.block.0.weight", "2.block.0.bias", "3.weight", "3.bias"),
                List.copyOf(net.namedParams().keySet()));
        assertArrayEquals(new long[] {3, 4}, net.namedParams().get("0.weight").value().shape());
        assertEquals(4 * 3 + 3 + 9 + 3 + 6, net.paramCount());
    }

    @Test
    void crossEntropyWithAndWithoutSmoothing() {
        for (double s : new double[] {0.0, 0.1}) {
            Loss loss = Loss.crossEntropy(s);
            INDArray z = input(4, 3);
            INDArray t = Nd4j.zeros(DataType.DOUBLE, 4, 3);
            for (int i = 0; i < 4; i++) {
                t.putScalar(i, i % 3, 1.0);
            }
            INDArray g = loss.evaluate(z, t).gradient();
            GradCheck.compare("cross-entropy(" + s + ")", g, z, () -> loss.value(z, t));
        }
    }

    @Test
    void crossEntropyValueMatchesTheDefinition() {
        INDArray z = Nd4j.create(new double[][] {{1, 2, 3}, {0, 0, 0}});
        INDArray t = Nd4j.create(new double[][] {{0, 0, 1}, {1, 0, 0}});
        double lse = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3));
        double expected = ((lse - 3) + Math.log(3)) / 2;
        assertEquals(expected, Loss.crossEntropy().value(z, t), 1e-12);
        // label smoothing 0.3, K = 3: -sum((0.7 t + 0.1) log p) / N
        double smooth = ((0.8 * (lse - 3) + 0.1 * (lse - 1) + 0.1 * (lse - 2)) + Math.log(3)) / 2;
        assertEquals(smooth, Loss.crossEntropy(0.3).value(z, t), 1e-12);
    }

    @Test
    void crossEntropyStaysFiniteForLogitsFarApart() {
        // PyTorch: cross_entropy([[1e4, 0], [1e4, 0]], [0, 1]) = (0 + 1e4) / 2; ND4J's log_softmax would give NaN
        INDArray z = Nd4j.create(new float[] {1e4f, 0f, 1e4f, 0f}, new long[] {2, 2}, 'c');
        INDArray t = Nd4j.create(new float[] {1, 0, 0, 1}, new long[] {2, 2}, 'c');
        Loss.Evaluation e = Loss.crossEntropy().evaluate(z, t);
        assertEquals(5000.0, e.value(), 1e-9);
        assertArrayEquals(new double[] {0, 0, 0.5, -0.5}, e.gradient().castTo(DataType.DOUBLE).data().asDouble(), 1e-7);
    }

    @Test
    void mse() {
        INDArray y = input(3, 2);
        INDArray t = input(3, 2);
        GradCheck.compare("mse", Loss.mse().evaluate(y, t).gradient(), y, () -> Loss.mse().value(y, t));
    }

    @Test
    void badShapesNameTheLayerAndTheShape() {
        Dense d = Dense.of(784, 64, rng);
        var e = assertThrows(IllegalArgumentException.class, () -> d.forward(Nd4j.zeros(DataType.FLOAT, 32, 28)));
        assertTrue(e.getMessage().contains("Dense(784->64)") && e.getMessage().contains("[32, 28]"), e.getMessage());
        var l = assertThrows(IllegalArgumentException.class,
                () -> Loss.crossEntropy().value(Nd4j.zeros(4, 10), Nd4j.zeros(4, 9)));
        assertTrue(l.getMessage().contains("[4, 9]"), l.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Dropout.of(1.0, rng));
        assertThrows(IllegalStateException.class, () -> Activation.relu().backward(Nd4j.zeros(2, 2)));
        assertThrows(IllegalArgumentException.class, () -> Dense.of(0, 3, rng));
    }
}
