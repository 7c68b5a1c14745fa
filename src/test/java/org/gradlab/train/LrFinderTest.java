package org.gradlab.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.gradlab.data.Dataset;
import org.gradlab.data.Mnist;
import org.gradlab.experiment.jobs.Presets;
import org.gradlab.nn.Loss;
import org.gradlab.nn.Sequential;
import org.gradlab.optim.Sgd;
import org.junit.jupiter.api.Test;

class LrFinderTest {
    @Test
    void sweepFindsADivergenceAndSensibleRatesAndLeavesTheModelAsItWas() {
        Dataset train = Mnist.bundled().split(2_000, 5).train();
        Sequential model = Presets.articleModel(4);
        var before = model.stateDict();
        long dropoutState = model.namedRngs().get("2.rng").state();
        LrFinder.Result r = LrFinder.run(model, Sgd.momentum(0.9), Loss.crossEntropy(), train,
                LrFinder.Config.defaults().withRange(1e-5, 100).withSteps(120));
        assertTrue(r.diverged(), "SGD at rate 100 must diverge");
        assertEquals(List.of("step", "lr", "loss", "smoothed_loss", "grad_norm"), r.table().columnNames());
        assertTrue(r.table().rowCount() < 120);
        assertEquals(1e-5, r.table().doubleColumn("lr").get(0), 1e-18);
        assertTrue(r.table().doubleColumn("grad_norm").get(0) > 0);
        for (double s : new double[] {r.steepest(), r.minimumOverTen(), r.valley()}) {
            assertTrue(s > 1e-4 && s < 3, "suggestion " + s);
        }
        org.gradlab.Bits.assertBitIdentical(before, model.stateDict());
        assertEquals(dropoutState, model.namedRngs().get("2.rng").state());
    }

    @Test
    void suggestionsOnAKnownCurve() {
        double[] lr = new double[10];
        double[] loss = {5, 5, 4.9, 4, 2.5, 1.5, 1.2, 1.1, 3, 9};
        for (int i = 0; i < lr.length; i++) {
            lr[i] = Math.pow(10, i - 6);
        }
        assertEquals(1e-3, LrFinder.steepest(lr, loss), 1e-18);     // 4 -> 2.5 is the steepest fall
        assertEquals(10, LrFinder.minimum(lr, loss), 1e-12);
        // longest decreasing run: indices 1..7 (lds 7): start 0, sections 7/3 -> idx 0 + 2 + 1 = 3
        assertEquals(1e-3, LrFinder.valley(lr, loss), 1e-18);
        assertThrows(IllegalArgumentException.class, () -> LrFinder.Config.defaults().withRange(1, 0.1));
        assertThrows(IllegalArgumentException.class, () -> LrFinder.Config.defaults().withSteps(1));
    }
}
