package org.gradlab.diagnostics;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The one daemon thread diagnostics run on: the training step itself uses one core, so reading
 * gradients and weights on another hides most of their cost. Tasks never wait on each other;
 * the training thread joins each before the memory it reads is written again.
 */
final class SecondCore {
    static final ExecutorService EXECUTOR = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "gradlab-diagnostics");
        t.setDaemon(true);
        return t;
    });

    /** Below this many entries in all, handing work to the second core costs more than it saves. */
    private static final long THRESHOLD = 1 << 16;

    private SecondCore() {
    }

    /**
     * Whether a pass over {@code entries} values is worth splitting or moving onto the second
     * core: it is large enough, and a core is free ({@link org.gradlab.nn.Backend#trainers}).
     */
    static boolean worthIt(long entries) {
        return entries >= THRESHOLD && org.gradlab.nn.Backend.spareCores() > 0;
    }

    /** Waits for {@code task}; {@code what} names it in the exception if it failed or the wait was interrupted. */
    static void await(java.util.concurrent.Future<?> task, String what) {
        try {
            task.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(what + " interrupted", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(what + " failed", e.getCause());
        }
    }
}
