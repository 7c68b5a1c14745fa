package org.gradlab.experiment.report;

import org.gradlab.experiment.spec.RunSpec;
import org.gradlab.experiment.engine.Stats;
import org.gradlab.experiment.engine.RunResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Conclusions computed from a part's results, never written by hand: what each configuration's
 * outcome was (trained, diverged, exploded, vanished, stalled); which schedules beat which fixed
 * rates by more than two standard errors (parts with {@code fixed_*} configurations); which clips
 * rescued which explosion (parts with {@code X_none} configurations and clipped {@code X_*} ones);
 * for recurrent models, how far gradient norms went and which clips rescued which unclipped twin.
 */
public final class Conclusions {
    /** A configuration's first Linear layer gradient below this share of the last one's at step 0 has vanished. */
    static final double VANISHING_RATIO = 1e-2;

    private Conclusions() {
    }

    /** The outcome of one configuration over its seeds. */
    public enum Outcome {
        TRAINED("trained"), TRAINED_AFTER_EXPLODING("trained despite gradient norms above 1e3"),
        DIVERGED("diverged (non-finite loss)"), EXPLODED("collapsed after gradient norms above 1e3"),
        VANISHED("vanished (collapsed; at step 0 the first layer's gradient was < 1% of the last layer's)"),
        STALLED("collapsed without exploding or vanishing");

        private final String words;

        Outcome(String words) {
            this.words = words;
        }

        public String words() {
            return words;
        }
    }

    /**
     * Diverged if any seed did; else, if most seeds collapsed: exploded, vanished or stalled;
     * else trained (noting explosions it survived).
     */
    public static Outcome outcome(List<RunResult> seeds) {
        if (seeds.stream().anyMatch(RunResult::diverged)) {
            return Outcome.DIVERGED;
        }
        boolean exploded = seeds.stream().anyMatch(RunResult::exploded);
        if (seeds.stream().filter(RunResult::collapsed).count() * 2 > seeds.size()) {
            if (exploded) {
                return Outcome.EXPLODED;
            }
            double ratio = Stats.medianOf(seeds.stream().mapToDouble(Conclusions::firstOverLast).toArray());
            return ratio < VANISHING_RATIO ? Outcome.VANISHED : Outcome.STALLED;
        }
        return exploded ? Outcome.TRAINED_AFTER_EXPLODING : Outcome.TRAINED;
    }

    /** {@code ", 1/3 seeds collapsed"} when some but not most seeds collapsed (the outcome is the majority's), else "". */
    private static String minority(List<RunResult> seeds) {
        long collapsed = seeds.stream().filter(RunResult::collapsed).count();
        return collapsed > 0 && collapsed * 2 <= seeds.size() ? ", " + collapsed + "/" + seeds.size() + " seeds collapsed" : "";
    }

    /** Every conclusion for one part's results (in study order). */
    public static List<String> of(List<RunResult> part) {
        Map<String, List<RunResult>> configs = new LinkedHashMap<>();
        StudyTables.byConfig(part).forEach((k, v) -> configs.put(v.get(0).spec().config(), v));
        List<String> out = new ArrayList<>(outcomes(configs));
        out.addAll(schedules(configs));
        out.addAll(clips(configs));
        out.addAll(recurrent(configs));
        return out;
    }

    /**
     * For recurrent models: how far each configuration's gradient norm went (median first steps above
     * 10, 100 and 1e3, loss spikes), then, for each unclipped configuration with clipped twins (same
     * model, optimizer and rate), whether each clip rescued it (no seed diverged or collapsed).
     */
    static List<String> recurrent(Map<String, List<RunResult>> configs) {
        if (configs.values().stream().noneMatch(c -> c.get(0).spec().model() instanceof org.gradlab.experiment.spec.ModelSpec.RecurrentNet)) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        Map<String, List<String>> reach = new LinkedHashMap<>();
        for (String level : List.of("above 1e3", "above 100 but not 1e3", "above 10 but not 100", "never above 10")) {
            reach.put(level, new ArrayList<>());
        }
        configs.forEach((name, seeds) -> {
            String level = seeds.stream().anyMatch(RunResult::exploded) ? "above 1e3"
                    : seeds.stream().anyMatch(r -> r.norms().firstOver100() >= 0) ? "above 100 but not 1e3"
                    : seeds.stream().anyMatch(r -> r.norms().firstOver10() >= 0) ? "above 10 but not 100" : "never above 10";
            long spikes = seeds.stream().mapToLong(r -> r.end().lossSpikes()).sum();
            reach.get(level).add(name + (spikes == 0 ? "" : " (" + spikes + (spikes == 1 ? " loss spike)" : " loss spikes)")));
        });
        reach.forEach((level, names) -> {
            if (!names.isEmpty()) {
                out.add("Gradient norm (in any seed) " + level + ": " + String.join(", ", names) + ".");
            }
        });
        configs.forEach((name, seeds) -> {
            RunSpec base = seeds.get(0).spec();
            if (!base.gradients().isEmpty()) {
                return;
            }
            List<String> twins = configs.keySet().stream().filter(n -> {
                RunSpec s = configs.get(n).get(0).spec();
                return !s.gradients().isEmpty() && s.model().equals(base.model()) && s.optimizer().equals(base.optimizer())
                        && s.schedule().equals(base.schedule());
            }).toList();
            if (twins.isEmpty()) {
                return;
            }
            boolean failed = seeds.stream().anyMatch(r -> r.diverged() || r.collapsed());
            List<String> verdicts = twins.stream().map(t -> {
                boolean ok = configs.get(t).stream().noneMatch(r -> r.diverged() || r.collapsed());
                return t + (ok ? (failed ? " rescued it" : " also trained") : " failed too") + " (" + acc(configs.get(t)) + ")";
            }).toList();
            out.add(String.format(Locale.ROOT, "%s unclipped %s (%s; diverged %s, collapsed %s): %s.", name,
                    failed ? "failed" : "trained", acc(seeds), count(seeds, RunResult::diverged),
                    count(seeds, RunResult::collapsed), String.join("; ", verdicts)));
        });
        return out;
    }

    /** One sentence per outcome that occurred, naming its configurations; the best one; the largest gradient norm. */
    static List<String> outcomes(Map<String, List<RunResult>> configs) {
        Map<Outcome, List<String>> by = new LinkedHashMap<>();
        for (Outcome o : Outcome.values()) {
            by.put(o, new ArrayList<>());
        }
        configs.forEach((name, seeds) -> by.get(outcome(seeds)).add(name + " (" + acc(seeds) + minority(seeds) + ")"));
        List<String> out = new ArrayList<>();
        by.forEach((o, names) -> {
            if (!names.isEmpty()) {
                out.add(cap(o.words()) + ": " + String.join(", ", names) + ".");
            }
        });
        String best = configs.entrySet().stream().max(java.util.Comparator.comparingDouble(e -> mean(e.getValue())))
                .map(Map.Entry::getKey).orElseThrow();
        out.add("Best final test accuracy: " + best + " (" + acc(configs.get(best)) + ").");
        String largest = configs.entrySet().stream()
                .max(java.util.Comparator.comparingDouble(e -> Stats.medianOf(norms(e.getValue()))))
                .map(Map.Entry::getKey).orElseThrow();
        double norm = Stats.medianOf(norms(configs.get(largest)));
        out.add(norm <= RunResult.EXPLOSION_NORM
                ? String.format(Locale.ROOT, "No configuration's gradient norm went above 1e3: the largest (median over seeds) was %s in %s.",
                        fmt(norm), largest)
                : String.format(Locale.ROOT, "The largest gradient norm (median over seeds) was %s, in %s.", fmt(norm), largest));
        return out;
    }

    /** For each non-fixed configuration, the {@code fixed_*} ones it beats (and does not) by more than two standard errors. */
    static List<String> schedules(Map<String, List<RunResult>> configs) {
        List<String> fixed = configs.keySet().stream().filter(n -> n.startsWith("fixed_")).toList();
        List<String> others = configs.keySet().stream().filter(n -> !n.startsWith("fixed_")).toList();
        if (fixed.isEmpty() || others.isEmpty()) {
            return List.of();
        }
        int fewest = configs.values().stream().mapToInt(List::size).min().orElse(0);
        if (fewest < 2) {
            return List.of("Schedules against fixed rates: comparing by standard errors needs at least two seeds per "
                    + "configuration, this study has " + fewest + "; run it with more seeds (the default design has 3).");
        }
        List<String> out = new ArrayList<>();
        for (String s : others) {
            List<String> beats = new ArrayList<>();
            List<String> not = new ArrayList<>();
            for (String f : fixed) {
                (beats(configs.get(s), configs.get(f)) ? beats : not).add(f);
            }
            out.add(s + " (" + acc(configs.get(s)) + ") beats " + (beats.isEmpty() ? "no fixed rate" : String.join(", ", beats))
                    + " by more than two standard errors" + (not.isEmpty() ? "" : "; not " + String.join(", ", not)) + ".");
        }
        List<String> winners = others.stream().filter(s -> fixed.stream().allMatch(f -> beats(configs.get(s), configs.get(f)))).toList();
        out.add(winners.isEmpty() ? "No schedule beats every fixed rate by more than two standard errors."
                : "Beating every fixed rate by more than two standard errors: " + String.join(", ", winners) + ".");
        return out;
    }

    /** Whether {@code a}'s mean accuracy exceeds {@code b}'s by more than two standard errors of the difference. */
    static boolean beats(List<RunResult> a, List<RunResult> b) {
        double[] x = accs(a);
        double[] y = accs(b);
        double se = Math.sqrt(sq(Stats.std(x)) / x.length + sq(Stats.std(y)) / y.length);
        return Stats.mean(x) - Stats.mean(y) > 2 * se;
    }

    /** For each {@code X_none} configuration with clipped siblings {@code X_*}: which clips rescued it and which did not. */
    static List<String> clips(Map<String, List<RunResult>> configs) {
        List<String> out = new ArrayList<>();
        for (String none : configs.keySet().stream().filter(n -> n.endsWith("_none")).toList()) {
            String way = none.substring(0, none.length() - "_none".length());
            List<String> clipped = configs.keySet().stream()
                    .filter(n -> n.startsWith(way + "_") && !n.equals(none) && !configs.get(n).get(0).spec().gradients().isEmpty())
                    .toList();
            if (clipped.isEmpty()) {
                continue;
            }
            List<RunResult> base = configs.get(none);
            boolean failed = base.stream().anyMatch(r -> r.diverged() || r.collapsed());
            String unclipped = String.format(Locale.ROOT, "%s without clipping: diverged %s, collapsed %s, %s", way,
                    count(base, RunResult::diverged), count(base, RunResult::collapsed), acc(base));
            List<String> rescued = new ArrayList<>();
            List<String> notRescued = new ArrayList<>();
            for (String c : clipped) {
                List<RunResult> seeds = configs.get(c);
                boolean ok = seeds.stream().noneMatch(r -> r.diverged() || r.collapsed());
                String what = c.substring(way.length() + 1) + " (" + acc(seeds)
                        + (ok ? "" : ", diverged " + count(seeds, RunResult::diverged) + ", collapsed " + count(seeds, RunResult::collapsed)) + ")";
                (ok ? rescued : notRescued).add(what);
            }
            out.add(unclipped + (failed
                    ? ". Rescued by " + (rescued.isEmpty() ? "no clip" : String.join(", ", rescued))
                        + (notRescued.isEmpty() ? "; every clip rescued it." : "; not rescued by " + String.join(", ", notRescued) + ".")
                    : ". It trained without clipping, so there was nothing to rescue; with clipping it trained with "
                        + (rescued.isEmpty() ? "none" : String.join(", ", rescued)) + " and failed with "
                        + (notRescued.isEmpty() ? "none" : String.join(", ", notRescued)) + "."));
        }
        return out;
    }

    /** The first Linear layer's gradient norm over the last one's at step 0. */
    private static double firstOverLast(RunResult r) {
        double[] n = r.layers().step0();
        return n.length < 2 ? Double.NaN : n[0] / n[n.length - 1];
    }

    private static double[] accs(List<RunResult> seeds) {
        return seeds.stream().mapToDouble(RunResult::testAccuracy).toArray();
    }

    private static double[] norms(List<RunResult> seeds) {
        return seeds.stream().mapToDouble(r -> r.norms().max()).toArray();
    }

    private static double mean(List<RunResult> seeds) {
        return Stats.mean(accs(seeds));
    }

    private static double sq(double v) {
        return Double.isNaN(v) ? 0 : v * v;
    }

    /** {@code 94.3%} with one seed, {@code 94.3% +- 0.4} with more. */
    static String acc(List<RunResult> seeds) {
        double[] a = accs(seeds);
        return a.length < 2 ? String.format(Locale.ROOT, "%.1f%%", 100 * Stats.mean(a))
                : String.format(Locale.ROOT, "%.1f%% +- %.1f", 100 * Stats.mean(a), 100 * Stats.std(a));
    }

    private static String count(List<RunResult> seeds, java.util.function.Predicate<RunResult> p) {
        return seeds.stream().filter(p).count() + "/" + seeds.size();
    }

    private static String fmt(double v) {
        return Double.isInfinite(v) ? "infinite" : String.format(Locale.ROOT, v >= 1e4 ? "%.2g" : "%.3g", v);
    }

    private static String cap(String s) {
        return Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }

    /** The conclusions as one string, one per line. */
    public static String text(List<String> conclusions) {
        return conclusions.stream().map(c -> "- " + c).collect(Collectors.joining("\n"));
    }
}
