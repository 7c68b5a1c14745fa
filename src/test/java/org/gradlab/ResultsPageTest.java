package org.gradlab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.gradlab.experiment.report.ClaimChecker;
import org.gradlab.experiment.spec.SpecCodec;
import org.junit.jupiter.api.Test;
import tech.tablesaw.api.Row;
import tech.tablesaw.api.Table;

/**
 * docs/RESULTS.md states what the full studies measured; the studies' files are kept beside it
 * (docs/results/default and docs/results/rnn: runs.csv, summary.csv, conclusions.json). Every
 * table row of the page is the summary's row rounded as {@code docs/results/tables.py} rounds it,
 * every conclusion holds on its runs.csv (the independent checker), and every percentage or
 * decimal the prose states is one the tables, the conclusions or a run's accuracy has.
 */
class ResultsPageTest {
    private static final Path PAGE = Path.of("docs", "RESULTS.md");
    private static final List<Path> STUDIES = List.of(Path.of("docs", "results", "default"), Path.of("docs", "results", "rnn"));
    private static final Pattern NUMBER = Pattern.compile("(?<![\\w.+-])\\d+\\.\\d+%?|(?<![\\w.])\\d+%");

    @Test
    void everyTableRowIsTheStudysSummaryRounded() throws IOException {
        Map<String, Row> summary = new LinkedHashMap<>();
        List<Table> tables = new ArrayList<>();
        for (Path s : STUDIES) {
            Table t = Table.read().csv(s.resolve("summary.csv").toFile());
            tables.add(t);
            for (int i = 0; i < t.rowCount(); i++) {
                Row r = t.row(i);   // a row of its own: iterating a table moves one cursor
                summary.put(r.getString("part") + "/" + r.getString("config"), r);
            }
        }
        String part = null;
        List<String> head = null;
        int rows = 0;
        for (String line : Files.readAllLines(PAGE)) {
            if (line.startsWith("## ")) {
                part = line.substring(3).trim();
                head = null;
            } else if (line.startsWith("| config |")) {
                head = cells(line);
            } else if (head != null && line.startsWith("| ") && !line.startsWith("|---")) {
                List<String> cells = cells(line);
                Row r = summary.get(part + "/" + cells.get(0));
                assertTrue(r != null, "RESULTS.md row " + part + "/" + cells.get(0) + " is in a study's summary.csv");
                for (int i = 1; i < head.size(); i++) {
                    assertEquals(expected(r, head.get(i)), cells.get(i), part + "/" + cells.get(0) + ": " + head.get(i));
                }
                rows++;
            }
        }
        assertEquals(tables.stream().mapToInt(Table::rowCount).sum(), rows, "a row per configuration of both studies");
    }

    @Test
    void everyConclusionHoldsOnItsRuns() throws IOException {
        for (Path s : STUDIES) {
            assertEquals(List.of(), ClaimChecker.check(s), s.toString());
        }
    }

    @Test
    void everyNumberTheProseStatesIsInTheData() throws IOException {
        Set<String> known = new HashSet<>();
        for (Path s : STUDIES) {
            JsonNode claims = SpecCodec.JSON.readTree(s.resolve("conclusions.json").toFile());
            claims.forEach(c -> numbers(c.path("text").asText(), known));
            Table runs = Table.read().csv(s.resolve("runs.csv").toFile());
            runs.doubleColumn("test_acc").forEach(v -> known.add(pct(v)));
            // settings, not results: the rates, thresholds and clips that configuration names carry (fixed_0.03, A_value_0.1)
            runs.stringColumn("config").forEach(c -> {
                Matcher m = Pattern.compile("\\d+(?:\\.\\d+)?").matcher(c);
                while (m.find()) {
                    known.add(m.group());
                }
            });
        }
        // the outcome words' and the failure label's definitions
        known.add(pct(org.gradlab.experiment.engine.RunResult.COLLAPSE_ACCURACY).replace(".0%", "%"));
        known.add(pct(org.gradlab.experiment.engine.RunResult.TRAINED_ACCURACY).replace(".0%", "%"));
        known.add(String.valueOf(org.gradlab.diagnostics.Failure.COLLAPSE_LOSS));
        List<String> page = Files.readAllLines(PAGE);
        page.stream().filter(l -> l.startsWith("| ")).flatMap(l -> cells(l).stream()).forEach(c -> {
            known.add(c);
            numbers(c, known);
        });
        List<String> unknown = new ArrayList<>();
        for (String line : page) {
            if (line.startsWith("|") || line.startsWith("#")) {
                continue;
            }
            Set<String> stated = new HashSet<>();
            numbers(line.replaceAll("`[^`]*`", ""), stated);
            stated.stream().filter(n -> n.endsWith("%") || n.contains(".")).filter(n -> !known.contains(n)
                    && !known.contains(n + "%") && !known.contains(n.replace("%", ""))).forEach(n -> unknown.add(n + " in: " + line));
        }
        assertEquals(List.of(), unknown, "numbers the prose states that no table, conclusion or run has");
    }

    private static void numbers(String text, Set<String> into) {
        Matcher m = NUMBER.matcher(text);
        while (m.find()) {
            into.add(m.group());
        }
    }

    private static List<String> cells(String line) {
        List<String> cells = new ArrayList<>();
        for (String c : line.substring(1, line.lastIndexOf('|')).split("\\|")) {
            cells.add(c.trim());
        }
        return cells;
    }

    /** The page's cell for {@code column}, rounded as docs/results/tables.py and the report round it (half up on the shortest decimal form). */
    private static String expected(Row r, String column) {
        return switch (column) {
            case "accuracy" -> pct(num(r, "acc_mean"));
            case "std" -> pct(num(r, "acc_std"));
            case "diverged" -> r.getString("diverged");
            case "collapsed" -> r.getString("collapsed");
            case "grad norm step 0" -> norm(num(r, "grad_norm_step0_median"));
            case "max grad norm" -> norm(num(r, "max_grad_norm_median"));
            case "first > 10" -> whole(num(r, "first_step_over_10_median"));
            case "first > 100" -> whole(num(r, "first_step_over_100_median"));
            case "first step > 1e3" -> whole(num(r, "first_step_over_1e3_median"));
            case "clipped" -> pct(num(r, "clipped_share_mean"));
            case "loss spikes" -> whole(num(r, "loss_spikes_median"));
            default -> throw new AssertionError("RESULTS.md has a column the test does not know: " + column);
        };
    }

    /** A summary cell as a number, NaN where it is empty (Tablesaw reads whole-number columns as integers). */
    private static double num(Row r, String column) {
        return r.isMissing(column) ? Double.NaN : r.getNumber(column);
    }

    private static String pct(double v) {
        return Double.isNaN(v) ? "-" : String.format(java.util.Locale.ROOT, "%.1f%%", 100 * v);   // as the report writes it
    }

    private static String norm(double v) {
        if (Double.isNaN(v)) {
            return "-";
        }
        if (Double.isInfinite(v)) {
            return "inf";
        }
        BigDecimal d = new BigDecimal(Double.toString(v));
        return Math.abs(v) >= 100 ? d.setScale(0, RoundingMode.HALF_UP).toPlainString()
                : d.round(new MathContext(3, RoundingMode.HALF_UP)).stripTrailingZeros().toPlainString();
    }

    private static String whole(double v) {
        return Double.isNaN(v) ? "-" : new BigDecimal(Double.toString(v)).setScale(0, RoundingMode.HALF_UP).toPlainString();
    }
}
