package org.gradlab.experiment.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.gradlab.experiment.engine.RunResult;
import org.gradlab.experiment.spec.DataSpec;
import org.gradlab.experiment.spec.InitSpec;
import org.gradlab.experiment.spec.LossSpec;
import org.gradlab.experiment.spec.ModelSpec;
import org.gradlab.experiment.spec.OptimizerSpec;
import org.gradlab.experiment.spec.RunSpec;
import org.gradlab.experiment.spec.ScheduleSpec;
import org.junit.jupiter.api.Test;
import tech.tablesaw.api.Table;

/** The forecaster's scores on made-up runs whose failures and forecasts are known. */
class EarlyWarningTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static RunSpec spec(String config) {
        return new RunSpec("p", config, ModelSpec.deep(InitSpec.of(InitSpec.Kind.HE_NORMAL)), OptimizerSpec.sgd(0.9),
                new ScheduleSpec.Constant(0.1), List.of(), DataSpec.Digits.DEFAULT, new LossSpec.CrossEntropy(0), 0, 10);
    }

    /**
     * Config a explodes at step 4 in every seed, forecast at 2 (seed 0), 10 (seed 1: too late) and 3 (seed 2);
     * config b stays healthy, with a forecast in seed 1 only.
     */
    private static List<RunResult> study() {
        return List.of(ConclusionsTest.run(spec("a"), 0, 0.1, false, true, null, 2),
                ConclusionsTest.run(spec("a"), 1, 0.1, false, true, null, 10),
                ConclusionsTest.run(spec("a"), 2, 0.1, false, true, null, 3),
                ConclusionsTest.run(spec("b"), 0, 0.9, false, false, null, -1),
                ConclusionsTest.run(spec("b"), 1, 0.9, false, false, null, 5),
                ConclusionsTest.run(spec("b"), 2, 0.9, false, false, null, -1));
    }

    @Test
    void theRunsColumnsHoldEachRunsFailureAndFirstForecast() {
        Table runs = StudyTables.runs(study());
        assertEquals(List.of(4L, 4L, 4L), runs.longColumn("failure_step").asList().subList(0, 3));
        assertTrue(runs.longColumn("failure_step").isMissing(3));
        assertEquals(List.of("explosion", "explosion", "explosion", "", "", ""), runs.stringColumn("failure_kind").asList());
        assertEquals(List.of(2L, 10L, 3L), runs.longColumn("first_forecast_step").asList().subList(0, 3));
        assertTrue(runs.longColumn("first_forecast_step").isMissing(3));
        assertEquals(5L, runs.longColumn("first_forecast_step").get(4));
        assertEquals("explosion: update_ratio", runs.stringColumn("forecast").get(0));
    }

    @Test
    void everyScopeCountsWarnedRunsLeadsAndFalseAlarms() {
        Table t = EarlyWarning.table(StudyTables.runs(study()));
        assertEquals(List.of("Every run (seeds 0, 1, 2)", "Seeds 0 and 1, the thresholds' tuning seeds",
                "Seed 2, held out (not used to choose the thresholds)"), t.stringColumn("scope").asList());
        assertEquals(List.of(3, 2, 1), t.intColumn("failing").asList());
        assertEquals(List.of(2, 1, 1), t.intColumn("warned").asList());
        assertEquals(List.of(1.5, 2.0, 1.0), t.doubleColumn("median_lead").asList());
        assertEquals(List.of(3, 2, 1), t.intColumn("healthy").asList());
        assertEquals(List.of(1, 1, 0), t.intColumn("false_alarms").asList());
    }

    @Test
    void theClaimsSayWhetherEachGoalIsMetAndTheCheckerCatchesAWrongOne() throws Exception {
        List<Claim> claims = EarlyWarning.claims(StudyTables.runs(study()));
        assertEquals(9, claims.size(), "three facts for each of three scopes");
        assertEquals("Every run (seeds 0, 1, 2): the forecaster warned 2 of 3 failing runs before they failed (66.7%; goal at "
                + "least 90%: not met).", claims.get(0).text());
        assertEquals("Seed 2, held out (not used to choose the thresholds): the forecaster raised a "
                + "forecast in 0 of 1 healthy runs (0.0%; goal at most 2%: met).", claims.get(8).text());
        assertEquals(1.0, claims.get(7).value());
        List<ClaimChecker.Row> rows = ClaimChecker.rows(StudyTables.runs(study()));
        JsonNode json = JSON.readTree(Conclusions.json(claims));
        assertEquals(List.of(), ClaimChecker.check(json, rows));
        ((ObjectNode) json.get(0)).put("count", "3/3");
        ((ObjectNode) json.get(1)).put("value", 3.0);
        ((ObjectNode) json.get(2)).put("text", json.get(2).get("text").asText().replace("not met", "met"));
        assertEquals(3, ClaimChecker.check(json, rows).size(), "a wrong count, a wrong median and a wrong verdict");
    }
}
