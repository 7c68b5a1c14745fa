package org.gradlab;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class WordsTest {
    @Test
    void oneTakesTheNounAndEveryOtherCountItsPlural() {
        assertEquals("1 seed", Words.count(1, "seed"));
        assertEquals("3 seeds", Words.count(3, "seed"));
        assertEquals("0 epochs", Words.count(0, "epoch"));
        assertEquals("alarm", Words.noun(1, "alarm"));
        assertEquals("alarms", Words.noun(2, "alarm"));
    }
}
