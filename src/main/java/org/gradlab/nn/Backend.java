package org.gradlab.nn;

import org.bytedeco.openblas.global.openblas_nolapack;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

/** ND4J's and OpenBLAS's native thread settings. */
public final class Backend {
    /** Whether {@link #pinCallingThread()} has set this thread's OpenMP thread count. */
    private static final ThreadLocal<Boolean> PINNED = ThreadLocal.withInitial(() -> false);

    private Backend() {
    }

    /**
     * Runs OpenBLAS and ND4J on one thread, so that what runs next gives the same bits whatever
     * thread runs it and whatever {@code OMP_NUM_THREADS}, {@code OPENBLAS_NUM_THREADS} or core
     * count the process has: OpenBLAS's gemm and asum split their work differently on two threads
     * than on one and round differently. It sets OpenBLAS's thread count to one (process-wide: every
     * BLAS call of the process, gradlab's and ND4J's), ND4J's thread limits (process-wide) and the
     * calling thread's OpenMP thread count (OpenMP keeps one per thread: a pooled thread starts from
     * {@code OMP_NUM_THREADS} or the core count, whatever another thread set).
     *
     * <p>The trainer calls it before every step and every evaluation (so {@code fit},
     * {@code trainBatch}, {@code evaluate} and the LR range test need no call); call it before other
     * work whose numbers should not depend on the machine, such as {@code ThroughTime}. A repeated
     * call on the same thread costs a field read. Small models also train faster on one thread: at
     * the article's sizes (batch 32, 64 units) thread hand-offs cost more than they save.
     *
     * <p>What it cannot pin: ND4J's own reductions ({@code sumNumber}, {@code norm2Number} of a few
     * thousand elements or more) split their work by the {@code OMP_NUM_THREADS} the process started
     * with, whatever is set later; gradlab's reported numbers use none of them. Starting the JVM
     * with {@code OMP_NUM_THREADS=1} pins those too.
     */
    public static void pinCallingThread() {
        if (PINNED.get() && openblas_nolapack.blas_get_num_threads() == 1) {
            return;
        }
        Nd4j.getEnvironment().setMaxThreads(1);
        Nd4j.getEnvironment().setMaxMasterThreads(1);
        NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(1);
        openblas_nolapack.blas_set_num_threads(1);   // what ND4J's blas().setMaxThreads(1) calls
        PINNED.set(true);
    }
}
