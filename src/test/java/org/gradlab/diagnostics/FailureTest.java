package org.gradlab.diagnostics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The failure labels the forecaster is scored against, on series made to sit on each bound. */
class FailureTest {
    private static double[] filled(int n, double v) {
        double[] a = new double[n];
        Arrays.fill(a, v);
        return a;
    }

    @Test
    void anExplosionIsTheFirstNonFiniteLossOrNormAboveTheBound() {
        double[] loss = filled(300, 0.5);
        double[] norm = filled(300, 3);
        assertTrue(Failure.of(loss, norm).isEmpty(), "a run that learned and stayed bounded did not fail");
        norm[120] = 1000;
        assertTrue(Failure.of(loss, norm).isEmpty(), "1e3 itself is not above 1e3");
        norm[150] = 1000.5;
        loss[140] = Double.NaN;
        assertEquals(140, Failure.of(loss, norm).orElseThrow().step(), "the earlier of the two");
        assertEquals(Failure.Kind.EXPLOSION, Failure.of(loss, norm).orElseThrow().kind());
        loss[140] = 0.5;
        assertEquals(150, Failure.of(loss, norm).orElseThrow().step());
        norm[130] = Double.NaN;
        assertEquals(130, Failure.of(loss, norm).orElseThrow().step(), "a non-finite norm counts as above");
    }

    @Test
    void aCollapseStartsWhereTheWindowedMeanStaysAboveTheBoundToTheEnd() {
        double[] norm = filled(400, 1);
        double[] loss = filled(400, 0.5);
        Arrays.fill(loss, 250, 400, 2.3);
        // windows ending at s cover s - 99 .. s; the mean passes 2.0 when more than (2.0 - 0.5) / 1.8 of it is high
        int high = (int) Math.floor(100 * 1.5 / 1.8) + 1;
        Failure f = Failure.of(loss, norm).orElseThrow();
        assertEquals(Failure.Kind.COLLAPSE, f.kind());
        assertEquals(250 + high - 1, f.step(), f.why());

        loss[399] = 0.5 - 100 * 0.35;     // the last window's mean drops to 2.0 - 0.05: no collapse any more
        assertTrue(Failure.of(loss, norm).isEmpty(), "the mean must stay above the bound to the end");

        double[] never = filled(400, 2.3);
        assertEquals(Failure.WINDOW - 1, Failure.of(never, norm).orElseThrow().step(), "a run that never learns: the first full window");
        assertTrue(Failure.of(filled(99, 2.3), filled(99, 1)).isEmpty(), "shorter than the window: no collapse");
        double[] atBound = filled(400, 2.0);
        assertTrue(Failure.of(atBound, norm).isEmpty(), "a mean of exactly 2.0 is not above it");
    }

    @Test
    void badInputIsOneLineNamingTheSizes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Failure.of(new double[3], new double[2]));
        assertEquals("failure: need as many losses as gradient norms, got 3 losses and 2 norms", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Failure.of(null, new double[2]));
        assertEquals("failure: need as many losses as gradient norms, got no losses and 2 norms", e.getMessage());
        Optional<Failure> none = Failure.of(new double[0], new double[0]);
        assertFalse(none.isPresent());
    }
}
