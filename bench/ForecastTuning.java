import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.gradlab.diagnostics.Failure;
import org.gradlab.diagnostics.ForecastScore;
import org.gradlab.diagnostics.Forecaster;
import org.gradlab.experiment.engine.RunResult;
import org.gradlab.experiment.spec.SpecCodec;

/**
 * How Forecaster.Config.defaults() was chosen: replays the forecaster's rules over the saved runs
 * of one or more study folders' {@code runs/} (each run's recorded signals, {@link
 * RunResult#signals}), for a grid of thresholds, and scores each setting on seeds 0 and 1 (the
 * tuning seeds) and on the other seeds (held out) with {@link ForecastScore}. Each rule is
 * replayed alone and a setting's first forecast is the earliest of its rules' (a rule's first
 * firing does not depend on the others). The chosen setting has the largest recall minus
 * false-alarm share on the tuning seeds among those whose median lead there is at least 50 steps;
 * the held-out seeds play no part in the choice. Also prints, per count of false alarms on the
 * tuning seeds, the setting with the best recall (then lead): the trade-off the rules allow.
 *
 * <pre>
 * java -cp target/notebook/classpath.jar bench/ForecastTuning.java runs/study/runs runs/rnn/runs
 * </pre>
 */
public class ForecastTuning {
    private static final double OFF = Double.POSITIVE_INFINITY;
    private static final List<Long> TUNED = List.of(0L, 1L);

    record Run(long seed, long failure, List<Forecaster.Signals> signals) {
    }

    record Scored(Forecaster.Config[] rules, ForecastScore tuned, ForecastScore held) {
        String words() {
            return String.format(Locale.ROOT, "warmup %d, %s | tuning seeds: %s | held out: %s", first().warmup(), settings(),
                    tuned.words(), held.words());
        }

        private Forecaster.Config first() {
            return Arrays.stream(rules).filter(c -> c != null).findFirst().orElse(Forecaster.Config.defaults());
        }

        private String settings() {
            Forecaster.Config r = rules[0], n = rules[1], l = rules[2], s = rules[3], t = rules[4];
            return "update ratio " + (r == null ? "off" : r.ratioHigh() + " for " + r.ratioSteps()) + ", norm growth "
                    + (n == null ? "off" : n.normGrowth()) + ", loss rise " + (l == null ? "off" : l.lossRise()) + ", sharpness "
                    + (s == null ? "off" : s.sharpnessHigh() + " for " + s.sharpnessSamples()) + ", stall "
                    + (t == null ? "off" : "at " + t.stallSteps() + " by " + t.stallDrop());
        }
    }

    public static void main(String[] args) throws Exception {
        List<Run> runs = new ArrayList<>();
        for (String dir : args) {
            try (var files = Files.list(Path.of(dir))) {
                for (Path f : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                    JsonNode root = SpecCodec.JSON.readTree(f.toFile());
                    RunResult r = SpecCodec.decode(root.get("result"), RunResult.class);
                    if (!r.failed()) {
                        runs.add(new Run(r.spec().seed(), r.failure().map(Failure::step).orElse(-1L), r.signals()));
                    }
                }
            }
        }
        System.out.printf(Locale.ROOT, "%d runs, %d failing%n", runs.size(), runs.stream().filter(r -> r.failure() >= 0).count());
        Forecaster.Config off = Forecaster.Config.defaults().withUpdateRatio(OFF, 1).withNormGrowth(OFF).withLossRise(OFF)
                .withSharpness(OFF, 1).withStall(0, 0.05).withCooldown(1_000_000);
        int[] warmups = {10, 20, 50};
        Map<Integer, List<List<Forecaster.Config>>> grid = new LinkedHashMap<>();
        for (int w : warmups) {
            Forecaster.Config o = off.withWarmup(w);
            List<Forecaster.Config> ratio = options(), norm = options(), loss = options(), sharp = options(), stall = options();
            for (double h : new double[] {0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0}) {
                for (int s : new int[] {1, 3, 10, 30}) {
                    ratio.add(o.withUpdateRatio(h, s));
                }
            }
            for (double g : new double[] {2, 3, 5, 10, 30, 100}) {
                norm.add(o.withNormGrowth(g));
            }
            for (double l : new double[] {0.1, 0.2, 0.3, 0.5, 1.0, 2.0}) {
                loss.add(o.withLossRise(l));
            }
            for (double h : new double[] {0.5, 1.0, 2.0}) {
                for (int s : new int[] {1, 2, 3}) {
                    sharp.add(o.withSharpness(h, s));
                }
            }
            for (int at : new int[] {20, 30, 40, 49}) {
                for (double drop : new double[] {0.02, 0.05, 0.1, 0.2, 0.3, 0.5}) {
                    if (at > w) {
                        stall.add(o.withStall(at, drop));
                    }
                }
            }
            grid.put(w, List.of(ratio, norm, loss, sharp, stall));
        }
        Map<Forecaster.Config, long[]> first = new HashMap<>();
        for (List<List<Forecaster.Config>> rules : grid.values()) {
            for (List<Forecaster.Config> options : rules) {
                for (Forecaster.Config c : options) {
                    if (c != null && !first.containsKey(c)) {
                        long[] f = new long[runs.size()];
                        for (int i = 0; i < runs.size(); i++) {
                            List<Forecaster.Forecast> fc = Forecaster.replay(c, runs.get(i).signals());
                            f[i] = fc.isEmpty() ? -1 : fc.get(0).step();
                        }
                        first.put(c, f);
                    }
                }
            }
        }
        Scored chosen = null;
        double chosenKey = Double.NEGATIVE_INFINITY;
        Map<Integer, Scored> frontier = new TreeMap<>();
        for (List<List<Forecaster.Config>> g : grid.values()) {
            for (var r : g.get(0)) for (var n : g.get(1)) for (var l : g.get(2)) for (var s : g.get(3)) for (var t : g.get(4)) {
                Forecaster.Config[] rules = {r, n, l, s, t};
                long[] at = new long[runs.size()];
                Arrays.fill(at, -1);
                for (Forecaster.Config c : rules) {
                    if (c != null) {
                        long[] f = first.get(c);
                        for (int i = 0; i < at.length; i++) {
                            if (f[i] >= 0 && (at[i] < 0 || f[i] < at[i])) {
                                at[i] = f[i];
                            }
                        }
                    }
                }
                Scored x = new Scored(rules, score(runs, at, true), score(runs, at, false));
                double key = x.tuned().recall() - x.tuned().falseAlarmShare();
                if (x.tuned().medianLead() >= ForecastScore.GOAL_LEAD && key > chosenKey) {
                    chosen = x;
                    chosenKey = key;
                }
                Scored best = frontier.get(x.tuned().falseAlarms());
                if (best == null || better(x.tuned(), best.tuned())) {
                    frontier.put(x.tuned().falseAlarms(), x);
                }
            }
        }
        System.out.println("best recall per count of false alarms on the tuning seeds:");
        frontier.values().forEach(x -> System.out.println("  " + x.words()));
        System.out.println("chosen (largest recall minus false-alarm share on the tuning seeds, median lead there >= 50 steps):");
        System.out.println("  " + (chosen == null ? "none" : chosen.words()));
        long[] at = new long[runs.size()];
        for (int i = 0; i < at.length; i++) {
            List<Forecaster.Forecast> fc = Forecaster.replay(Forecaster.Config.defaults(), runs.get(i).signals());
            at[i] = fc.isEmpty() ? -1 : fc.get(0).step();
        }
        System.out.println("Forecaster.Config.defaults(): tuning seeds: " + score(runs, at, true).words() + " | held out: "
                + score(runs, at, false).words());
    }

    private static List<Forecaster.Config> options() {
        List<Forecaster.Config> l = new ArrayList<>();
        l.add(null);   // the rule off
        return l;
    }

    private static boolean better(ForecastScore a, ForecastScore b) {
        double la = Double.isNaN(a.medianLead()) ? 0 : a.medianLead(), lb = Double.isNaN(b.medianLead()) ? 0 : b.medianLead();
        return a.recall() > b.recall() || a.recall() == b.recall() && la > lb;
    }

    private static ForecastScore score(List<Run> runs, long[] at, boolean tuned) {
        List<ForecastScore.Case> cases = new ArrayList<>();
        for (int i = 0; i < runs.size(); i++) {
            if (TUNED.contains(runs.get(i).seed()) == tuned) {
                cases.add(new ForecastScore.Case(runs.get(i).failure(), at[i]));
            }
        }
        return ForecastScore.of(cases);
    }
}
