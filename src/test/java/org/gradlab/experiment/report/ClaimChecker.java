package org.gradlab.experiment.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.commons.math3.distribution.TDistribution;
import tech.tablesaw.api.Table;

/**
 * Checks a study's claims against its runs, written apart from {@link Conclusions} so that it
 * cannot share its mistakes: from the rows of {@code runs.csv} (or results made into rows) and
 * each claim's facts, it recomputes what the claim says and fails with the claim's text when the
 * runs say otherwise.
 */
public final class ClaimChecker {
    private ClaimChecker() {
    }

    /** What a claim may be checked against: one run's row of {@code runs.csv}. */
    public record Row(String part, String config, long seed, double acc, String outcome, boolean exploded, long failureStep,
            long firstForecast) {
        boolean failedOrCollapsed() {
            return outcome.equals("diverged") || outcome.equals("collapsed");
        }
    }

    /** The rows of a {@code runs.csv} table. */
    public static List<Row> rows(Table runs) {
        List<Row> out = new ArrayList<>();
        for (int i = 0; i < runs.rowCount(); i++) {
            out.add(new Row(runs.column("part").getString(i), runs.column("config").getString(i),
                    (long) runs.numberColumn("seed").getDouble(i), runs.numberColumn("test_acc").getDouble(i),
                    runs.column("outcome").getString(i), Boolean.parseBoolean(runs.column("exploded").getString(i)),
                    step(runs, "failure_step", i), step(runs, "first_forecast_step", i)));
        }
        return out;
    }

    /** A step column's value in row {@code i}; -1 where it is empty (no failure, no forecast) or absent. */
    private static long step(Table runs, String column, int i) {
        if (!runs.containsColumn(column) || runs.column(column).isMissing(i)) {
            return -1;
        }
        return (long) runs.numberColumn(column).getDouble(i);
    }

    /**
     * Checks a study folder's conclusions.json against its runs.csv; prints the claims that do not
     * hold and exits 1 if any (for a full study run by hand: {@code java -cp ... ClaimChecker DIR}).
     */
    public static void main(String[] args) throws java.io.IOException {
        java.nio.file.Path dir = java.nio.file.Path.of(args[0]);
        List<String> wrong = check(dir);
        wrong.forEach(System.out::println);
        System.out.println(wrong.isEmpty() ? "every claim holds" : wrong.size() + " claims do not hold");
        System.exit(wrong.isEmpty() ? 0 : 1);
    }

    /** The claims of {@code dir}/conclusions.json that do not hold on {@code dir}/runs.csv. */
    public static List<String> check(java.nio.file.Path dir) throws java.io.IOException {
        JsonNode claims = new com.fasterxml.jackson.databind.ObjectMapper().readTree(dir.resolve("conclusions.json").toFile());
        return check(claims, rows(Table.read().csv(dir.resolve("runs.csv").toFile())));
    }

    /** Checks every claim of {@code claims} (conclusions.json) against {@code rows}; returns the claims that do not hold. */
    public static List<String> check(JsonNode claims, List<Row> rows) {
        List<String> wrong = new ArrayList<>();
        for (JsonNode c : claims) {
            String why = checkOne(c, rows);
            if (why != null) {
                wrong.add(c.path("text").asText() + " -- " + why);
            }
        }
        return wrong;
    }

    private static String checkOne(JsonNode c, List<Row> rows) {
        String part = c.path("part").asText();
        String kind = c.path("kind").asText();
        List<String> configs = new ArrayList<>();
        c.path("configs").forEach(n -> configs.add(n.asText()));
        for (String name : configs) {
            if (!c.path("text").asText().contains(name)) {
                return "its text does not name " + name;
            }
        }
        Map<String, List<Row>> byConfig = new LinkedHashMap<>();
        rows.stream().filter(r -> r.part().equals(part) && !r.outcome().equals("failed"))
                .forEach(r -> byConfig.computeIfAbsent(r.config(), k -> new ArrayList<>()).add(r));
        List<Row> own = configs.isEmpty() ? List.of() : byConfig.getOrDefault(configs.get(0), List.of());
        switch (kind) {
            case "outcome" -> {
                long k = own.stream().filter(r -> r.outcome().equals(c.path("outcome").asText())).count();
                return (k + "/" + own.size()).equals(c.path("count").asText()) ? null : "counted " + k + "/" + own.size();
            }
            case "exploded", "exploded_and_failed", "exploded_and_trained" -> {
                Set<Long> expected = new TreeSet<>();
                for (Row r : own) {
                    boolean match = r.exploded() && (kind.equals("exploded") || kind.equals("exploded_and_failed") == r.failedOrCollapsed());
                    if (match) {
                        expected.add(r.seed());
                    }
                }
                Set<Long> said = new TreeSet<>();
                c.path("seeds").forEach(n -> said.add(n.asLong()));
                return expected.equals(said) ? null : "the runs give seeds " + expected;
            }
            case "rescued", "not_rescued" -> {
                List<Row> base = byConfig.getOrDefault(c.path("baseline").asText(), List.of());
                long failed = base.stream().filter(Row::failedOrCollapsed).count();
                boolean allTrained = !own.isEmpty() && own.stream().allMatch(r -> r.outcome().equals("trained"));
                if (failed * 2 <= base.size()) {
                    return "the baseline failed in only " + failed + " of " + base.size() + " seeds";
                }
                return allTrained == kind.equals("rescued") ? null : "every seed trained: " + allTrained;
            }
            case "beats", "worse", "ties" -> {
                double[] p = welch(accs(own), accs(byConfig.getOrDefault(c.path("other").asText(), List.of())));
                boolean greater = p[0] < 0.05;
                boolean less = p[1] < 0.05;
                String actual = greater ? "beats" : less ? "worse" : "ties";
                double said = c.path("p").asDouble();
                double expected = actual.equals("beats") ? p[0] : actual.equals("worse") ? p[1] : Math.min(p[0], p[1]);
                if (!actual.equals(kind)) {
                    return "the runs say " + actual + " (p " + p[0] + " greater, " + p[1] + " less)";
                }
                return Math.abs(said - expected) <= 1e-9 ? null : "p is " + expected;
            }
            case "best", "best_tie" -> {
                List<String> byMean = new ArrayList<>(byConfig.keySet());
                byMean.sort((a, b) -> Double.compare(mean(accs(byConfig.get(b))), mean(accs(byConfig.get(a)))));
                String top = byMean.get(0);
                if (!configs.get(0).equals(top)) {
                    return "the highest mean is " + top + "'s";
                }
                if (kind.equals("best")) {
                    return welch(accs(own), accs(byConfig.get(byMean.get(1))))[0] < 0.05 ? null : "it does not beat the runner-up";
                }
                for (String other : byMean.subList(1, byMean.size())) {
                    boolean beaten = welch(accs(own), accs(byConfig.get(other)))[0] < 0.05;
                    if (beaten == configs.contains(other)) {
                        return other + (beaten ? " is beaten by the top but listed as tying" : " ties the top but is not listed");
                    }
                }
                return null;
            }
            case "forecast_recall", "forecast_lead", "forecast_false_alarms" -> {
                return forecast(c, kind, part, rows);
            }
            case "failed", "note" -> {
                return null;
            }
            default -> {
                return "unknown kind " + kind;
            }
        }
    }

    /**
     * A forecaster claim against the runs of its seeds (and part, unless empty): failing runs are those with a failure
     * step, warned those forecast at an earlier step; the lead is the difference; healthy runs with a forecast are false
     * alarms. The text must say "met" exactly when the goal (90%, 50 steps, 2%) is met.
     */
    private static String forecast(JsonNode c, String kind, String part, List<Row> rows) {
        Set<Long> seeds = new TreeSet<>();
        c.path("seeds").forEach(n -> seeds.add(n.asLong()));
        List<Row> in = rows.stream().filter(r -> (part.isEmpty() || r.part().equals(part)) && seeds.contains(r.seed())
                && !r.outcome().equals("failed")).toList();
        List<Row> failing = in.stream().filter(r -> r.failureStep() >= 0).toList();
        List<Long> leads = new ArrayList<>();
        for (Row r : failing) {
            if (r.firstForecast() >= 0 && r.firstForecast() < r.failureStep()) {
                leads.add(r.failureStep() - r.firstForecast());
            }
        }
        leads.sort(null);
        long healthy = in.size() - failing.size();
        long alarms = in.stream().filter(r -> r.failureStep() < 0 && r.firstForecast() >= 0).count();
        String text = c.path("text").asText();
        boolean saysMet = text.endsWith(": met).");
        switch (kind) {
            case "forecast_recall" -> {
                String count = leads.size() + "/" + failing.size();
                boolean met = leads.size() >= 0.9 * failing.size();
                return !count.equals(c.path("count").asText()) ? "the runs give " + count : met != saysMet ? "met is " + met : null;
            }
            case "forecast_lead" -> {
                int n = leads.size();
                double median = n % 2 == 1 ? leads.get(n / 2) : (leads.get(n / 2 - 1) + leads.get(n / 2)) / 2.0;
                boolean met = median >= 50;
                return median != c.path("value").asDouble() || n != c.path("n").asInt() ? "the runs give a median of " + median
                        + " over " + n : met != saysMet ? "met is " + met : null;
            }
            default -> {
                String count = alarms + "/" + healthy;
                boolean met = alarms <= 0.02 * healthy;
                return !count.equals(c.path("count").asText()) ? "the runs give " + count : met != saysMet ? "met is " + met : null;
            }
        }
    }

    private static double[] accs(List<Row> rows) {
        return rows.stream().mapToDouble(Row::acc).toArray();
    }

    private static double mean(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.length;
    }

    /** One-sided Welch p-values {greater, less}, from the textbook formulas. */
    static double[] welch(double[] a, double[] b) {
        double ma = mean(a);
        double mb = mean(b);
        double va = 0;
        double vb = 0;
        for (double x : a) {
            va += (x - ma) * (x - ma);
        }
        for (double x : b) {
            vb += (x - mb) * (x - mb);
        }
        double sa = va / (a.length - 1) / a.length;
        double sb = vb / (b.length - 1) / b.length;
        if (ma == mb) {
            return new double[] {0.5, 0.5};     // t = 0
        }
        if (sa + sb == 0) {
            return ma > mb ? new double[] {0, 1} : ma < mb ? new double[] {1, 0} : new double[] {1, 1};
        }
        double t = (ma - mb) / Math.sqrt(sa + sb);
        double df = (sa + sb) * (sa + sb) / (sa * sa / (a.length - 1) + sb * sb / (b.length - 1));
        double cdf = new TDistribution(null, df).cumulativeProbability(t);
        return new double[] {1 - cdf, cdf};
    }
}
