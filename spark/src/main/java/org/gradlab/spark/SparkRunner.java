package org.gradlab.spark;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.apache.spark.SimpleFutureAction;
import org.apache.spark.SparkContext;
import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.rdd.RDD;
import org.gradlab.experiment.engine.RunResult;
import org.gradlab.experiment.engine.Study;
import org.gradlab.experiment.spec.RunSpec;
import org.gradlab.experiment.spec.SpecCodec;
import scala.jdk.javaapi.CollectionConverters;
import scala.runtime.AbstractFunction0;
import scala.runtime.AbstractFunction2;
import scala.runtime.BoxedUnit;

/**
 * A {@link Study.Runner} on Spark: one job per study, one task per run. Each spec goes out as JSON
 * in a partition of its own; each task returns its run's result as JSON ({@link RunTask}); the
 * driver hands each result to the study as its task ends (a result handler of the job, not a
 * collect at the end), and the study saves it at once. Spark retries a task that fails or is lost
 * with its executor; every run is seeded by its spec alone, so a retried run gives the same
 * result. A stopped study cancels the job, and its running tasks stop at their next step.
 *
 * <pre>{@code
 * SparkContext sc = ...;                 // a notebook's, or SparkCluster's
 * List<RunResult> results = Study.run(runs, store, SparkRunner.on(sc), false, Study.Listener.NONE);
 * }</pre>
 */
public final class SparkRunner implements Study.Runner {
    private final SparkContext sc;

    private SparkRunner(SparkContext sc) {
        this.sc = Objects.requireNonNull(sc, "sc");
    }

    /** Runs on {@code sc}'s cluster (it stays open). */
    public static SparkRunner on(SparkContext sc) {
        return new SparkRunner(sc);
    }

    @Override
    public void run(List<RunSpec> specs, Consumer<RunResult> done, BooleanSupplier stop) throws IOException, InterruptedException {
        int n = specs.size();
        if (n == 0) {
            return;
        }
        List<String> json = specs.stream().map(SpecCodec::write).toList();
        RDD<String> rdd = JavaSparkContext.fromSparkContext(sc).parallelize(json, n).rdd();
        List<Object> partitions = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            partitions.add(i);
        }
        BlockingQueue<String> arrived = new LinkedBlockingQueue<>();
        String group = "gradlab-study-" + UUID.randomUUID();
        sc.setJobGroup(group, "gradlab study: " + n + " runs", true);    // cancelling interrupts the tasks
        SimpleFutureAction<BoxedUnit> job;
        try {
            job = sc.submitJob(rdd, new RunTask(), CollectionConverters.asScala(partitions).toSeq(), new Arrived(arrived),
                    new Unit());
        } finally {
            sc.clearJobGroup();
        }
        int received = 0;
        try {
            while (received < n) {
                String r = arrived.poll(100, TimeUnit.MILLISECONDS);
                if (r != null) {
                    received++;
                    done.accept(SpecCodec.read(r, RunResult.class));
                } else if (job.isCompleted() && arrived.isEmpty()) {
                    job.get();      // throws why the job failed
                    throw new IOException("Spark: the job ended with " + received + " of " + n + " results");
                }
                if (stop.getAsBoolean()) {
                    return;
                }
            }
        } catch (SparkException e) {
            throw new IOException("Spark: " + oneLine(e), e);
        } finally {
            if (received < n && !job.isCompleted()) {     // stopped early: the tasks still running stop too
                sc.cancelJobGroup(group, "the study stopped");
            }
        }
    }

    private static String oneLine(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return m.lines().findFirst().orElse(m);
    }

    /** The job's result handler: runs on the driver's scheduler thread, so it only queues the result. */
    private static final class Arrived extends AbstractFunction2<Object, String, BoxedUnit> {
        private final BlockingQueue<String> queue;

        Arrived(BlockingQueue<String> queue) {
            this.queue = queue;
        }

        @Override
        public BoxedUnit apply(Object partition, String result) {
            queue.add(result);
            return BoxedUnit.UNIT;
        }
    }

    /** The job's overall result: nothing (every result went through {@link Arrived}). */
    private static final class Unit extends AbstractFunction0<BoxedUnit> {
        @Override
        public BoxedUnit apply() {
            return BoxedUnit.UNIT;
        }
    }
}
