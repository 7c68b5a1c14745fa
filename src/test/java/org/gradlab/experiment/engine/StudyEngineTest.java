package org.gradlab.experiment.engine;

import org.gradlab.experiment.spec.Design;
import org.gradlab.experiment.spec.RunSpec;
import org.gradlab.experiment.report.StudyTables;
import org.gradlab.experiment.jobs.StudyFolder;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.gradlab.experiment.spec.DataSpec;
import org.gradlab.experiment.spec.LossSpec;
import org.gradlab.experiment.spec.ModelSpec;
import org.gradlab.experiment.spec.OptimizerSpec;
import org.gradlab.experiment.spec.ScheduleSpec;
import org.gradlab.experiment.spec.TransformSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.Table;

/** The engine on a small grid: determinism across workers, persistence, resume after an interruption. */
class StudyEngineTest {
    /** 640 training digits, batch 32: 20 steps an epoch. */
    private static final DataSpec SMALL = new DataSpec.Digits(640, 32);

    static RunSpec spec(String part, String config, ModelSpec model, OptimizerSpec optimizer, ScheduleSpec schedule,
            List<TransformSpec> gradients) {
        return new RunSpec(part, config, model, optimizer, schedule, gradients, SMALL, new LossSpec.CrossEntropy(0), 0, 2);
    }

    static List<RunSpec> smallGrid() {
        List<RunSpec> configs = List.of(
                spec("tiny", "adam", ModelSpec.article(), OptimizerSpec.adam(), new ScheduleSpec.Constant(1e-3), List.of()),
                spec("tiny", "onecycle_0.1", ModelSpec.article(), OptimizerSpec.sgd(0.9), Design.oneCycle(0.1, true), List.of()),
                spec("deep", "A_none", ModelSpec.deep(Design.initA()), OptimizerSpec.sgd(0.9), new ScheduleSpec.Constant(0.02),
                        List.of()),
                spec("deep", "A_norm_1", ModelSpec.deep(Design.initA()), OptimizerSpec.sgd(0.9), new ScheduleSpec.Constant(0.02),
                        List.of(Design.norm(1))));
        List<RunSpec> runs = new ArrayList<>();
        for (RunSpec c : configs) {
            runs.add(c.withSeed(0));
            runs.add(c.withSeed(1));
        }
        return runs;
    }

    private static List<RunResult> run(List<RunSpec> runs, Path dir, int workers, List<Integer> reused,
            java.util.function.Consumer<RunResult> finished) throws Exception {
        try (StudyFolder f = StudyFolder.open(dir)) {
            return Study.run(runs, new RunStore(f.runs()), Study.local(workers), false, new Study.Listener() {
                @Override
                public void planned(int saved, int todo) {
                    reused.add(saved);
                }

                @Override
                public void finished(RunResult r) {
                    finished.accept(r);
                }
            });
        }
    }

    /** The tables without wall times, which differ between any two executions. */
    static Table withoutSeconds(Table t) {
        Table c = t.copy();
        c.removeColumns("seconds");
        return c;
    }

    static void assertSameTables(List<RunResult> a, List<RunResult> b) {
        assertEquals(withoutSeconds(StudyTables.runs(a)).write().toString("csv"), withoutSeconds(StudyTables.runs(b)).write().toString("csv"));
        assertEquals(withoutSeconds(StudyTables.summary(a)).write().toString("csv"),
                withoutSeconds(StudyTables.summary(b)).write().toString("csv"));
        for (int i = 0; i < a.size(); i++) {
            assertArrayEquals(a.get(i).series().gradNorms(), b.get(i).series().gradNorms(), a.get(i).spec().id());
            assertArrayEquals(a.get(i).end().epochTestAccuracy(), b.get(i).end().epochTestAccuracy(), a.get(i).spec().id());
        }
    }

    @Test
    void sameResultsOnOneAndTwoWorkersAndResumeAfterAnInterruption(@TempDir Path tmp) throws Exception {
        List<RunSpec> runs = smallGrid();
        List<RunResult> one = run(runs, tmp.resolve("one"), 1, new ArrayList<>(), r -> { });
        List<RunResult> two = run(runs, tmp.resolve("two"), 2, new ArrayList<>(), r -> { });
        assertSameTables(one, two);
        assertTrue(one.get(4).diverged() && one.get(4).exploded(), "the A init explodes: " + one.get(4));
        assertTrue(!one.get(6).diverged(), "global-norm clipping keeps A finite");

        // interrupted after 3 finished runs: what finished is on disk, the rest is redone on the rerun
        Path dir = tmp.resolve("interrupted");
        AtomicInteger finished = new AtomicInteger();
        RuntimeException kill = new RuntimeException("killed");
        RuntimeException thrown = assertThrows(RuntimeException.class, () -> run(runs, dir, 2, new ArrayList<>(), r -> {
            if (finished.incrementAndGet() == 3) {
                throw kill;
            }
        }));
        assertEquals(kill, thrown);
        long saved;
        try (var files = Files.list(dir.resolve("runs"))) {
            saved = files.filter(p -> p.toString().endsWith(".json")).count();
        }
        assertTrue(saved >= 3 && saved < runs.size(), "saved " + saved);
        List<Integer> reused = new ArrayList<>();
        List<RunResult> redone = new ArrayList<>();
        List<RunResult> resumed = run(runs, dir, 2, reused, redone::add);
        assertEquals(List.of((int) saved), reused);
        assertEquals(runs.size() - saved, redone.size());
        assertSameTables(one, resumed);

        // a third time nothing runs; a damaged file and a changed spec are run again
        Files.writeString(dir.resolve("runs").resolve(runs.get(0).fileName()), "{\"spec\": ");
        List<RunSpec> changed = new ArrayList<>(runs);
        changed.set(1, runs.get(1).withEpochs(1));
        redone.clear();
        reused.clear();
        run(changed, dir, 1, reused, redone::add);
        assertEquals(java.util.Set.of(runs.get(0).id(), runs.get(1).id()), redone.stream().map(r -> r.spec().id())
                .collect(java.util.stream.Collectors.toSet()));
        assertEquals(1, redone.get(1).end().epochTestAccuracy().length);
    }

    @Test
    void aFolderInUseIsRefused(@TempDir Path tmp) throws IOException {
        try (StudyFolder held = StudyFolder.open(tmp)) {
            IOException e = assertThrows(IOException.class, () -> StudyFolder.open(tmp));
            assertTrue(e.getMessage().startsWith(tmp + " is in use by another job (process " + ProcessHandle.current().pid()
                    + ", started "), e.getMessage());
        }
        StudyFolder.open(tmp).close();   // free again once released
        Path file = Files.writeString(tmp.resolve("a-file"), "keep me");
        IOException e = assertThrows(IOException.class, () -> StudyFolder.open(file));
        assertEquals(file + ": is a file, not a folder", e.getMessage());
        assertEquals("keep me", Files.readString(file));
    }

    @Test
    void runsStartBySeedThenLongestFirstAndResultsKeepTheSpecsOrder(@TempDir Path tmp) throws Exception {
        List<RunSpec> runs = new ArrayList<>(smallGrid());
        RunSpec gru = spec("rnn", "gru", new ModelSpec.RecurrentNet(org.gradlab.experiment.spec.LayerSpec.Cell.GRU, 8, 1, 28),
                OptimizerSpec.sgd(0), new ScheduleSpec.Constant(0.1), List.of());
        runs.add(gru.withSeed(1));
        runs.add(gru.withSeed(0));
        List<String> started = new ArrayList<>();
        Study.Runner recording = (specs, done, stop) -> {
            for (RunSpec s : specs) {
                started.add(s.id());
                done.accept(RunExecutor.failed(s, "not trained", 0));
            }
        };
        try (StudyFolder f = StudyFolder.open(tmp)) {
            List<RunResult> results = Study.run(runs, new RunStore(f.runs()), recording, false, Study.Listener.NONE);
            assertEquals(runs.stream().map(RunSpec::id).toList(), results.stream().map(r -> r.spec().id()).toList());
        }
        // per example: the deep MLP 266,890 multiply-adds, the GRU of 8 units 28 x 912 + 90 = 25,626, the article 55,050
        assertEquals(List.of("deep/A_none/0", "deep/A_norm_1/0", "tiny/adam/0", "tiny/onecycle_0.1/0", "rnn/gru/0",
                "deep/A_none/1", "deep/A_norm_1/1", "tiny/adam/1", "tiny/onecycle_0.1/1", "rnn/gru/1"), started);
    }

    @Test
    void aRecurrentModelsWorkCountsEveryStep() {
        ModelSpec.Shape digits = new ModelSpec.Shape(784, 10);
        ModelSpec.RecurrentNet gru = new ModelSpec.RecurrentNet(org.gradlab.experiment.spec.LayerSpec.Cell.GRU, 128, 1, 28);
        long cell = 3L * 128 * (28 + 128) + 2L * 3 * 128;      // weight_ih, weight_hh, bias_ih, bias_hh
        assertEquals(cell + 128 * 10 + 10, gru.paramCount(digits));
        assertEquals(28 * cell + 128 * 10 + 10, gru.multiplyAddsPerExample(digits));
        assertEquals(ModelSpec.deep(Design.initA()).paramCount(digits), ModelSpec.deep(Design.initA()).multiplyAddsPerExample(digits));
        RunSpec r = spec("rnn", "gru", gru, OptimizerSpec.sgd(0), new ScheduleSpec.Constant(0.1), List.of());
        assertEquals((28.0 * cell + 1290) * 640 * 2, Budget.work(r));
    }

    @Test
    void repeatedRunsAreRefused() {
        List<RunSpec> runs = smallGrid();
        List<RunSpec> twice = new ArrayList<>(runs);
        twice.add(runs.get(0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Study.requireUnique(twice));
        assertEquals("run tiny/adam/0 appears twice; configuration names must be unique within a part", e.getMessage());
    }
}
