package org.gradlab.experiment.engine;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.gradlab.data.Dataset;
import org.gradlab.experiment.spec.DataSpec;
import org.gradlab.experiment.spec.RunSpec;

/**
 * Executes a study, a list of independent {@link RunSpec}s: runs what is not saved yet on a
 * {@link Runner} (by default {@link #local(int)}: threads of this JVM, one trainer each), saves
 * each result as it arrives ({@link RunStore}) and returns every result in the order of the
 * specs. Every run is seeded by its spec alone, so the results do not depend on the runner, the
 * number of workers or the order runs finish in. A study holds no process-wide state: two studies
 * (or a study and a notebook's trainer) in one JVM give the results each gives alone.
 *
 * <pre>{@code
 * List<RunSpec> runs = Selection.defaults().withParts(List.of("clipping")).withQuick(true).runs();
 * List<RunResult> results = Study.run(runs, new RunStore(Path.of("runs/study/runs")), Study.local(2), false,
 *         Study.Listener.NONE);
 * }</pre>
 */
public final class Study {
    private Study() {
    }

    /** What a study tells about its runs as they go; every method has an empty default. */
    public interface Listener {
        /** Hears nothing. */
        Listener NONE = new Listener() {
        };

        /** {@code count} of the runs were found saved and verified; {@code todo} are left to run. */
        default void planned(int reused, int todo) {
        }

        /** The runs to execute, in the order the runner gets them (after {@link #planned}, when any are left). */
        default void starting(List<RunSpec> todo) {
        }

        /** A saved run that cannot be trusted ({@code why}: its file and what is wrong, one line): it is run again. */
        default void stale(RunSpec spec, String why) {
        }

        /** A run just finished (or failed: {@link RunResult#failed()}). */
        default void finished(RunResult result) {
        }
    }

    /**
     * Where runs execute: this JVM's threads ({@link #local}), or a cluster (gradlab-spark's
     * {@code SparkRunner}: one Spark task per run; see {@link Cluster}). A runner calls
     * {@code done} once per spec, in any order and from any thread (results may arrive while it
     * runs), and stops early when {@code stop} says so.
     */
    public interface Runner {
        void run(List<RunSpec> specs, java.util.function.Consumer<RunResult> done, java.util.function.BooleanSupplier stop)
                throws IOException, InterruptedException;
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
     * Runs what {@code store} does not hold (all of it when {@code fresh}) on {@code runner} and
     * returns every result in the order of {@code runs}; each is saved as it arrives. If
     * {@code listener} throws, or the thread is interrupted, the study stops (finished runs stay
     * saved) and the exception is rethrown.
     */
    public static List<RunResult> run(List<RunSpec> runs, RunStore store, Runner runner, boolean fresh, Listener listener)
            throws IOException, InterruptedException {
        requireUnique(runs);
        Objects.requireNonNull(runner, "runner");
        Map<String, Integer> index = new LinkedHashMap<>();
        RunResult[] results = new RunResult[runs.size()];
        List<RunSpec> todo = new ArrayList<>();
        for (int i = 0; i < runs.size(); i++) {
            RunSpec spec = runs.get(i);
            index.put(spec.id(), i);
            RunStore.Found saved = fresh ? RunStore.Found.NOTHING : store.find(spec);
            if (saved.present()) {
                results[i] = saved.result();
            } else {
                if (saved.stale() != null) {
                    listener.stale(spec, saved.stale());
                }
                todo.add(spec);
            }
        }
        listener.planned(runs.size() - todo.size(), todo.size());
        if (todo.isEmpty()) {
            return List.of(results);
        }
        // Runs of one seed share a split (fewer splits held at once); within a seed the longest start first, so that
        // the study does not end with one worker training a long run while the others wait.
        todo.sort(Comparator.comparingLong(RunSpec::seed).thenComparing(Comparator.comparingDouble(Budget::work).reversed()));
        listener.starting(List.copyOf(todo));
        AtomicBoolean stop = new AtomicBoolean();
        IOException[] saveFailure = new IOException[1];
        try {
            runner.run(todo, r -> {
                synchronized (results) {
                    try {
                        store.save(r);
                    } catch (IOException e) {
                        saveFailure[0] = e;
                        stop.set(true);
                        return;
                    }
                    results[index.get(r.spec().id())] = r;
                    listener.finished(r);
                }
            }, () -> stop.get() || Thread.currentThread().isInterrupted());
        } finally {
            stop.set(true);
        }
        if (saveFailure[0] != null) {
            throw saveFailure[0];
        }
        return List.of(results);
    }

    /** A runner on {@code workers} threads of this JVM, each lending its trainer a helper thread only when cores are left over. */
    public static Runner local(int workers) {
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be >= 1, got " + workers);
        }
        return (specs, done, stop) -> {
            int threads = Math.min(workers, specs.size());
            boolean helper = Runtime.getRuntime().availableProcessors() > threads;
            Data data = new Data(threads + 1);
            ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
                Thread t = new Thread(r, "gradlab-study");
                t.setDaemon(true);
                return t;
            });
            ExecutorCompletionService<Optional<RunResult>> finished = new ExecutorCompletionService<>(pool);
            try {
                for (RunSpec spec : specs) {
                    finished.submit(() -> execute(spec, data, stop, helper));
                }
                for (int k = 0; k < specs.size(); k++) {
                    Optional<RunResult> r = finished.take().get();
                    if (r.isEmpty()) {
                        return;         // the study is being stopped
                    }
                    done.accept(r.get());
                    if (stop.getAsBoolean()) {
                        return;
                    }
                }
            } catch (ExecutionException e) {
                Throwable c = e.getCause();
                if (c instanceof IOException io) {
                    throw io;
                }
                throw new IllegalStateException("run failed: " + c, c);
            } finally {
                pool.shutdownNow();
                pool.awaitTermination(1, TimeUnit.MINUTES);
            }
        };
    }

    /**
     * Runs one spec with its data from {@code data}: its result, a failed result naming why when
     * the run cannot be trained (data that cannot be read, a model the data does not fit), or
     * empty when the study is being stopped.
     */
    public static Optional<RunResult> execute(RunSpec spec, Data data, java.util.function.BooleanSupplier stop, boolean helper) {
        long start = System.nanoTime();
        Dataset.Split split;
        try {
            split = data.split(spec);
        } catch (IOException | RuntimeException e) {
            return Optional.of(RunExecutor.failed(spec, "data: " + oneLine(e), (System.nanoTime() - start) / 1e9));
        }
        try {
            return RunExecutor.run(spec, split, stop, helper);
        } catch (RuntimeException e) {
            return Optional.of(RunExecutor.failed(spec, oneLine(e), (System.nanoTime() - start) / 1e9));
        }
    }

    private static String oneLine(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return m.lines().findFirst().orElse(m);
    }

    /**
     * The data of a study's runs: each source read once, and the splits of the seeds in use kept
     * (a few at a time, least recently used first out, so memory does not grow with the seeds).
     */
    public static final class Data {
        private final Map<DataSpec.Source, DataSpec.Raw> sources = new java.util.concurrent.ConcurrentHashMap<>();
        private final Map<List<Object>, Dataset.Split> splits;

        /** Holding the splits of at most {@code splits} seeds at once. */
        public Data(int splits) {
            int cap = Math.max(1, splits);
            this.splits = java.util.Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<List<Object>, Dataset.Split> eldest) {
                    return size() > cap;
                }
            });
        }

        /** The split of {@code spec}'s data for its seed. */
        public Dataset.Split split(RunSpec spec) throws IOException {
            DataSpec d = spec.data();
            List<Object> key = List.of(d, spec.seed());
            Dataset.Split s = splits.get(key);
            if (s == null) {
                s = d.split(raw(d.source()), spec.seed());
                splits.put(key, s);
            }
            return s;
        }

        private DataSpec.Raw raw(DataSpec.Source source) throws IOException {
            DataSpec.Raw r = sources.get(source);
            if (r == null) {
                synchronized (sources) {
                    r = sources.get(source);
                    if (r == null) {
                        r = source.read();
                        sources.put(source, r);
                    }
                }
            }
            return r;
        }
    }
}
