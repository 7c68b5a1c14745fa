package org.gradlab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

/** The golden tests' argument mapping: an argument a test does not read fails the case, by name. */
class GoldenTest {
    @Test
    void everyArgumentReadPasses() {
        Golden.Args a = Golden.Args.of("case A", Golden.parse("{\"type\": \"T\", \"args\": {\"x\": 1.5, \"n\": 3, \"on\": true}}"));
        assertEquals(1.5, a.number("x", 0));
        assertEquals(3, a.integer("n", 0));
        assertTrue(a.flag("on", false));
        assertEquals(7, a.number("absent", 7));
        a.done();
    }

    @Test
    void anArgumentNotReadFailsNamingTheCaseAndTheArgument() {
        Golden.Args a = Golden.Args.of("case B", Golden.parse("{\"type\": \"T\", \"args\": {\"x\": 1, \"unknown_arg\": 0.5}}"));
        a.number("x", 0);
        AssertionFailedError e = assertThrows(AssertionFailedError.class, a::done);
        assertEquals("case B: T argument unknown_arg = 0.5 is not mapped to gradlab", e.getMessage());
    }

    @Test
    void resultsBesideTheArgumentsAreNotArguments() {
        JsonNode entry = Golden.parse("{\"max_norm\": 1.0, \"total_norm\": 3.0, \"foreach\": true}");
        Golden.Args a = Golden.Args.of("case C", "clip", entry, "total_norm");
        a.number("max_norm");
        AssertionFailedError e = assertThrows(AssertionFailedError.class, a::done);
        assertEquals("case C: clip argument foreach = true is not mapped to gradlab", e.getMessage());
    }

    @Test
    void valuesOfTheWrongKindFail() {
        Golden.Args a = Golden.Args.of("case D", Golden.parse("{\"type\": \"T\", \"args\": {\"n\": 2.5, \"mode\": \"poly\"}}"));
        assertThrows(AssertionFailedError.class, () -> a.integer("n", 0));
        AssertionFailedError e = assertThrows(AssertionFailedError.class, () -> a.choice("mode", "cos", "cos", "linear"));
        assertTrue(e.getMessage().contains("case D: T argument mode = \"poly\" has no gradlab mapping"), e.getMessage());
        assertThrows(AssertionFailedError.class, () -> a.number("missing"));
    }
}
