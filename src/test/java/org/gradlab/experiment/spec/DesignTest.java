package org.gradlab.experiment.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.gradlab.experiment.engine.Study;
import org.gradlab.experiment.jobs.Presets;
import org.gradlab.schedule.Schedule;
import org.junit.jupiter.api.Test;

class DesignTest {
    private static final ModelSpec.Shape DIGITS = new ModelSpec.Shape(784, 10);

    @Test
    void thePartsHaveTheIssuesConfigurations() {
        Map<String, List<RunSpec>> parts = Design.parts();
        assertEquals(List.of("baseline", "schedules", "clipping", "structure", "rnn"), List.copyOf(parts.keySet()));
        assertEquals(List.of(1, 17, 12, 18, 13), parts.values().stream().map(List::size).toList());
        List<String> names = parts.values().stream().flatMap(List::stream).map(RunSpec::config).toList();
        assertTrue(names.containsAll(List.of("fixed_0.1", "onecycle_0.1", "onecycle_0.1_nocycle", "A_norm_1", "B_agc_0.01",
                "bn_A_lr0.02", "res0.1_A_lr0.1", "resln_he_lr0.1")), names.toString());
        List<RunSpec> all = Selection.defaults().withParts(List.copyOf(parts.keySet())).runs();
        Study.requireUnique(all);
        assertEquals(183, all.size());
        assertEquals("--seeds is empty, expected at least one seed such as 0,1,2",
                assertThrows(IllegalArgumentException.class, () -> Selection.defaults().withSeeds(List.of()).runs()).getMessage());
    }

    @Test
    void schedulesFollowTheDesign() {
        double p = 0.1;
        ScheduleSpec.Timing t = new ScheduleSpec.Timing(250, 2500);
        Schedule wc = Design.warmupCosine(p).build(t);
        assertEquals(p / 250, wc.at(0), 1e-15);
        assertEquals(p, wc.at(249), 1e-15);
        assertEquals(p, wc.at(250), 1e-15);
        assertEquals(p / 2, wc.at(250 + 1125), 1e-12);
        Schedule ms = Design.multiStep(p).build(t);
        assertEquals(p, ms.at(1249), 0);
        assertEquals(p * 0.1, ms.at(1250), 1e-15);
        assertEquals(p * 0.01, ms.at(2000), 1e-15);
        Schedule oc = Design.oneCycle(p, true).build(t);
        assertEquals(p / 25, oc.at(0), 1e-15);
        assertEquals(0.95, oc.momentumAt(0).getAsDouble(), 1e-15);
        assertTrue(Design.oneCycle(p, false).build(t).momentumAt(0).isEmpty());
        for (long k = 0; k < 2500; k += 7) {   // the spec builds exactly what the study built by hand
            assertEquals(Schedule.cosine(p, 2250, 0).withWarmup(250).at(k), wc.at(k), 0.0, "step " + k);
            assertEquals(Schedule.multiStep(p, new long[] {1250, 2000}, 0.1).at(k), ms.at(k), 0.0, "step " + k);
            assertEquals(Schedule.oneCycle(p, 2500).at(k), oc.at(k), 0.0, "step " + k);
        }
        ScheduleSpec.PlateauSpec plateau = Design.plateau(p).plateau();
        assertEquals(0.1, plateau.factor());
        assertEquals(0, plateau.patience());
    }

    @Test
    void specsRoundTripThroughJson() {
        for (RunSpec r : Design.parts().values().stream().flatMap(List::stream).toList()) {
            String json = SpecCodec.write(r.withSeed(2));
            assertEquals(r.withSeed(2), SpecCodec.read(json, RunSpec.class), json);
        }
    }

    @Test
    void modelsHaveTheDesignedShape() {
        var deep = ModelSpec.deep(Design.initA()).withBlock(ModelSpec.Mlp.Block.RESIDUAL, 0.1).build(DIGITS, 0);
        assertEquals(12, deep.layers().size(), "11 hidden blocks and the output layer");
        assertEquals(12, deep.namedParams().keySet().stream().filter(n -> n.endsWith("weight")).count());
        var article = ModelSpec.article().build(DIGITS, 7);
        var preset = Presets.articleModel(7);
        assertEquals(preset.namedParams().get("0.weight").value(), article.namedParams().get("0.0.weight").value(),
                "the article's model draws its weights as Presets does");
        assertEquals(preset.paramCount(), ModelSpec.article().paramCount(DIGITS));
        var bn = ModelSpec.deep(InitSpec.of(InitSpec.Kind.HE_NORMAL)).withNorm(ModelSpec.Mlp.Norm.BATCHNORM).build(DIGITS, 0);
        assertEquals(11, bn.namedParams().keySet().stream().filter(n -> n.matches("\\d+\\.1\\.weight")).count());
        for (RunSpec r : Design.parts().values().stream().flatMap(List::stream).toList()) {
            assertEquals(r.model().build(DIGITS, 0).paramCount(), r.model().paramCount(DIGITS), r.config());
        }
    }

    @Test
    void initAIsHeNormalTimesOneAndAHalf() {
        var a = ModelSpec.deep(Design.initA()).build(DIGITS, 3).namedParams().get("1.0.weight").value();
        var he = ModelSpec.deep(InitSpec.of(InitSpec.Kind.HE_NORMAL)).build(DIGITS, 3).namedParams().get("1.0.weight").value();
        assertEquals(1.5 * he.stdNumber().doubleValue(), a.stdNumber().doubleValue(), 1e-6);
    }
}
