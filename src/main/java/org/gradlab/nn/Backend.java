package org.gradlab.nn;

import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

/** Process-wide ND4J settings. */
public final class Backend {
    private Backend() {
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
