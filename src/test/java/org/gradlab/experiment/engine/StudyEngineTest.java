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
import org.gradlab.experiment.spec.RunSpec.Grad;
import org.gradlab.experiment.spec.RunSpec.Model;
import org.gradlab.experiment.spec.RunSpec.Optim;
import org.gradlab.experiment.spec.RunSpec.Sched;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.Table;

/** The engine on a small grid: determinism across workers, persistence, resume after an interruption. */
class StudyEngineTest {
    /** 640 training digits, batch 32: 20 steps an epoch. */
    private static final RunSpec.Data SMALL = new RunSpec.Data("digits", 640, 32);

    static List<RunSpec> smallGrid() {
        List<RunSpec> configs = List.of(
                new RunSpec("tiny", "adam", Model.article(), Optim.adam(), Sched.of("constant", 1e-3), List.of(), SMALL, 0, 1),
                new RunSpec("tiny", "onecycle_0.1", Model.article(), Optim.sgdMomentum(), Sched.of("onecycle", 0.1), List.of(),
                        SMALL, 0, 1),
                new RunSpec("deep", "A_none", Model.deep("A"), Optim.sgdMomentum(),
                        Sched.of("constant", 0.02), List.of(), SMALL, 0, 1),
                new RunSpec("deep", "A_norm_1", Model.deep("A"), Optim.sgdMomentum(),
                        Sched.of("constant", 0.02), List.of(new Grad("norm", 1)), SMALL, 0, 1));
        return Design.expand(configs, List.of(0L, 1L), 2);
    }

    private static List<RunResult> run(List<RunSpec> runs, Path dir, int workers, List<RunResult> reused,
            java.util.function.Consumer<RunResult> finished) throws Exception {
        try (StudyFolder f = StudyFolder.open(dir)) {
            return Study.run(runs, f, workers, false, reused::add, finished);
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
            assertArrayEquals(a.get(i).gradNorms(), b.get(i).gradNorms(), a.get(i).spec().id());
            assertArrayEquals(a.get(i).epochTestAccuracy(), b.get(i).epochTestAccuracy(), a.get(i).spec().id());
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
        List<RunResult> reused = new ArrayList<>();
        List<RunResult> redone = new ArrayList<>();
        List<RunResult> resumed = run(runs, dir, 2, reused, redone::add);
        assertEquals(saved, reused.size());
        assertEquals(runs.size() - saved, redone.size());
        assertSameTables(one, resumed);

        // a third time nothing runs; a damaged file and a changed spec are run again
        Files.writeString(dir.resolve("runs").resolve(runs.get(0).fileName()), "{\"spec\": ");
        List<RunSpec> changed = new ArrayList<>(runs);
        changed.set(1, runs.get(1).withEpochs(1));
        redone.clear();
        reused.clear();
        run(changed, dir, 1, reused, redone::add);
        assertEquals(List.of(runs.get(0).id(), runs.get(1).id()), redone.stream().map(r -> r.spec().id()).toList());
        assertEquals(1, redone.get(1).epochTestAccuracy().length);
    }

    @Test
    void aFolderInUseIsRefused(@TempDir Path tmp) throws IOException {
        try (StudyFolder held = StudyFolder.open(tmp)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StudyFolder.open(tmp));
            assertEquals("--out " + tmp + " is in use by another study (locked)", e.getMessage());
        }
        StudyFolder.open(tmp).close();   // free again once released
        Path file = Files.writeString(tmp.resolve("a-file"), "keep me");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StudyFolder.open(file));
        assertEquals("--out " + file + " is a file, expected a folder", e.getMessage());
        assertEquals("keep me", Files.readString(file));
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
