package org.gradlab.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.gradlab.data.Dataset;
import org.gradlab.data.Mnist;
import org.gradlab.diagnostics.Tables;
import org.gradlab.experiment.jobs.Presets;
import org.gradlab.optim.Adam;
import org.gradlab.optim.Optimizer;
import org.junit.jupiter.api.Test;
import tech.tablesaw.api.Table;

class ProgressTest {
    private static final Dataset.Split DATA = Mnist.bundled().split(320, 5);

    @Test
    void oneLinePerEpochAndAThrottledBarWithTheTimeLeft() {
        ByteArrayOutputStream lines = new ByteArrayOutputStream();
        Presets.articleTrainer(5).epochs(2).listener(Progress.epochs(new PrintStream(lines, true, StandardCharsets.UTF_8))
                .named("article")).build().fit(DATA.train(), DATA.test().split(100, 1).train());
        String text = lines.toString(StandardCharsets.UTF_8);
        assertEquals(2, text.lines().count(), text);
        assertTrue(text.startsWith("article  epoch  1  train loss "), text);

        ByteArrayOutputStream bar = new ByteArrayOutputStream();
        long[] now = {0};
        Progress p = Progress.bar(new PrintStream(bar, true, StandardCharsets.UTF_8)).withClock(() -> now[0]);
        p.task("replay", 100);
        for (int i = 1; i <= 100; i++) {
            now[0] += 100_000_000L;   // 0.1 s a step: redrawn every fifth step
            p.advance(i);
        }
        String drawn = bar.toString(StandardCharsets.UTF_8);
        assertEquals(20, drawn.chars().filter(c -> c == '\r').count(), drawn);
        assertTrue(drawn.contains("50/100 steps  10 steps/s  ETA 5 s"), drawn);
    }

    @Test
    void theOptimizerPrintsAsATablePerGroupWithItsMomentNorms() {
        Trainer t = Presets.articleTrainer(5).optimizer(Optimizer.of(Adam.defaults())
                .withGroups(Optimizer.Group.noWeightDecay(Presets.articleModel(5)))).epochs(1).build();
        t.fit(DATA.train(), DATA.test().split(100, 1).train());
        Table table = Tables.readable(t.optimizer().table(1e-3));
        assertTrue(table.columnNames().containsAll(java.util.List.of("group", "params", "lr", "beta1", "beta2",
                "weightDecay", "expAvg_norm", "expAvgSq_norm", "step")), table.columnNames().toString());
        assertEquals(6, (int) table.doubleColumn("params").sum());
        double m = Math.sqrt(t.optimizer().state().values().stream().mapToDouble(s -> {
            double n = ((Adam.State) s).expAvg().castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).norm2Number().doubleValue();
            return n * n;
        }).sum());
        double fromTable = Math.sqrt(table.doubleColumn("expAvg_norm").asList().stream().mapToDouble(x -> x * x).sum());
        assertEquals(m, fromTable, 1e-9 * m);
        assertTrue(table.print().contains("0.900"), table.print());
    }
}
