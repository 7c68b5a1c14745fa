package org.gradlab.experiment.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.gradlab.experiment.engine.RunResult;
import org.gradlab.experiment.spec.DataSpec;
import org.gradlab.experiment.spec.Design;
import org.gradlab.experiment.spec.InitSpec;
import org.gradlab.experiment.spec.LossSpec;
import org.gradlab.experiment.spec.ModelSpec;
import org.gradlab.experiment.spec.OptimizerSpec;
import org.gradlab.experiment.spec.RunSpec;
import org.gradlab.experiment.spec.ScheduleSpec;
import org.gradlab.experiment.spec.TransformSpec;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

/** Conclusions on made-up runs: every claim holds on the runs it came from, checked by code that does not share Conclusions'. */
class ConclusionsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ModelSpec.Mlp PLAIN = ModelSpec.deep(InitSpec.of(InitSpec.Kind.HE_NORMAL));

    /** The kinds of configuration a part may hold, related as the study's are: a plain run and its variants. */
    private static RunSpec spec(String part, String config, int variant) {
        ModelSpec model = variant == 3 ? PLAIN.withNorm(ModelSpec.Mlp.Norm.BATCHNORM) : PLAIN;
        ScheduleSpec schedule = variant == 2 ? Design.oneCycle(0.1, true) : new ScheduleSpec.Constant(0.1);
        List<TransformSpec> clips = variant == 1 ? List.of(Design.norm(1)) : variant == 4 ? List.of(new TransformSpec.Value(0.1))
                : List.of();
        return new RunSpec(part, config, model, OptimizerSpec.sgd(0.9), schedule, clips, DataSpec.Digits.DEFAULT,
                new LossSpec.CrossEntropy(0), 0, 10);
    }

    /** A made-up run of {@code spec} at {@code seed}, without a forecast. */
    static RunResult run(RunSpec spec, long seed, double acc, boolean diverged, boolean exploded, String failure) {
        return run(spec, seed, acc, diverged, exploded, failure, -1);
    }

    /**
     * A made-up run of {@code spec} at {@code seed}: 20 steps, the gradient norm above 1e3 from step 4 when it exploded,
     * the loss not finite at step 19 when it diverged, and update/weight ratios that make the forecaster's defaults
     * forecast an explosion at step {@code forecastAt} (-1: never).
     */
    static RunResult run(RunSpec spec, long seed, double acc, boolean diverged, boolean exploded, String failure, int forecastAt) {
        double[] norms = new double[20];
        java.util.Arrays.fill(norms, 3);
        double[] losses = new double[20];
        java.util.Arrays.fill(losses, 0.5);
        double[] ratios = new double[20];
        java.util.Arrays.fill(ratios, 1e-3);
        if (exploded) {
            java.util.Arrays.fill(norms, 4, 20, 5e3);
        }
        if (diverged) {
            losses[19] = Double.NaN;
        }
        org.gradlab.diagnostics.Forecaster.Config c = org.gradlab.diagnostics.Forecaster.Config.defaults();
        for (int s = forecastAt - c.ratioSteps() + 1; forecastAt >= 0 && s <= forecastAt; s++) {
            ratios[Math.max(0, s)] = 2 * c.ratioHigh();
        }
        double[] none = new double[0];
        RunResult.Watch watch = failure != null ? RunResult.Watch.NONE : new RunResult.Watch(losses, ratios, List.of(),
                RunResult.Spectrum.NONE);
        return new RunResult(spec.withSeed(seed), new RunResult.End(failure != null ? Double.NaN : acc, 0.5, new double[] {acc},
                new double[] {0.5}, diverged ? 19 : -1, 0, failure),
                new RunResult.Norms(3, 3, exploded ? 5e3 : 3, -1, -1, exploded ? 4 : -1, 0),
                new RunResult.Layers(List.of(), none, none, 1, 1, new double[20][0], none),
                new RunResult.Series(failure != null ? none : norms, failure != null ? none : new double[20]), 1, watch);
    }

    /** A random study; the forecasts' steps come from their own generator, so the rest is drawn as before they existed. */
    private static List<RunResult> randomStudy(Random rng, Random forecasts) {
        List<RunResult> out = new ArrayList<>();
        int parts = 1 + rng.nextInt(2);
        for (int p = 0; p < parts; p++) {
            int configs = 2 + rng.nextInt(5);
            int seeds = 1 + rng.nextInt(4);
            double tier = rng.nextDouble();
            for (int c = 0; c < configs; c++) {
                RunSpec s = spec("part" + p, "c" + c, c % 5);
                double centre = rng.nextDouble() < tier ? 0.1 : 0.05 + 0.9 * rng.nextDouble();
                double spread = rng.nextInt(4) == 0 ? 0 : 0.05 * rng.nextDouble();
                for (long seed = 0; seed < seeds; seed++) {
                    boolean diverged = rng.nextInt(6) == 0;
                    double acc = diverged ? 0.1 : Math.max(0, Math.min(1, centre + spread * rng.nextGaussian()));
                    out.add(run(s, seed, Math.round(acc * 2000) / 2000.0, diverged, diverged || rng.nextInt(4) == 0,
                            rng.nextInt(25) == 0 ? "data: no such file" : null, forecasts.nextInt(3) == 0 ? -1 : 2 + forecasts.nextInt(17)));
                }
            }
        }
        return out;
    }

    private static List<ClaimChecker.Row> rows(List<RunResult> rs) {
        return ClaimChecker.rows(StudyTables.runs(rs));
    }

    @RepeatedTest(200)
    void everyClaimHoldsOnRandomRuns(org.junit.jupiter.api.RepetitionInfo info) throws Exception {
        Random rng = new Random(info.getCurrentRepetition());
        List<RunResult> rs = randomStudy(rng, new Random(-info.getCurrentRepetition()));
        List<Claim> claims = Conclusions.of(rs);
        JsonNode json = JSON.readTree(Conclusions.json(claims));
        assertEquals(claims.size(), json.size());
        assertEquals(List.of(), ClaimChecker.check(json, rows(rs)), "claims that do not hold");
        Map<String, List<Claim>> outcomes = claims.stream().filter(c -> c.kind().equals("outcome"))
                .collect(Collectors.groupingBy(c -> c.part() + "/" + c.configs().get(0)));
        outcomes.forEach((config, cs) -> {
            long majorities = cs.stream().filter(c -> {
                String[] k = c.count().split("/");
                return 2 * Integer.parseInt(k[0]) > Integer.parseInt(k[1]);
            }).count();
            assertTrue(majorities <= 1, config + " has " + majorities + " majority outcomes: " + cs);
        });
    }

    @Test
    void theIssuesContradictionsCannotHappen() throws Exception {
        // rnn_sgd0.2_norm10 in the full study: seed 0 exploded and trained (30.1%); seeds 1 and 2 collapsed without exploding
        RunSpec clipped = spec("rnn", "rnn_sgd0.2_norm10", 1);
        RunSpec plain = spec("rnn", "rnn_sgd0.2", 0);
        List<RunResult> rs = List.of(run(clipped, 0, 0.301, false, true, null), run(clipped, 1, 0.11, false, false, null),
                run(clipped, 2, 0.12, false, false, null), run(plain, 0, 0.1, false, false, null),
                run(plain, 1, 0.11, false, false, null), run(plain, 2, 0.12, false, false, null));
        List<Claim> claims = Conclusions.of(rs);
        List<String> text = claims.stream().map(Claim::text).toList();
        assertTrue(text.contains("rnn_sgd0.2_norm10 exploded and still degraded in seed 0 (final test accuracy 30.1%)."), text.toString());
        assertTrue(claims.stream().noneMatch(c -> c.kind().equals("exploded_and_failed")), "no seed exploded and failed");
        assertTrue(text.contains("rnn_sgd0.2_norm10 collapsed in 2 of 3 seeds (final test accuracy 11.0%, 12.0%)."), text.toString());
        assertTrue(text.stream().anyMatch(t -> t.startsWith("rnn_sgd0.2_norm10 did not rescue rnn_sgd0.2")), text.toString());
        assertEquals(List.of(), ClaimChecker.check(JSON.readTree(Conclusions.json(claims)), rows(rs)));
    }

    @Test
    void comparisonsSayBeatsTiesOrWorseWithTheirNumbers() {
        RunSpec fixed = spec("s", "fixed_0.1", 0);
        RunSpec cycle = spec("s", "onecycle_0.1", 2);
        List<RunResult> rs = List.of(run(fixed, 0, 0.90, false, false, null), run(fixed, 1, 0.91, false, false, null),
                run(fixed, 2, 0.92, false, false, null), run(cycle, 0, 0.94, false, false, null),
                run(cycle, 1, 0.95, false, false, null), run(cycle, 2, 0.96, false, false, null));
        Claim beats = Conclusions.of(rs).stream().filter(c -> c.kind().equals("beats")).findFirst().orElseThrow();
        assertEquals("fixed_0.1", beats.other());
        assertEquals(0.04, beats.diff(), 1e-12);
        assertEquals(3, beats.n());
        // t = 0.04 / sqrt(2 * 0.0001 / 3) = 4.899, df = 4: one-sided p = 0.0040
        assertEquals(0.00402, beats.p(), 1e-5);
        assertEquals("onecycle_0.1 beats the fixed rate at its peak, fixed_0.1: 95.0% +- 1.0 against 91.0% +- 1.0, +4.0 points "
                + "(Welch's t-test, one-sided p = 0.004; n = 3 seeds each).", beats.text());
        Claim best = Conclusions.of(rs).stream().filter(c -> c.kind().startsWith("best")).findFirst().orElseThrow();
        assertEquals("best", best.kind());
        assertEquals(List.of("onecycle_0.1"), best.configs());
    }

    @Test
    void aTieAtTheTopNamesTheGroup() {
        List<RunResult> rs = new ArrayList<>();
        double[][] accs = {{0.90, 0.95, 0.92}, {0.91, 0.94, 0.93}, {0.50, 0.51, 0.52}};
        for (int c = 0; c < 3; c++) {
            for (int s = 0; s < 3; s++) {
                rs.add(run(spec("p", "c" + c, 0), s, accs[c][s], false, false, null));
            }
        }
        Claim best = Conclusions.of(rs).stream().filter(c -> c.kind().startsWith("best")).findFirst().orElseThrow();
        assertEquals("best_tie", best.kind());
        assertEquals(List.of("c1", "c0"), best.configs(), "the two that tie, highest mean first; c2 is beaten");
    }

    @Test
    void oneSeedMakesNoComparisons() {
        List<RunResult> rs = List.of(run(spec("q", "a", 0), 0, 0.9, false, false, null), run(spec("q", "b", 1), 0, 0.5, false, false, null));
        List<Claim> claims = Conclusions.of(rs);
        assertTrue(claims.stream().noneMatch(c -> List.of("beats", "ties", "worse", "best", "best_tie").contains(c.kind())));
        assertTrue(claims.stream().anyMatch(c -> c.kind().equals("note") && c.text().contains("at least two seeds")));
    }
}
