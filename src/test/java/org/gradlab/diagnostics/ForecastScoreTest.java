package org.gradlab.diagnostics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ForecastScoreTest {
    private static ForecastScore.Case c(long failure, long forecast) {
        return new ForecastScore.Case(failure, forecast);
    }

    @Test
    void onlyForecastsBeforeTheFailureStepCountAndHealthyRunsWithOneAreFalseAlarms() {
        ForecastScore s = ForecastScore.of(List.of(c(100, 40), c(100, 100), c(100, 120), c(10, -1), c(500, 0), c(7, 6),
                c(-1, -1), c(-1, 3), c(-1, -1), c(-1, -1)));
        assertEquals(6, s.failing());
        assertEquals(3, s.warned(), "100/40, 500/0 and 7/6; a forecast at or after the failure is late");
        assertArrayEquals(new long[] {1, 60, 500}, s.leads());
        assertEquals(60, s.medianLead());
        assertEquals(0.5, s.recall());
        assertEquals(4, s.healthy());
        assertEquals(1, s.falseAlarms());
        assertEquals(0.25, s.falseAlarmShare());
        assertArrayEquals(new boolean[] {false, true, false}, s.goalsMet());
        assertEquals("warned 3 of 6 failing runs before they failed (50.0%), median lead 60 steps; 1 false alarm in 4 healthy runs "
                + "(25.0%)", s.words());
    }

    @Test
    void anEvenCountTakesTheMeanOfTheMiddleTwoAndEmptyScopesAreNotMet() {
        ForecastScore s = ForecastScore.of(List.of(c(100, 50), c(100, 99)));
        assertEquals(25.5, s.medianLead());
        assertTrue(Double.isNaN(s.falseAlarmShare()));
        assertArrayEquals(new boolean[] {true, false, false}, s.goalsMet(), "no healthy run: the false-alarm goal cannot be judged");
        ForecastScore none = ForecastScore.of(List.of());
        assertTrue(Double.isNaN(none.recall()) && Double.isNaN(none.medianLead()));
    }

    @Test
    void badCasesAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c(-2, 0));
        assertEquals("forecast score: steps must be >= 0, or -1 for none, got -2 and 0", e.getMessage());
        assertEquals("forecast score: cases must not be null",
                assertThrows(IllegalArgumentException.class, () -> ForecastScore.of(null)).getMessage());
    }
}
