package org.gradlab.experiment.engine;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.function.LongSupplier;
import org.gradlab.experiment.spec.RunSpec;

/**
 * A study's progress, as a {@link Study.Listener}: how many saved runs it reuses, which saved
 * runs it cannot trust (and why), then runs done / total, elapsed, ETA (from the runs executed so
 * far and the runs left, not those found on disk, each weighed by its multiply-adds when all of
 * theirs are known: a study starts its longest runs first) and the last result. On a terminal it
 * rewrites one line with {@code \r} at most every 200 ms; otherwise it prints plain lines at most
 * every 5 s. The final state is always shown.
 */
public final class StatusLine implements Study.Listener {
    private static final int BAR = 20;
    private final PrintStream out;
    private final boolean terminal;
    private final int total;
    private final LongSupplier clock;
    private final long start;
    private final long throttleNanos;
    private int done;
    private int executed;
    /** Multiply-adds ({@link Budget#work}) of the runs executed and of those left, or -1 when some run's are unknown. */
    private double workDone;
    private double workLeft = -1;
    private long lastPrint = Long.MIN_VALUE;

    public StatusLine(PrintStream out, boolean terminal, int total, LongSupplier nanoClock) {
        this.out = out;
        this.terminal = terminal;
        this.total = total;
        this.clock = nanoClock;
        this.start = nanoClock.getAsLong();
        this.throttleNanos = terminal ? 200_000_000L : 5_000_000_000L;
    }

    /** To {@code out}, a terminal when the JVM has a console, timed by the system clock. */
    public static StatusLine on(PrintStream out, int total) {
        return new StatusLine(out, System.console() != null, total, System::nanoTime);
    }

    @Override
    public synchronized void planned(int reused, int todo) {
        done = reused;
        if (reused > 0) {
            out.println("resuming: " + reused + " of " + total + " runs are saved and verified; " + todo + " to run");
            out.flush();
        }
    }

    @Override
    public synchronized void stale(RunSpec spec, String why) {
        out.println(why + "; running " + spec.id() + " again");
        out.flush();
    }

    @Override
    public synchronized void starting(List<RunSpec> todo) {
        double[] work = todo.stream().mapToDouble(Budget::work).toArray();
        workLeft = java.util.Arrays.stream(work).allMatch(w -> w > 0) ? java.util.Arrays.stream(work).sum() : -1;
    }

    /** A run just finished. */
    @Override
    public synchronized void finished(RunResult r) {
        done++;
        executed++;
        if (workLeft >= 0) {
            double w = Budget.work(r.spec());
            workDone += w;
            workLeft = Math.max(0, workLeft - w);
        }
        show(describe(r));
    }

    /** Runs finished so far, saved ones included. */
    public synchronized int done() {
        return done;
    }

    /** The widest line it prints, in columns. */
    static final int WIDTH = 120;

    /** The current line, at most {@value #WIDTH} columns (a long last run is cut with "..."), e.g. {@code [#####.....] 12/48 runs  0:45 elapsed  ETA 2:10  last: ...}. */
    public synchronized String line(String last) {
        int filled = total == 0 ? BAR : done * BAR / total;
        double elapsed = (clock.getAsLong() - start) / 1e9;
        String eta = executed == 0 ? "--:--"                 // the work left at the pace of the work executed, else runs left
                : clockTime(workLeft >= 0 ? elapsed / workDone * workLeft : elapsed / executed * (total - done));
        String head = String.format(Locale.ROOT, "[%s%s] %d/%d runs  %s elapsed  ETA %s  last: ", "#".repeat(filled),
                ".".repeat(BAR - filled), done, total, clockTime(elapsed), eta);
        int room = Math.max(WIDTH - head.length(), 12);   // a terminal of 120 columns never wraps it
        return head + (last.length() <= room ? last : last.substring(0, room - 3) + "...");
    }

    private void show(String last) {
        long now = clock.getAsLong();
        boolean end = done == total;
        if (!end && lastPrint != Long.MIN_VALUE && now - lastPrint < throttleNanos) {
            return;
        }
        lastPrint = now;
        if (terminal) {
            out.print("\r" + line(last) + "\u001b[K" + (end ? "\n" : ""));
        } else {
            out.println(line(last));
        }
        out.flush();
    }

    static String describe(RunResult r) {
        if (r.failed()) {
            return r.spec().id() + " failed: " + r.end().failure();
        }
        return String.format(Locale.ROOT, "%s acc %.1f%%%s", r.spec().id(), 100 * r.testAccuracy(),
                r.diverged() ? ", diverged at step " + r.end().divergedAt() : "");
    }

    private static String clockTime(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
