package org.gradlab.nn;

import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

/** Process-wide ND4J settings. */
public final class Backend {
    /** The cores this JVM may use, read once: the call reads the container's limits and costs a few microseconds. */
    private static final int CORES = Runtime.getRuntime().availableProcessors();
    private static volatile int trainers = 1;

    private Backend() {
    }

    /**
     * Declares how many trainers this process runs at once (a study's workers; 1 by default).
     * Diagnostics move work onto a spare core only when there is one: with a trainer on every
     * core, a hand-over only queues behind the other trainers.
     */
    public static void trainers(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("trainers must be >= 1, got " + n);
        }
        trainers = n;
    }

    /** Cores left over when every declared trainer has one (0 or more). */
    public static int spareCores() {
        return Math.max(0, CORES - trainers);
    }

    /**
     * Runs ND4J's element-wise ops and OpenBLAS on one thread. Models the size of the article's
     * (batch 32, 64 units) are bound by per-op overhead, where thread hand-offs cost more than
     * they save: on a 2-core machine one thread trains them about 1.5x faster. Same effect as
     * starting the JVM with {@code OMP_NUM_THREADS=1}.
     */
    public static void singleThreaded() {
        Nd4j.getEnvironment().setMaxThreads(1);
        Nd4j.getEnvironment().setMaxMasterThreads(1);
        NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(1);
        Nd4j.factory().blas().setMaxThreads(1);
    }
}
