package org.gradlab.notebooks;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The rule that a notebook's prose states only numbers it printed, on the cases of issue 19. */
class NarrativeNumbersTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A notebook of one markdown cell, then a code cell with {@code code} printing {@code output}. */
    private static ObjectNode notebook(String markdown, String code, String output) {
        ObjectNode nb = JSON.createObjectNode();
        ArrayNode cells = nb.putArray("cells");
        cells.addObject().put("cell_type", "markdown").put("source", markdown);
        ObjectNode cell = cells.addObject().put("cell_type", "code").put("source", code);
        cell.putArray("outputs").addObject().put("output_type", "stream").put("name", "stdout").put("text", output);
        return nb;
    }

    @Test
    void theIssuesExamplesAreCaught() {
        assertEquals(List.of("cell 0: 0.945", "cell 0: 5.26", "cell 0: 108"), NarrativeNumbers.unmatched(notebook(
                "Add normalisation: loss 2.37 -> 0.945, max grad norm 5.26; warmup + cosine explodes at step 108.",
                "run()", "loss 2.37 -> 0.830, max grad norm 5.45\nexplosion at step 118 in 8.weight")));
        assertEquals(List.of("cell 0: 79.65%", "cell 0: 23%", "cell 0: 21"), NarrativeNumbers.unmatched(notebook(
                "It reaches 79.65%; 23% of the gradient reaches the first row, and the norm jumps within 21 steps.",
                "run()", "test accuracy 10.70%\nvs_last 0.107\nfirst_step_over_100 96")));
    }

    @Test
    void printedNumbersHoldAtTheirPrecision() {
        assertEquals(List.of(), NarrativeNumbers.unmatched(notebook(
                "About 88% accuracy (0.83 loss, 0.2 of the first rows); the alarm at step 118, after 150 steps; 1.36 per block.",
                "train(150)", "test accuracy 88.2%, loss 0.8304, share 0.227\nexplosion at step 118\ngain 1.356")));
        assertEquals(List.of("cell 0: 94%"), NarrativeNumbers.unmatched(notebook("About 94%.", "x()", "93.4%")));
    }

    @Test
    void settingsSizesCodeAndNumberingAreNotClaims() {
        assertEquals(List.of(), NarrativeNumbers.claims("# 05 · Recurrent nets (Pascanu 2013)\n\nThe 784-64-64-10 MLP, 8 ReLU"
                + " layers of 128, in notebook 01 and rapaio 3.0.1; weights `N(0, 0.15^2)` and\n```\nlr = 0.1\n```\n"));
        assertEquals(List.of("0.1", "0.9", "10"), NarrativeNumbers.claims("SGD at lr 0.1, momentum 0.9; the first alarm at step 10."));
        assertEquals(List.of(), NarrativeNumbers.unmatched(notebook("At lr 0.2 for 150 steps.",
                "fit(Schedule.constant(0.2), 150 * 32)", "done")), "settings the code states hold");
    }
}
