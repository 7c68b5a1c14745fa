package org.gradlab.diagnostics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.gradlab.Bits;
import org.gradlab.nn.Activation;
import org.gradlab.nn.BatchNorm;
import org.gradlab.nn.Dense;
import org.gradlab.nn.Dropout;
import org.gradlab.nn.Gru;
import org.gradlab.nn.InputGuard;
import org.gradlab.nn.LastStep;
import org.gradlab.nn.Layer;
import org.gradlab.nn.LayerNorm;
import org.gradlab.nn.Lstm;
import org.gradlab.nn.Residual;
import org.gradlab.nn.Rng;
import org.gradlab.nn.Rnn;
import org.gradlab.nn.Scale;
import org.gradlab.nn.Sequences;
import org.gradlab.nn.Sequential;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The float64 copy behind every spectral measurement is the same model, to the last bit. */
class TwinTest {

    /** Every layer kind the copy knows, with settings away from the defaults (eps, momentum, p, factor). */
    private static Sequential everyKind(long seed) {
        Rng rng = Rng.seeded(seed);
        return Sequential.of(Dense.of(12, 8, rng), BatchNorm.of(8, 0.02, 0.4), Activation.gelu(), Dropout.of(0.25, rng.split()),
                Residual.of(Sequential.of(Dense.of(8, 8, rng), LayerNorm.of(8, 0.3), Activation.sigmoid(), Scale.of(0.7))),
                Activation.tanh(), Sequential.of(Dense.of(8, 12, rng), Activation.identity()),
                Sequences.rows(4), Rnn.of(Rnn.Nonlinearity.RELU, 4, 5, 2, rng), Gru.of(5, 4, rng), Lstm.of(4, 3, 2, rng),
                LastStep.of(), Dense.of(3, 2, rng));
    }

    /**
     * In both modes the copy computes what a float64 copy of the original computes, bit for bit,
     * dropout masks and BatchNorm's running-statistics update (its momentum) included.
     */
    @Test
    void theCopyIsTheSameModelInFloat64() {
        for (Regime regime : Regime.values()) {
            Sequential original = everyKind(1);
            Twin twin = Twin.of("test", original, regime);
            Sequential reference = (Sequential) everyKind(1).to(DataType.DOUBLE);
            reference.setTraining(regime == Regime.TRAINING);
            long dropoutStart = reference.namedRngs().get("3.rng").state();
            INDArray x = Untouched.features(2, 6).castTo(DataType.DOUBLE);
            x = org.nd4j.linalg.factory.Nd4j.concat(1, x, x);   // 12 features
            for (int pass = 0; pass < 2; pass++) {
                Bits.assertBitIdentical(regime + " pass " + pass + " output", reference.forward(x).dup(), twin.model().forward(x).dup());
                Bits.assertBitIdentical(reference.stateDict(), twin.model().stateDict());
            }
            twin.rewind();
            reference.namedRngs().get("3.rng").restore(dropoutStart);
            Bits.assertBitIdentical(regime + " after rewind", reference.forward(x).dup(), twin.model().forward(x).dup());
            assertEquals(DataType.FLOAT, original.namedParams().get("0.weight").value().dataType(), "the original stays float32");
        }
    }

    @Test
    void parametersAndBuffersAreTheOriginalsValuesInFloat64() {
        Sequential original = Untouched.model(5, true);
        Layer copy = Twin.of("test", original, Regime.EVALUATION).model();
        original.stateDict().forEach((n, v) -> {
            INDArray c = copy.stateDict().get(n);
            assertEquals(DataType.DOUBLE, c.dataType(), n);
            Bits.assertBitIdentical(n, v.castTo(DataType.DOUBLE), c);
        });
        assertTrue(copy.namedParams().get("0.weight").value() != original.namedParams().get("0.weight").value());
    }

    @Test
    void aLayerItCannotCopyIsNamed() {
        Sequential guarded = Sequential.of(InputGuard.finite(), Dense.of(3, 2, Rng.seeded(0)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Twin.of("sharpness", guarded, Regime.EVALUATION));
        assertTrue(e.getMessage().startsWith("sharpness: cannot copy layer InputGuard(finite) (org.gradlab.nn.InputGuard)"),
                e.getMessage());
        assertTrue(List.of(e.getMessage().split("\n")).size() == 1, e.getMessage());
    }
}
