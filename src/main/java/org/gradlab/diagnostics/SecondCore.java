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

    private SecondCore() {
    }
}
