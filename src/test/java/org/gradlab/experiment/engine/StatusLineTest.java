package org.gradlab.experiment.engine;

import org.gradlab.experiment.spec.DataSpec;
import org.gradlab.experiment.spec.ModelSpec;
import org.gradlab.experiment.spec.OptimizerSpec;
import org.gradlab.experiment.spec.RunSpec;
import org.gradlab.experiment.spec.ScheduleSpec;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class StatusLineTest {
    private static RunSpec spec(String config, ModelSpec model) {
        return new RunSpec("p", config, model, OptimizerSpec.adam(), new ScheduleSpec.Constant(1e-3), List.of(), null, null, 0, 1);
    }

    private static RunResult done(String config, double acc, long diverged) {
        return done(spec(config, ModelSpec.article()), acc, diverged);
    }

    private static RunResult done(RunSpec spec, double acc, long diverged) {
        return new RunResult(spec, new RunResult.End(acc, 0.5, new double[] {acc}, new double[] {0.5}, diverged, 0, null),
                new RunResult.Norms(1, 1, 1, -1, -1, -1, 0), new RunResult.Layers(List.of(), new double[0], new double[0], 1, 1,
                        new double[0][], new double[0]), new RunResult.Series(new double[] {1}, new double[] {1e-3}), 1);
    }

    @Test
    void plainLinesAreThrottledAndTheLastIsAlwaysShown() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        AtomicLong now = new AtomicLong();
        StatusLine p = new StatusLine(new PrintStream(bytes, true, StandardCharsets.UTF_8), false, 4, now::get);
        p.planned(1, 3);
        now.set(1_000_000_000L);
        p.finished(done("b", 0.5, -1));               // the first line of a run
        now.set(11_000_000_000L);
        p.finished(done("c", 0.1, 7));
        now.set(12_000_000_000L);
        p.finished(done("d", 0.95, -1));              // the last one is always shown
        assertEquals("""
                resuming: 1 of 4 runs are saved and verified; 3 to run
                [##########..........] 2/4 runs  0:01 elapsed  ETA 0:02  last: p/b/0 acc 50.0%
                [###############.....] 3/4 runs  0:11 elapsed  ETA 0:06  last: p/c/0 acc 10.0%, diverged at step 7
                [####################] 4/4 runs  0:12 elapsed  ETA 0:00  last: p/d/0 acc 95.0%
                """, bytes.toString(StandardCharsets.UTF_8));
    }

    @Test
    void theEtaWeighsTheRunsLeftByTheirMultiplyAdds() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        AtomicLong now = new AtomicLong();
        StatusLine p = new StatusLine(new PrintStream(bytes, true, StandardCharsets.UTF_8), false, 3, now::get);
        RunSpec deep = spec("deep", ModelSpec.deep(org.gradlab.experiment.spec.Design.initA()));
        RunSpec article = spec("article", ModelSpec.article());
        p.starting(List.of(deep, article, article.withSeed(1)));
        now.set(60_000_000_000L);
        p.finished(done(deep, 0.9, -1));
        // 266,890 multiply-adds an example took 60 s; two runs of 55,050 are left: 2 x 60 x 55,050 / 266,890 = 24.8 s
        assertEquals("[######..............] 1/3 runs  1:00 elapsed  ETA 0:25  last: p/deep/0 acc 90.0%\n",
                bytes.toString(StandardCharsets.UTF_8));
        now.set(0);
        StatusLine unknown = new StatusLine(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), false, 2,
                now::get);
        RunSpec csv = new RunSpec("p", "files", ModelSpec.article(), OptimizerSpec.adam(), new ScheduleSpec.Constant(1e-3), List.of(),
                new DataSpec.Csv(Path.of("blobs.csv"), "label", List.of(), null, 32, true), null, 0, 1);
        unknown.starting(List.of(deep, csv));
        now.set(60_000_000_000L);
        unknown.finished(done(deep, 0.9, -1));
        assertEquals("[##########..........] 1/2 runs  1:00 elapsed  ETA 1:00  last: x", unknown.line("x"),
                "a run whose data is read from files: runs left at the pace of runs executed");
    }

    @Test
    void aTerminalGetsOneRewrittenLine() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        AtomicLong now = new AtomicLong();
        StatusLine p = new StatusLine(new PrintStream(bytes, true, StandardCharsets.UTF_8), true, 2, now::get);
        p.finished(done("a", 0.9, -1));
        now.set(60_000_000_000L);
        p.finished(done("b", 0.8, -1));
        assertEquals("\r[##########..........] 1/2 runs  0:00 elapsed  ETA 0:00  last: p/a/0 acc 90.0%\u001b[K"
                + "\r[####################] 2/2 runs  1:00 elapsed  ETA 0:00  last: p/b/0 acc 80.0%\u001b[K\n",
                bytes.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aLongLastRunIsCutSoTheLineFits120Columns() {
        StatusLine p = new StatusLine(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), false, 53, () -> 0L);
        String head = "[....................] 0/53 runs  0:00 elapsed  ETA --:--  last: ";
        String seen = "structure/res1_he_lr0.02/0 acc 11.6%, diverged at step 4";   // CI's 122-column line
        String line = p.line(seen);
        assertEquals(StatusLine.WIDTH, line.length(), line);
        assertEquals(head + seen.substring(0, StatusLine.WIDTH - head.length() - 3) + "...", line);
        assertEquals(head + "p/c/0 acc 95.0%", p.line("p/c/0 acc 95.0%"), "a line that fits is whole");
    }
}
