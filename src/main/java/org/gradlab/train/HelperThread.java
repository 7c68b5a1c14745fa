package org.gradlab.train;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.gradlab.nn.Backend;

/**
 * A trainer's helper thread: one daemon thread, started when work arrives and gone after two idle
 * seconds, so a trainer never leaks a thread and two trainers never share one.
 */
final class HelperThread {
    private HelperThread() {
    }

    static ThreadPoolExecutor create() {
        return new ThreadPoolExecutor(0, 1, 2, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(() -> {
                Backend.pinCallingThread();   // a diagnostic on this thread gives the bits it gives on the trainer's
                r.run();
            }, "gradlab-helper");
            t.setDaemon(true);
            return t;
        });
    }
}
