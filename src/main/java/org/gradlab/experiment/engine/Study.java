package org.gradlab.experiment.engine;

import org.gradlab.experiment.spec.Design;
import org.gradlab.experiment.spec.RunSpec;
import org.gradlab.experiment.jobs.StudyFolder;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.gradlab.data.Dataset;
import org.gradlab.data.Mnist;
import org.gradlab.nn.Backend;

/**
 * Executes a study, a list of independent {@link RunSpec}s, on {@code workers} threads with one
 * ND4J thread each. Every run is seeded by its spec alone, so the results do not depend on the
 * number of workers or the order runs finish in. Each finished run is saved at once
 * ({@link RunStore}); a study started again in the same folder picks up the saved runs instead of
 * redoing them (unless {@code fresh}).
 *
 * <pre>{@code
 * List<RunSpec> runs = Design.expand(Design.parts().get("clipping"), List.of(0L), 2);
 * try (StudyFolder folder = StudyFolder.open(Path.of("runs/study"))) {
 *     List<RunResult> results = Study.run(runs, folder, 2, false, StatusLine.on(System.err, runs.size())::finished);
 * }
 * }</pre>
 */
public final class Study {
    private Study() {
    }

    /** Checks that run ids are unique; an {@link IllegalArgumentException} naming the first repeated one. */
    public static void requireUnique(List<RunSpec> runs) {
        Set<String> seen = new HashSet<>();
        for (RunSpec r : runs) {
            if (!seen.add(r.id())) {
                throw new IllegalArgumentException("run " + r.id() + " appears twice; configuration names must be unique within a part");
            }
        }
    }

    /**
     * Runs what is not saved yet and returns every result in the order of {@code runs}.
     * {@code progress} hears of each run: saved ones first (through {@code reused}), then each
     * executed one as it finishes; if it throws, the study stops (runs in flight are abandoned,
     * finished ones stay saved) and the exception is rethrown.
     */
    public static List<RunResult> run(List<RunSpec> runs, StudyFolder folder, int workers, boolean fresh,
            StatusLine progress) throws IOException, InterruptedException {
        return run(runs, folder, workers, fresh, progress::reused, progress::finished);
    }

    static List<RunResult> run(List<RunSpec> runs, StudyFolder folder, int workers, boolean fresh,
            Consumer<RunResult> reused, Consumer<RunResult> finished) throws IOException, InterruptedException {
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be >= 1, got " + workers);
        }
        requireUnique(runs);
        Backend.singleThreaded();
        RunStore store = new RunStore(folder.runs());
        RunResult[] results = new RunResult[runs.size()];
        List<Integer> todo = new ArrayList<>();
        for (int i = 0; i < runs.size(); i++) {
            Optional<RunResult> saved = fresh ? Optional.empty() : store.find(runs.get(i));
            if (saved.isPresent()) {
                results[i] = saved.get();
                reused.accept(saved.get());
            } else {
                todo.add(i);
            }
        }
        if (todo.isEmpty()) {
            return List.of(results);
        }
        Data data = new Data();
        AtomicBoolean stop = new AtomicBoolean();
        int threads = Math.min(workers, todo.size());
        Backend.trainers(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "gradlab-study");
            t.setDaemon(true);
            return t;
        });
        ExecutorCompletionService<Integer> done = new ExecutorCompletionService<>(pool);
        try {
            for (int i : todo) {
                done.submit(() -> {
                    RunSpec spec = runs.get(i);
                    Optional<RunResult> r = RunExecutor.run(spec, data.split(spec), stop::get);
                    if (r.isPresent()) {     // empty: the study is being stopped and nobody waits for it
                        results[i] = r.get();
                        store.save(results[i]);
                    }
                    return i;
                });
            }
            for (int k = 0; k < todo.size(); k++) {
                int i = done.take().get();
                finished.accept(results[i]);
            }
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) {
                throw io;
            }
            throw new IllegalStateException("run failed: " + c, c);
        } finally {
            stop.set(true);
            pool.shutdownNow();
            pool.awaitTermination(1, TimeUnit.MINUTES);
            Backend.trainers(1);
        }
        return List.of(results);
    }

    /** The bundled digits, read once, and their split per seed, made once and shared read-only by the workers. */
    private static final class Data {
        private final Dataset digits = Mnist.bundled();
        private final Map<List<Long>, Dataset.Split> splits = new ConcurrentHashMap<>();

        Dataset.Split split(RunSpec spec) {
            return splits.computeIfAbsent(List.of((long) spec.data().train(), spec.seed()),
                    k -> digits.split(spec.data().train(), spec.seed()));
        }
    }

}
