package org.gradlab.diagnostics;

import static org.gradlab.diagnostics.SharpnessTest.assertRejected;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.gradlab.nn.Activation;
import org.gradlab.nn.BatchNorm;
import org.gradlab.nn.Dense;
import org.gradlab.nn.Layer;
import org.gradlab.nn.Rng;
import org.gradlab.nn.Sequential;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import tech.tablesaw.api.Table;

class JacobianSpectrumTest {

    private static Dense dense(double... rowMajor2x2) {
        Dense d = Dense.of(2, 2, Rng.seeded(0));
        d.weight().value().assign(Nd4j.create(rowMajor2x2, new long[] {2, 2}, DataType.DOUBLE).castTo(DataType.FLOAT));
        return d;
    }

    /**
     * Linear layers have batch-independent Jacobians known in closed form: W = [[3, 0], [4, 5]] has
     * W^T W = [[25, 20], [20, 25]], singular values sqrt(45) and sqrt(5); after it 2 I doubles them.
     * The ReLU between passes positive values unchanged (all inputs positive, all weights >= 0), so
     * its Jacobian is the identity, read exactly (no iterations).
     */
    @Test
    void linearLayersMatchTheirClosedFormSingularValues() {
        Sequential model = Sequential.of(dense(3, 0, 4, 5), Activation.relu(), dense(2, 0, 0, 2));
        model.namedParams().get("0.bias").value().assign(0.5);
        INDArray x = Nd4j.create(new double[] {1, 2, 0.5, 0.1, 3, 1}, new long[] {3, 2}, DataType.DOUBLE).castTo(DataType.FLOAT);
        JacobianSpectrum.Result r = JacobianSpectrum.measure(model, x, SpectrumSettings.defaults().withTolerance(1e-12));
        Table t = r.table();
        assertEquals(List.of("0", "1", "2"), t.stringColumn("name").asList());
        assertEquals(List.of("Dense(2->2)", "Relu", "Dense(2->2)"), t.stringColumn("kind").asList());
        double s = Math.sqrt(45);
        assertEquals(s, t.doubleColumn("sigma_max").getDouble(0), 1e-12 * s);
        assertEquals(1, t.doubleColumn("sigma_max").getDouble(1), 0);
        assertEquals(0, t.intColumn("iterations").getInt(1), "an element-wise layer is read exactly");
        assertEquals(2, t.doubleColumn("sigma_max").getDouble(2), 1e-12);
        assertEquals(2 * s, t.doubleColumn("product").getDouble(2), 1e-12 * s);
        assertEquals(s, t.doubleColumn("network_upto").getDouble(1), 1e-12 * s);
        assertEquals(2 * s, r.network(), 1e-12 * s);
        assertTrue(r.converged());
    }

    /** With a dead ReLU unit the network's Jacobian is smaller than the product of the layers' bounds. */
    @Test
    void theNetworkValueIsAtMostTheProductAndCanBeSmaller() {
        Sequential model = Sequential.of(dense(1, 0, 0, -1), Activation.relu(), dense(1, 1, 1, 1));
        INDArray x = Nd4j.create(new double[] {1, 1, 2, 3}, new long[] {2, 2}, DataType.DOUBLE).castTo(DataType.FLOAT);
        JacobianSpectrum.Result r = JacobianSpectrum.measure(model, x);
        double product = r.table().doubleColumn("product").getDouble(2);
        assertEquals(2, product, 1e-9, "sigma(I) * 1 * sigma(ones) = 2");
        assertEquals(Math.sqrt(2), r.network(), 1e-9, "only the first unit passes: J = ones[:, :1], sigma sqrt(2)");
    }

    /** Per-example layers give the same per-layer values on a batch as the worst example alone; BatchNorm in training does not. */
    @Test
    void batchNormInTrainingCouplesTheExamples() {
        Rng rng = Rng.seeded(3);
        Sequential model = Sequential.of(Dense.of(6, 5, rng), BatchNorm.of(5), Activation.tanh(), Dense.of(5, 3, rng));
        INDArray x = Untouched.features(4, 6);
        double eval = JacobianSpectrum.measure(model, x).table().doubleColumn("sigma_max").getDouble(1);
        double train = JacobianSpectrum.measure(model, x, SpectrumSettings.defaults().withRegime(Regime.TRAINING))
                .table().doubleColumn("sigma_max").getDouble(1);
        assertEquals(1 / Math.sqrt(1 + 1e-5), eval, 1e-9, "fresh running statistics: y = x / sqrt(1 + eps)");
        assertNotEquals(eval, train, 1e-3);
        double worst = 0;
        for (int i = 0; i < 6; i++) {
            worst = Math.max(worst, JacobianSpectrum.measure(model, x.getRow(i, true)).network());
        }
        assertEquals(worst, JacobianSpectrum.measure(model, x).network(), 1e-7 * worst);
    }

    @Test
    void measuringLeavesTheModelExactlyAsItWas() {
        Untouched.assertMeasuringLeavesItUntouched(11, (model, settings, what) ->
                assertTrue(Double.isFinite(JacobianSpectrum.measure(model, Untouched.features(12, 4), settings).network()), what));
    }

    @Test
    void badInputIsRejectedNamingTheValueAndWhatWasExpected() {
        Layer model = Untouched.model(13, true);
        assertRejected("jacobian spectrum: model must not be null", () -> JacobianSpectrum.measure(null, Untouched.features(1, 3)));
        assertRejected("jacobian spectrum: features must not be null", () -> JacobianSpectrum.measure(model, null));
        assertRejected("jacobian spectrum: settings must not be null",
                () -> JacobianSpectrum.measure(model, Untouched.features(1, 3), null));
        assertRejected("jacobian spectrum: the batch does not fit the model: Dense(6->8): input must be [batch, 6], got [3, 7]",
                () -> JacobianSpectrum.measure(model, Nd4j.zeros(DataType.FLOAT, 3, 7)));
        assertRejected("features must be [batch, ...] with batch >= 1, got [6]",
                () -> JacobianSpectrum.measure(model, Nd4j.zeros(DataType.FLOAT, 6)));
        assertRejected("training needs a batch of at least 2 rows, got 1", () -> JacobianSpectrum.measure(model,
                Untouched.features(1, 1), SpectrumSettings.defaults().withRegime(Regime.TRAINING)));
    }
}
