package org.gradlab.experiment.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.gradlab.data.Dataset;
import org.gradlab.data.Mnist;
import org.gradlab.experiment.jobs.Presets;
import org.gradlab.experiment.spec.RunSpec;
import org.gradlab.train.History;
import org.gradlab.train.StepResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Nothing process-wide: two studies and a notebook's trainer in one JVM give the results each gives alone. */
class IsolationTest {
    private static final Dataset.Split DATA = Mnist.bundled().split(640, 4);

    @TempDir
    Path dir;

    private List<RunResult> study(List<RunSpec> runs, String name, int workers) throws Exception {
        return Study.run(runs, new RunStore(dir.resolve(name)), Study.local(workers), true, Study.Listener.NONE);
    }

    private static double[] trainer() {
        History h = Presets.articleTrainer(3).epochs(1).build().fit(DATA.train(), DATA.test());
        return h.stepResults().stream().mapToDouble(StepResult::loss).toArray();
    }

    @Test
    void twoStudiesAndATrainerTogetherGiveWhatEachGivesAlone() throws Exception {
        List<RunSpec> grid = StudyEngineTest.smallGrid();
        List<RunSpec> a = grid.subList(0, 4);
        List<RunSpec> b = grid.subList(4, 8);
        List<RunResult> aloneA = study(a, "a1", 1);
        List<RunResult> aloneB = study(b, "b1", 2);
        double[] aloneT = trainer();

        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            Future<List<RunResult>> togetherA = pool.submit((Callable<List<RunResult>>) () -> study(a, "a2", 2));
            Future<List<RunResult>> togetherB = pool.submit((Callable<List<RunResult>>) () -> study(b, "b2", 1));
            Future<double[]> togetherT = pool.submit(IsolationTest::trainer);
            StudyEngineTest.assertSameTables(aloneA, togetherA.get());
            StudyEngineTest.assertSameTables(aloneB, togetherB.get());
            assertArrayEquals(aloneT, togetherT.get(), 0.0, "the notebook trainer's losses, bit for bit");
        } finally {
            pool.shutdownNow();
        }
        assertEquals(4, aloneA.size());
    }
}
