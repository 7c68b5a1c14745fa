package org.gradlab.plot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ShowTest {
    @Test
    void withoutAKernelTheTextIsPrinted() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        assertEquals("text", Show.html("<p><b>bold</b></p>", "bold", out));
        assertEquals("bold" + System.lineSeparator(), bytes.toString(StandardCharsets.UTF_8));
    }

    @Test
    void missingContentIsRefused() {
        assertThrows(NullPointerException.class, () -> Show.html(null, "text"));
        assertThrows(NullPointerException.class, () -> Show.html("<p>x</p>", null));
    }
}
