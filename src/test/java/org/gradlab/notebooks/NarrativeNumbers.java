package org.gradlab.notebooks;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A notebook says only what it computes: every number its markdown states as a result must be one
 * it printed. The numbers checked are those of the prose (markdown without code spans or fenced
 * blocks, where settings and formulas are written):
 * <ul>
 * <li>decimals ({@code 0.945}, {@code 5.26}) and percentages ({@code 79.65%}, {@code 23%});</li>
 * <li>step numbers: a whole number after "step" or "steps", or before "step" or "steps" ("explodes
 * at step 108", "21 steps").</li>
 * </ul>
 * Other whole numbers (sizes such as 784-64-64-10 or "8 ReLU layers", counts, section and notebook
 * numbers, years) are not checked, nor are version-like tokens ({@code 3.0.1}). A checked number
 * holds when some number in the outputs (stream text, text/plain, text/html without its tags) or in
 * the code cells (a setting the notebook states) equals it at its precision: "0.83" holds for an
 * output 0.830 or 0.8304, "88%" for 88.2%, a percentage also for a fraction (0.882).
 */
public final class NarrativeNumbers {
    private static final Pattern FENCED = Pattern.compile("```.*?```", Pattern.DOTALL);
    private static final Pattern CODE_SPAN = Pattern.compile("`[^`]*`");
    private static final Pattern CLAIM = Pattern.compile("(?<![\\w.,\\-])(\\d+(?:\\.\\d+)?)(%?)(?![\\w]|\\.\\d|,\\d)");
    private static final Pattern STEP_BEFORE = Pattern.compile("(?i)\\bsteps?\\s+$");
    private static final Pattern STEP_AFTER = Pattern.compile("(?i)^\\s+steps?\\b");
    private static final Pattern NUMBER = Pattern.compile("\\d[\\d,]*(?:\\.\\d+)?(?:[eE][-+]?\\d+)?");
    private static final Pattern TAG = Pattern.compile("<[^>]+>");

    private NarrativeNumbers() {
    }

    /** The checked numbers of {@code notebook}'s markdown that no output or code cell holds, as "cell N: 0.945". */
    public static List<String> unmatched(JsonNode notebook) {
        List<BigDecimal> outputs = new ArrayList<>();
        List<BigDecimal> code = new ArrayList<>();
        for (JsonNode cell : notebook.path("cells")) {
            if (!"code".equals(cell.path("cell_type").asText())) {
                continue;
            }
            numbers(NotebookRunner.text(cell.get("source")), code);
            for (JsonNode o : cell.path("outputs")) {
                numbers(NotebookRunner.text(o.get("text")), outputs);
                numbers(NotebookRunner.text(o.path("data").get("text/plain")), outputs);
                numbers(TAG.matcher(NotebookRunner.text(o.path("data").get("text/html"))).replaceAll(" "), outputs);
            }
        }
        List<String> unmatched = new ArrayList<>();
        JsonNode cells = notebook.path("cells");
        for (int i = 0; i < cells.size(); i++) {
            if (!"markdown".equals(cells.get(i).path("cell_type").asText())) {
                continue;
            }
            for (String claim : claims(NotebookRunner.text(cells.get(i).get("source")))) {
                if (!holds(claim, outputs, code)) {
                    unmatched.add("cell " + i + ": " + claim);
                }
            }
        }
        return unmatched;
    }

    /** The checked numbers of a markdown cell's prose, as written ("0.945", "23%", "108"). */
    static List<String> claims(String markdown) {
        String prose = CODE_SPAN.matcher(FENCED.matcher(markdown).replaceAll(" ")).replaceAll(" ");
        List<String> claims = new ArrayList<>();
        Matcher m = CLAIM.matcher(prose);
        while (m.find()) {
            String number = m.group(1);
            boolean percent = !m.group(2).isEmpty();
            boolean step = STEP_BEFORE.matcher(prose.substring(Math.max(0, m.start() - 8), m.start())).find()
                    || STEP_AFTER.matcher(prose.substring(m.end(), Math.min(prose.length(), m.end() + 8))).find();
            if (number.contains(".") || percent || step) {
                claims.add(number + m.group(2));
            }
        }
        return claims;
    }

    private static boolean holds(String claim, List<BigDecimal> outputs, List<BigDecimal> code) {
        boolean percent = claim.endsWith("%");
        BigDecimal value = new BigDecimal(percent ? claim.substring(0, claim.length() - 1) : claim);
        int scale = value.scale();
        for (List<BigDecimal> source : List.of(outputs, code)) {
            for (BigDecimal x : source) {
                if (x.setScale(scale, RoundingMode.HALF_UP).compareTo(value) == 0 || percent && source == outputs
                        && x.movePointRight(2).setScale(scale, RoundingMode.HALF_UP).compareTo(value) == 0) {
                    return true;
                }
            }
        }
        return false;
    }

    private static void numbers(String text, List<BigDecimal> into) {
        Matcher m = NUMBER.matcher(text);
        while (m.find()) {
            try {
                into.add(new BigDecimal(m.group().replace(",", "")));
            } catch (NumberFormatException e) {
                // not a number after all
            }
        }
    }
}
