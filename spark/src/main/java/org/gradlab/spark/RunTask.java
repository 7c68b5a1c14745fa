package org.gradlab.spark;

import java.io.Serializable;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.apache.spark.TaskContext;
import org.gradlab.experiment.engine.RunExecutor;
import org.gradlab.experiment.engine.RunResult;
import org.gradlab.experiment.engine.Study;
import org.gradlab.experiment.spec.RunSpec;
import org.gradlab.experiment.spec.SpecCodec;
import scala.collection.Iterator;
import scala.runtime.AbstractFunction1;

/**
 * What a Spark task does with its partition, which holds one run spec as JSON: runs it on the
 * executor and returns its {@link RunResult} as JSON. A run that cannot be trained there comes back
 * as a failed result (its reason in one line), so the study records it and goes on: data the
 * executor cannot read, or an executor whose platform the job jar has no ND4J natives for
 * ({@link Natives}). A task that Spark kills (a cancelled study, a speculative copy, a kill from
 * the UI) stops at the next training step and is reported killed, never as a result.
 */
final class RunTask extends AbstractFunction1<Iterator<String>, String> implements Serializable {
    private static final long serialVersionUID = 1L;

    static {
        // JavaCPP counts ND4J's native memory against twice the heap by default and then refuses
        // allocations; executors run with Spark's heap setting, so lift the cap as ./gradlab does
        // (before ND4J's first class loads in this JVM; an explicit setting wins)
        setIfAbsent("org.bytedeco.javacpp.maxBytes", "0");
        setIfAbsent("org.bytedeco.javacpp.maxPhysicalBytes", "0");
    }

    /** Each executor JVM reads a data source once and keeps the splits of a few seeds. */
    private static final Study.Data DATA = new Study.Data(Runtime.getRuntime().availableProcessors() + 1);

    @Override
    public String apply(Iterator<String> partition) {
        TaskContext task = TaskContext.get();
        RunResult r = run(partition.next(), task::isInterrupted, Natives.platform());
        task.killTaskIfInterrupted();       // a kill that came as the run ended: Spark retries it, the result is not used
        return SpecCodec.write(r);
    }

    /**
     * Runs the spec {@code json} on an executor of {@code platform}; stops (a {@link
     * IllegalStateException}) when {@code killed} says so.
     */
    static RunResult run(String json, BooleanSupplier killed, String platform) {
        RunSpec spec = SpecCodec.read(json, RunSpec.class);
        String missing = Natives.missing(platform, RunTask.class.getClassLoader());
        if (missing != null) {
            return RunExecutor.failed(spec, missing, 0);
        }
        long start = System.nanoTime();
        Optional<RunResult> r;
        try {
            r = Study.execute(spec, DATA, killed, false);
        } catch (LinkageError e) {         // natives that are there but do not load (a libc too old, ...)
            return RunExecutor.failed(spec, Natives.didNotLoad(platform, e), (System.nanoTime() - start) / 1e9);
        }
        return r.orElseThrow(() -> new IllegalStateException("run " + spec.id() + " was killed"));
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
