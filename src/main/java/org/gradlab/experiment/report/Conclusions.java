package org.gradlab.experiment.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.gradlab.Words;
import org.gradlab.experiment.engine.RunResult;
import org.gradlab.experiment.spec.ModelSpec;
import org.gradlab.experiment.spec.RunSpec;
import org.gradlab.experiment.spec.ScheduleSpec;

/**
 * What a study's runs show, as {@link Claim}s computed from them and nothing else, part by part:
 * each configuration's outcomes with counts over its seeds ("collapsed in 3 of 3 seeds"), which
 * seeds exploded and what became of exactly those seeds, which clips rescued an unclipped twin that
 * failed, comparisons by Welch's t-test on the per-seed final accuracies (a clipped configuration
 * against its unclipped twin, a schedule against the fixed rate at its peak, a structure against its
 * plain model), and the best configuration only when it beats the runner-up. Configurations are
 * related by their specs' structure, never by their names.
 *
 * <pre>{@code
 * List<Claim> claims = Conclusions.of(results);
 * System.out.println(Conclusions.text(claims));
 * }</pre>
 */
public final class Conclusions {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Conclusions() {
    }

    /** Every claim of every part, parts in study order, then the forecaster's over the whole study ({@link EarlyWarning}). */
    public static List<Claim> of(List<RunResult> results) {
        Map<String, List<RunResult>> parts = new LinkedHashMap<>();
        results.forEach(r -> parts.computeIfAbsent(r.spec().part(), k -> new ArrayList<>()).add(r));
        List<Claim> out = new ArrayList<>();
        parts.forEach((part, rs) -> out.addAll(part(part, rs)));
        out.addAll(EarlyWarning.claims(StudyTables.runs(results)));
        return out;
    }

    /** The claims of one part. */
    static List<Claim> part(String part, List<RunResult> rs) {
        Map<String, List<RunResult>> all = new LinkedHashMap<>();
        rs.forEach(r -> all.computeIfAbsent(r.spec().config(), k -> new ArrayList<>()).add(r));
        List<Claim> out = new ArrayList<>();
        Map<String, List<RunResult>> ran = new LinkedHashMap<>();
        all.forEach((name, seeds) -> {
            List<RunResult> failed = seeds.stream().filter(RunResult::failed).toList();
            if (!failed.isEmpty()) {
                out.add(Claim.of(part, "failed", List.of(name), String.format(Locale.ROOT,
                        "%s could not run in %d of %s (left out of the tables, charts and comparisons): %s", name, failed.size(),
                        Words.count(seeds.size(), "seed"), failed.get(0).end().failure()))
                        .withReason(failed.get(0).end().failure(), failed.size() + "/" + seeds.size()));
            }
            List<RunResult> ok = seeds.stream().filter(r -> !r.failed()).toList();
            if (!ok.isEmpty()) {
                ran.put(name, ok);
            }
        });
        ran.forEach((name, seeds) -> out.addAll(outcomes(part, name, seeds)));
        ran.forEach((name, seeds) -> out.addAll(explosions(part, name, seeds)));
        out.addAll(rescues(part, ran));
        int fewest = ran.values().stream().mapToInt(List::size).min().orElse(0);
        if (ran.size() > 1 && fewest < 2) {
            out.add(Claim.of(part, "note", List.of(), "Comparisons need at least two seeds per configuration; this part has "
                    + Words.count(fewest, "seed") + " for some, so it makes none."));
        } else if (ran.size() > 1) {
            out.addAll(comparisons(part, ran));
            out.add(best(part, ran));
        }
        return out;
    }

    /** One claim per outcome a configuration's seeds had, with its count. */
    private static List<Claim> outcomes(String part, String name, List<RunResult> seeds) {
        List<Claim> out = new ArrayList<>();
        for (RunResult.Outcome o : RunResult.Outcome.values()) {
            List<RunResult> these = seeds.stream().filter(r -> r.outcome() == o).toList();
            if (these.isEmpty()) {
                continue;
            }
            String count = these.size() + "/" + seeds.size();
            out.add(Claim.of(part, "outcome", List.of(name), String.format(Locale.ROOT, "%s %s in %s (final test accuracy %s).",
                    name, o.word(), ofSeeds(these.size(), seeds.size()), accuracies(these))).withOutcome(o.word(), count));
        }
        return out;
    }

    /** Which seeds exploded, and what became of exactly those seeds. */
    private static List<Claim> explosions(String part, String name, List<RunResult> seeds) {
        List<RunResult> exploded = seeds.stream().filter(RunResult::exploded).toList();
        if (exploded.isEmpty()) {
            return List.of();
        }
        List<Claim> out = new ArrayList<>();
        double largest = exploded.stream().mapToDouble(r -> r.norms().max()).max().orElse(Double.NaN);
        out.add(Claim.of(part, "exploded", List.of(name), String.format(Locale.ROOT,
                "%s exploded (gradient norm above 1e3, or a non-finite loss) in %s (%s; largest norm %s).", name,
                ofSeeds(exploded.size(), seeds.size()), seedList(exploded), norm(largest))).withSeeds(seeds(exploded)));
        List<RunResult> failed = exploded.stream().filter(r -> r.diverged() || r.collapsed()).toList();
        if (!failed.isEmpty()) {
            out.add(Claim.of(part, "exploded_and_failed", List.of(name), String.format(Locale.ROOT,
                    "%s exploded and then %s in %s.", name, words(failed), seedList(failed))).withSeeds(seeds(failed)));
        }
        List<RunResult> survived = exploded.stream().filter(r -> !r.diverged() && !r.collapsed()).toList();
        if (!survived.isEmpty()) {
            out.add(Claim.of(part, "exploded_and_trained", List.of(name), String.format(Locale.ROOT,
                    "%s exploded and still %s in %s (final test accuracy %s).", name, words(survived), seedList(survived),
                    accuracies(survived))).withSeeds(seeds(survived)));
        }
        return out;
    }

    /**
     * For each clipped configuration whose unclipped twin (the same spec but its gradient
     * transforms) mostly failed: rescued when every seed of it trained, not rescued otherwise.
     */
    private static List<Claim> rescues(String part, Map<String, List<RunResult>> ran) {
        List<Claim> out = new ArrayList<>();
        ran.forEach((name, seeds) -> {
            RunSpec s = seeds.get(0).spec();
            String twin = unclippedTwin(s, ran);
            if (twin == null) {
                return;
            }
            List<RunResult> base = ran.get(twin);
            long baseFailed = base.stream().filter(r -> r.diverged() || r.collapsed()).count();
            if (baseFailed * 2 <= base.size()) {
                return;
            }
            long trained = seeds.stream().filter(r -> r.outcome() == RunResult.Outcome.TRAINED).count();
            boolean rescued = trained == seeds.size();
            String baseWords = String.format(Locale.ROOT, "%s (without clipping it diverged or collapsed in %s)", twin,
                    ofSeeds((int) baseFailed, base.size()));
            out.add(Claim.of(part, rescued ? "rescued" : "not_rescued", List.of(name), String.format(Locale.ROOT,
                    "%s %s %s: it trained in %s (final test accuracy %s).", name, rescued ? "rescued" : "did not rescue", baseWords,
                    ofSeeds((int) trained, seeds.size()), accuracies(seeds))).withBaseline(twin));
        });
        return out;
    }

    /** The twin without gradient transforms of a clipping spec, when the part has one. */
    private static String unclippedTwin(RunSpec s, Map<String, List<RunResult>> ran) {
        if (!s.clips()) {
            return null;
        }
        return find(ran, o -> o.gradients().isEmpty() && same(s, o, Aspect.GRADIENTS));
    }

    /** The pairs worth comparing: clip against unclipped twin, schedule against the fixed rate at its peak, structure against its plain model. */
    private static List<Claim> comparisons(String part, Map<String, List<RunResult>> ran) {
        List<Claim> out = new ArrayList<>();
        ran.forEach((name, seeds) -> {
            RunSpec s = seeds.get(0).spec();
            String clipTwin = unclippedTwin(s, ran);
            if (clipTwin != null) {
                out.add(compare(part, name, seeds, clipTwin, ran.get(clipTwin), "its unclipped twin"));
            }
            if (!(s.schedule() instanceof ScheduleSpec.Constant)) {
                String fixed = find(ran, o -> o.schedule() instanceof ScheduleSpec.Constant c && c.lr() == s.schedule().peakLr()
                        && same(s, o, Aspect.SCHEDULE));
                if (fixed != null) {
                    out.add(compare(part, name, seeds, fixed, ran.get(fixed), "the fixed rate at its peak"));
                }
            }
            ModelSpec plain = plainOf(s.model());
            if (plain != null) {
                String base = find(ran, o -> o.model().equals(plain) && same(s, o, Aspect.MODEL));
                if (base != null) {
                    out.add(compare(part, name, seeds, base, ran.get(base), "its plain model"));
                }
            }
        });
        return out;
    }

    /** The plain model a structural variant is compared with: an MLP without normalisation and residual blocks, a tanh RNN for a gated cell. */
    private static ModelSpec plainOf(ModelSpec m) {
        if (m instanceof ModelSpec.Mlp mlp && (mlp.norm() != ModelSpec.Mlp.Norm.NONE || mlp.block() != ModelSpec.Mlp.Block.PLAIN)) {
            return new ModelSpec.Mlp(mlp.depth(), mlp.width(), mlp.activation(), mlp.init(), ModelSpec.Mlp.Norm.NONE,
                    ModelSpec.Mlp.Block.PLAIN, 1);
        }
        if (m instanceof ModelSpec.RecurrentNet r && r.cell() != org.gradlab.experiment.spec.LayerSpec.Cell.RNN_TANH) {
            return new ModelSpec.RecurrentNet(org.gradlab.experiment.spec.LayerSpec.Cell.RNN_TANH, r.hidden(), r.layers(), r.rowWidth());
        }
        return null;
    }

    private static Claim compare(String part, String a, List<RunResult> as, String b, List<RunResult> bs, String what) {
        Welch w = Welch.of(accs(as), accs(bs));
        String kind = w.greater() ? "beats" : w.less() ? "worse" : "ties";
        double p = kind.equals("beats") ? w.pGreater() : kind.equals("worse") ? w.pLess() : Math.min(w.pGreater(), w.pLess());
        int n = Math.min(as.size(), bs.size());
        String verdict = switch (kind) {
            case "beats" -> "beats";
            case "worse" -> "is worse than";
            default -> "ties";
        };
        String stat = kind.equals("ties")
                ? String.format(Locale.ROOT, "neither is higher at alpha 0.05: one-sided p >= %.3f", p)
                : String.format(Locale.ROOT, "Welch's t-test, one-sided %s", pValue(p));
        return Claim.of(part, kind, List.of(a), String.format(Locale.ROOT, "%s %s %s, %s: %s against %s, %s points (%s; n = %s).", a,
                verdict, what, b, acc(as), acc(bs), signed(100 * w.diff()), stat, seedsEach(as, bs)))
                .withComparison(b, p, w.diff(), n);
    }

    /** The best configuration if it beats the runner-up, else the group that ties at the top. */
    private static Claim best(String part, Map<String, List<RunResult>> ran) {
        List<String> byMean = ran.keySet().stream()
                .sorted(Comparator.comparingDouble((String c) -> -mean(accs(ran.get(c))))).toList();
        String top = byMean.get(0);
        String second = byMean.get(1);
        Welch w = Welch.of(accs(ran.get(top)), accs(ran.get(second)));
        if (w.greater()) {
            return Claim.of(part, "best", List.of(top), String.format(Locale.ROOT,
                    "Best final test accuracy: %s (%s), ahead of the runner-up %s (%s) by %s points (Welch's t-test, one-sided "
                            + "%s; n = %s).", top, acc(ran.get(top)), second, acc(ran.get(second)), signed(100 * w.diff()),
                    pValue(w.pGreater()), seedsEach(ran.get(top), ran.get(second))))
                    .withComparison(second, w.pGreater(), w.diff(), Math.min(ran.get(top).size(), ran.get(second).size()));
        }
        List<String> group = byMean.stream().filter(c -> c.equals(top) || !Welch.of(accs(ran.get(top)), accs(ran.get(c))).greater())
                .toList();
        return Claim.of(part, "best_tie", group, String.format(Locale.ROOT,
                "No single best: %s %s at the top (%s is not higher than %s at alpha 0.05).",
                group.stream().map(c -> c + " (" + acc(ran.get(c)) + ")").collect(Collectors.joining(", ")),
                group.size() == 2 ? "tie" : "all tie", top, group.size() == 2 ? group.get(1) : "the others"));
    }

    /** What two specs may differ in. */
    private enum Aspect { GRADIENTS, SCHEDULE, MODEL }

    /** Whether {@code a} and {@code b} are the same run but for {@code aspect} (and the name and seed). */
    private static boolean same(RunSpec a, RunSpec b, Aspect aspect) {
        return (aspect == Aspect.MODEL || a.model().equals(b.model())) && a.optimizer().equals(b.optimizer())
                && (aspect == Aspect.SCHEDULE || a.schedule().equals(b.schedule()))
                && (aspect == Aspect.GRADIENTS || a.gradients().equals(b.gradients())) && a.data().equals(b.data())
                && a.loss().equals(b.loss()) && a.epochs() == b.epochs() && !a.config().equals(b.config());
    }

    private static String find(Map<String, List<RunResult>> ran, Predicate<RunSpec> match) {
        return ran.entrySet().stream().filter(e -> match.test(e.getValue().get(0).spec())).map(Map.Entry::getKey).findFirst()
                .orElse(null);
    }

    // ---------------------------------------------------------------- words and numbers

    static double[] accs(List<RunResult> seeds) {
        return seeds.stream().mapToDouble(RunResult::testAccuracy).toArray();
    }

    private static double mean(double[] v) {
        return java.util.Arrays.stream(v).average().orElse(Double.NaN);
    }

    /** {@code 94.3%} with one seed, {@code 94.3% +- 0.4} (mean and sample standard deviation, in points) with more. */
    static String acc(List<RunResult> seeds) {
        double[] a = accs(seeds);
        return a.length < 2 ? String.format(Locale.ROOT, "%.1f%%", 100 * a[0])
                : String.format(Locale.ROOT, "%.1f%% +- %.1f", 100 * mean(a),
                        100 * Math.sqrt(org.apache.commons.math3.stat.StatUtils.variance(a)));
    }

    /** The seeds' accuracies: each of up to three, else their range. */
    private static String accuracies(List<RunResult> seeds) {
        double[] a = accs(seeds);
        if (a.length <= 3) {
            return java.util.Arrays.stream(a).mapToObj(v -> String.format(Locale.ROOT, "%.1f%%", 100 * v))
                    .collect(Collectors.joining(", "));
        }
        return String.format(Locale.ROOT, "%.1f%% to %.1f%%", 100 * java.util.Arrays.stream(a).min().orElseThrow(),
                100 * java.util.Arrays.stream(a).max().orElseThrow());
    }

    /** The outcomes of these seeds in words: "diverged", "collapsed", "diverged or collapsed". */
    private static String words(List<RunResult> seeds) {
        return seeds.stream().map(r -> r.outcome().word()).distinct().collect(Collectors.joining(" or "));
    }

    private static List<Long> seeds(List<RunResult> rs) {
        return rs.stream().map(r -> r.spec().seed()).toList();
    }

    private static String seedList(List<RunResult> rs) {
        List<Long> s = seeds(rs);
        return Words.noun(s.size(), "seed") + " " + s.stream().map(String::valueOf).collect(Collectors.joining(", "));
    }

    /** "2 of 3 seeds", "1 of 1 seed". */
    private static String ofSeeds(int k, int n) {
        return k + " of " + Words.count(n, "seed");
    }

    private static String seedsEach(List<RunResult> a, List<RunResult> b) {
        return a.size() == b.size() ? a.size() + " seeds each" : a.size() + " and " + b.size() + " seeds";
    }

    private static String signed(double points) {
        return String.format(Locale.ROOT, "%+.1f", points);
    }

    private static String pValue(double p) {
        return p < 0.001 ? "p < 0.001" : String.format(Locale.ROOT, "p = %.3f", p);
    }

    private static String norm(double v) {
        return Double.isInfinite(v) || Double.isNaN(v) ? "not finite" : String.format(Locale.ROOT, v >= 1e4 ? "%.2g" : "%.3g", v);
    }

    /** The claims' sentences under their parts, wrapped at 120 columns for a terminal. */
    public static String text(List<Claim> claims) {
        StringBuilder b = new StringBuilder();
        String part = null;
        for (Claim c : claims) {
            if (!c.part().equals(part)) {
                part = c.part();
                b.append(b.length() == 0 ? "" : "\n").append(part).append(":\n");
            }
            b.append(wrap("- " + c.text(), 120, "  ")).append('\n');
        }
        return b.toString();
    }

    /** {@code text} broken at spaces into lines of at most {@code width}, continuation lines indented. */
    public static String wrap(String text, int width, String indent) {
        StringBuilder out = new StringBuilder();
        StringBuilder line = new StringBuilder();
        for (String word : text.split(" ")) {
            if (line.length() > 0 && line.length() + 1 + word.length() > width) {
                out.append(line).append('\n');
                line = new StringBuilder(indent);
            }
            line.append(line.length() == 0 || line.toString().equals(indent) ? "" : " ").append(word);
        }
        return out.append(line).toString();
    }

    /** The claims as {@code conclusions.json}: a JSON array of objects, facts without nulls. */
    public static String json(List<Claim> claims) {
        try {
            return JSON.writeValueAsString(claims) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
