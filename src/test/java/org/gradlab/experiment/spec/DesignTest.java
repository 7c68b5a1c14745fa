package org.gradlab.experiment.spec;

import org.gradlab.experiment.engine.RunStore;
import org.gradlab.experiment.engine.RunExecutor;
import org.gradlab.experiment.engine.Study;
import org.gradlab.experiment.jobs.Presets;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.gradlab.schedule.Schedule;
import org.junit.jupiter.api.Test;

class DesignTest {
    @Test
    void thePartsHaveTheIssuesConfigurations() {
        Map<String, List<RunSpec>> parts = Design.parts();
        assertEquals(List.of("baseline", "schedules", "clipping", "structure", "rnn"), List.copyOf(parts.keySet()));
        assertEquals(List.of(1, 17, 12, 18, 13), parts.values().stream().map(List::size).toList());
        List<String> names = parts.values().stream().flatMap(List::stream).map(RunSpec::config).toList();
        assertTrue(names.containsAll(List.of("fixed_0.1", "onecycle_0.1", "onecycle_0.1_nocycle", "A_norm_1", "B_agc_0.01",
                "bn_A_lr0.02", "res0.1_A_lr0.1", "resln_he_lr0.1")), names.toString());
        List<RunSpec> all = parts.values().stream().flatMap(List::stream).toList();
        Study.requireUnique(all);
        assertEquals(183, Design.expand(all, Design.SEEDS, Design.EPOCHS).size());
        assertEquals("seeds: need at least one seed, got none",
                assertThrows(IllegalArgumentException.class, () -> Design.expand(all, List.of(), 2)).getMessage());
    }

    @Test
    void schedulesFollowTheDesign() {
        double p = 0.1;
        Schedule wc = RunExecutor.schedule(RunSpec.Sched.of("warmup_cosine", p), 250, 2500);
        assertEquals(p / 250, wc.at(0), 1e-15);
        assertEquals(p, wc.at(249), 1e-15);
        assertEquals(p, wc.at(250), 1e-15);
        assertEquals(p / 2, wc.at(250 + 1125), 1e-12);
        Schedule ms = RunExecutor.schedule(RunSpec.Sched.of("multistep", p), 250, 2500);
        assertEquals(p, ms.at(1249), 0);
        assertEquals(p * 0.1, ms.at(1250), 1e-15);
        assertEquals(p * 0.01, ms.at(2000), 1e-15);
        Schedule oc = RunExecutor.schedule(RunSpec.Sched.of("onecycle", p), 250, 2500);
        assertEquals(p / 25, oc.at(0), 1e-15);
        assertEquals(0.95, oc.momentumAt(0).getAsDouble(), 1e-15);
        assertTrue(RunExecutor.schedule(new RunSpec.Sched("onecycle", p, false), 250, 2500).momentumAt(0).isEmpty());
    }

    @Test
    void specsRoundTripThroughJson() throws Exception {
        for (RunSpec r : Design.parts().values().stream().flatMap(List::stream).toList()) {
            String json = RunStore.JSON.writeValueAsString(r.withSeed(2));
            assertEquals(r.withSeed(2), RunStore.JSON.readValue(json, RunSpec.class));
        }
    }

    @Test
    void specsCheckTheirFields() {
        assertEquals("config must be 1 to 80 of [A-Za-z0-9_.+-], got 'a b'", assertThrows(IllegalArgumentException.class,
                () -> new RunSpec("p", "a b", RunSpec.Model.article(), RunSpec.Optim.adam(), RunSpec.Sched.of("constant", 1e-3),
                        List.of(), null, 0, 1)).getMessage());
        assertEquals("schedule.lr must be in (0, 100], got -1.0",
                assertThrows(IllegalArgumentException.class, () -> RunSpec.Sched.of("constant", -1)).getMessage());
        assertEquals("gradients.kind must be one of [agc, norm, value], got 'zclip'",
                assertThrows(IllegalArgumentException.class, () -> new RunSpec.Grad("zclip", 1)).getMessage());
        assertEquals("model.residualScale must be finite and non-zero for a residual block, got 0.0",
                assertThrows(IllegalArgumentException.class, () -> RunSpec.Model.deep("he").withBlock("residual", 0)).getMessage());
    }

    @Test
    void modelsHaveTheDesignedShape() {
        var deep = Models.build(RunSpec.Model.deep("A").withBlock("residual", 0.1), 0);
        assertEquals(12, deep.layers().size(), "11 hidden blocks and the output layer");
        assertEquals(12, deep.namedParams().keySet().stream().filter(n -> n.endsWith("weight")).count());
        var article = Models.build(RunSpec.Model.article(), 7);
        var preset = Presets.articleModel(7);
        assertEquals(preset.namedParams().get("0.weight").value(), article.namedParams().get("0.0.weight").value(),
                "the article's model draws its weights as Presets does");
        var bn = Models.build(RunSpec.Model.deep("he").withNorm("batchnorm"), 0);
        assertEquals(11, bn.namedParams().keySet().stream().filter(n -> n.matches("\\d+\\.1\\.weight")).count());
    }
}
