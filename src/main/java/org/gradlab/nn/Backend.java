package org.gradlab.nn;

import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

/** ND4J's native thread settings. */
public final class Backend {
    private Backend() {
    }

    /**
     * Runs ND4J's element-wise ops and OpenBLAS on one thread, for the calling thread (OpenMP's
     * thread count is a setting of each thread) and for the process (ND4J's and OpenBLAS's are
     * process-wide). Models the size of the article's (batch 32, 64 units) are bound by per-op
     * overhead, where thread hand-offs cost more than they save: on a 2-core machine one thread
     * trains them about 1.5x faster. {@code Trainer.fit} calls it on the thread that trains.
     */
    public static void pinCallingThread() {
        Nd4j.getEnvironment().setMaxThreads(1);
        Nd4j.getEnvironment().setMaxMasterThreads(1);
        NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(1);
        Nd4j.factory().blas().setMaxThreads(1);
    }
}
