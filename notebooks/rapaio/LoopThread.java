package org.rapaio.jupyter.kernel.channels;

/**
 * gradlab's stand-in for rapaio-jupyter-kernel 3.0.1's {@code LoopThread}, the thread that serves
 * each of the kernel's channels: {@code install-kernel.sh} compiles it and puts it on the kernel's
 * class path before rapaio's jar, so it replaces the original.
 *
 * <p>Two races at start left 3.0.1's kernel silent on about one start in 8 (a busy 2-core machine):
 * <ul>
 * <li>it sets its {@code running} flag after {@code Thread.start()}, so a thread that gets to
 * {@code run()} first reads {@code false} and ends at once, leaving its channel (heartbeat, shell,
 * control) unserved: about one loop thread in 20 lost it. This class sets the flag first.</li>
 * <li>the channels serve messages before the kernel has registered its message handlers, so a
 * {@code kernel_info_request} that arrives early throws a NullPointerException in the shell's loop,
 * which ends it. This class logs what a loop body throws and goes on looping: Jupyter asks again
 * (every second, until it gets an answer) and the next request finds the handlers.</li>
 * </ul>
 */
public final class LoopThread extends Thread {
    private volatile boolean running;
    private final long sleep;
    private final Runnable loopBody;

    public LoopThread(String name, long sleep, Runnable loopBody) {
        super(name);
        this.sleep = sleep;
        this.loopBody = loopBody;
    }

    @Override
    public void run() {
        while (running) {
            try {
                loopBody.run();
            } catch (RuntimeException e) {
                System.err.println(getName() + ": a message failed, the channel goes on: " + e);
            }
            try {
                Thread.sleep(sleep);
            } catch (InterruptedException e) {
                running = false;
            }
        }
    }

    @Override
    public synchronized void start() {
        running = true;
        super.start();
    }

    public void shutdown() {
        running = false;
    }
}
