package org.gradlab.nn;

import org.bytedeco.openblas.global.openblas_nolapack;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

/** Process-wide ND4J settings. */
public final class Backend {
    private static volatile int trainers = 1;
    /** Whether {@link #singleThreaded()} has set this thread's OpenMP thread count. */
    private static final ThreadLocal<Boolean> PINNED = ThreadLocal.withInitial(() -> false);

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
        return Math.max(0, Runtime.getRuntime().availableProcessors() - trainers);
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
     * <p>{@code Trainer} calls it before every step (so {@code fit}, {@code trainBatch} and the LR
     * range test need no call); call it before other work whose numbers should not depend on the
     * machine, such as {@code ThroughTime} or an evaluation before any training. A repeated call on
     * the same thread costs a field read. Small models also train faster on one thread: at the
     * article's sizes (batch 32, 64 units) thread hand-offs cost more than they save.
     *
     * <p>What it cannot pin: ND4J's own reductions ({@code sumNumber}, {@code norm2Number} of a few
     * thousand elements or more) split their work by the {@code OMP_NUM_THREADS} the process started
     * with, whatever is set later; gradlab's reported numbers use none of them. Starting the JVM
     * with {@code OMP_NUM_THREADS=1} pins those too.
     */
    public static void singleThreaded() {
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
