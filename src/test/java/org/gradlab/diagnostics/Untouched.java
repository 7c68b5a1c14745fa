package org.gradlab.diagnostics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.gradlab.Bits;
import org.gradlab.nn.Activation;
import org.gradlab.nn.BatchNorm;
import org.gradlab.nn.Dense;
import org.gradlab.nn.Dropout;
import org.gradlab.nn.Layer;
import org.gradlab.nn.LayerNorm;
import org.gradlab.nn.Loss;
import org.gradlab.nn.Residual;
import org.gradlab.nn.Rng;
import org.gradlab.nn.Sequential;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A float32 model with every kind of state a measurement could disturb (Dense, BatchNorm with its
 * running statistics, dropout with its generator, a residual LayerNorm block), made twice from one
 * seed and taken through the same training step, and the check that a measured copy is still the
 * same as the unmeasured one: parameters, gradients, buffers and generator states bit for bit,
 * then behaviour: a backward pass from the forward caches, and a forward pass in its mode.
 */
final class Untouched {
    static final int FEATURES = 6;
    static final int CLASSES = 3;

    private Untouched() {
    }

    /** The model for {@code seed}, after one forward and backward pass in training mode, then put in {@code training} mode. */
    static Sequential model(long seed, boolean training) {
        Rng rng = Rng.seeded(seed);
        Sequential m = Sequential.of(Dense.of(FEATURES, 8, rng), BatchNorm.of(8, 1e-3, 0.3), Activation.relu(),
                Dropout.of(0.3, rng.split()),
                Residual.of(Sequential.of(Dense.of(8, 8, rng), LayerNorm.of(8, 0.01), Activation.tanh())),
                Dense.of(8, CLASSES, rng));
        Loss.Evaluation e = Loss.crossEntropy().evaluate(m.forward(features(seed, 5)), targets(5));
        m.backward(e.gradient(), true);
        m.setTraining(training);
        return m;
    }

    static INDArray features(long seed, int rows) {
        Rng rng = Rng.seeded(seed + 1000);
        double[] v = new double[rows * FEATURES];
        for (int i = 0; i < v.length; i++) {
            v[i] = rng.nextGaussian();
        }
        return Nd4j.create(v, new long[] {rows, FEATURES}, DataType.DOUBLE).castTo(DataType.FLOAT);
    }

    static INDArray targets(int rows) {
        INDArray t = Nd4j.zeros(DataType.FLOAT, rows, CLASSES);
        for (int i = 0; i < rows; i++) {
            t.putScalar(i, i % CLASSES, 1);
        }
        return t;
    }

    /** What a test measures: the model, the settings of the regime, and a description for messages. */
    interface Measurement {
        void measure(Sequential model, SpectrumSettings settings, String what);
    }

    /**
     * For a model in training mode and one in evaluation mode, in every regime: makes the model
     * twice from {@code seed}, lets {@code measurement} measure one and asserts that it is still
     * the other.
     */
    static void assertMeasuringLeavesItUntouched(long seed, Measurement measurement) {
        for (boolean training : new boolean[] {true, false}) {
            for (Regime regime : Regime.values()) {
                String what = "model in " + (training ? "training" : "evaluation") + " mode, regime " + regime;
                Sequential measured = model(seed, training);
                Sequential reference = model(seed, training);
                measurement.measure(measured, SpectrumSettings.defaults().withRegime(regime), what);
                assertSame(what, reference, measured);
            }
        }
    }

    /** Asserts that {@code measured} is in every respect the model {@code reference} still is. */
    static void assertSame(String what, Layer reference, Layer measured) {
        Bits.assertBitIdentical(reference.stateDict(), measured.stateDict());
        Map<String, INDArray> grads = new java.util.LinkedHashMap<>();
        reference.namedParams().forEach((n, p) -> grads.put(n, p.grad()));
        measured.namedParams().forEach((n, p) -> Bits.assertBitIdentical(what + " grad " + n, grads.get(n), p.grad()));
        reference.namedRngs().forEach((n, r) -> assertEquals(r.state(), measured.namedRngs().get(n).state(), what + " rng " + n));
        INDArray dy = Nd4j.ones(DataType.FLOAT, 5, CLASSES).muli(0.1);
        Bits.assertBitIdentical(what + ": backward from the last forward's caches", reference.backward(dy, true).dup(),
                measured.backward(dy, true).dup());
        INDArray x = features(99, 7);
        Bits.assertBitIdentical(what + ": forward in the model's mode", reference.forward(x).dup(), measured.forward(x).dup());
        Bits.assertBitIdentical(reference.stateDict(), measured.stateDict());
        reference.namedRngs().forEach((n, r) -> assertEquals(r.state(), measured.namedRngs().get(n).state(), what + " rng " + n));
    }
}
