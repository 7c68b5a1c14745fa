package org.gradlab.train;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * Shows how training goes: one line per epoch (loss, score, seconds), and, in a terminal, a
 * per-step bar with the rate and the time left, redrawn at most every half second (so a job is
 * never silent for long). Attach it to
 * any trainer ({@code builder.listener(Progress.epochs(System.out))}); long jobs that train
 * without {@link Trainer#fit} (replays, sweeps) report through {@link #task} and {@link #advance}.
 *
 * <pre>{@code
 * Trainer.builder(model).lr(0.1).optimizer(Optimizer.of(Sgd.momentum(0.9)))
 *         .listener(Progress.bar(System.out).named("fixed")).build();
 * // fixed  epoch 1/2  [##########----------]  125/250 steps  41 steps/s  ETA 3 s
 * // fixed  epoch  1  train loss 0.412  test loss 0.371  test accuracy 89.30%  (6.1 s)
 * }</pre>
 */
public final class Progress implements TrainingListener {
    private static final long REDRAW_NANOS = 500_000_000L;
    private final PrintStream out;
    private final boolean bar;
    private final String name;
    private final LongSupplier clock;
    private long total;
    private long done;
    private long started;
    private long lastDraw;
    private int epochs;
    private long perEpoch;
    private String task = "";
    private Score score = Score.accuracy();

    private Progress(PrintStream out, boolean bar, String name, LongSupplier clock) {
        this.out = Objects.requireNonNull(out, "out");
        this.bar = bar;
        this.name = name;
        this.clock = clock;
    }

    /** One line per epoch: for notebooks and logs. */
    public static Progress epochs(PrintStream out) {
        return new Progress(out, false, "", System::nanoTime);
    }

    /** One line per epoch and a throttled per-step bar with the time left (carriage returns): for terminals. */
    public static Progress bar(PrintStream out) {
        return new Progress(out, true, "", System::nanoTime);
    }

    /** The same progress with every line prefixed by {@code label} (a run's name). */
    public Progress named(String label) {
        return new Progress(out, bar, Objects.requireNonNull(label, "label"), clock);
    }

    /** The same progress reading time from {@code nanos} (for tests). */
    Progress withClock(LongSupplier nanos) {
        return new Progress(out, bar, name, nanos);
    }

    @Override
    public void onRunStart(Trainer trainer) {
        score = trainer.score();
        epochs = trainer.epochs();
        perEpoch = 0;
        task = "";
        started = clock.getAsLong();
        lastDraw = started;
        done = 0;
        total = 0;
    }

    @Override
    public void onStep(StepResult step) {
        total = perEpoch * epochs;   // unknown (0) until the first epoch has ended
        advance(step.step() + 1, String.format(Locale.ROOT, "epoch %d/%d", step.epoch(), epochs));
    }

    @Override
    public void onEpochEnd(EpochResult e) {
        clearBar();
        perEpoch = perEpoch == 0 ? done / e.epoch() : perEpoch;
        out.printf(Locale.ROOT, "%sepoch %2d  train loss %.3g  test loss %.3g  test %s %s  (%.1f s)%n", prefix(),
                e.epoch(), e.trainLoss(), e.testLoss(), score.name(), score.format(e.testScore()), e.seconds());
        out.flush();
    }

    /** Starts a task of {@code steps} steps that is not a {@link Trainer#fit} run (a replay, a sweep); prints its name. */
    public void task(String label, long steps) {
        clearBar();
        task = label;
        total = steps;
        done = 0;
        started = clock.getAsLong();
        lastDraw = started;
        out.println(prefix() + label);
        out.flush();
    }

    /** Reports that {@code done} steps of the current task are finished. */
    public void advance(long doneSteps) {
        advance(doneSteps, task);
    }

    private void advance(long doneSteps, String what) {
        done = doneSteps;
        long now = clock.getAsLong();
        if (!bar || now - lastDraw < REDRAW_NANOS) {
            return;
        }
        lastDraw = now;
        double seconds = (now - started) / 1e9;
        double rate = done / Math.max(seconds, 1e-9);
        String eta = total > done && rate > 0 ? String.format(Locale.ROOT, "  ETA %.0f s", (total - done) / rate) : "";
        int width = 20;
        int filled = total > 0 ? (int) Math.min(width, width * done / total) : 0;
        out.printf(Locale.ROOT, "\r%s%s  [%s%s]  %d%s steps  %.0f steps/s%s   ", prefix(), what, "#".repeat(filled),
                "-".repeat(width - filled), done, total > 0 ? "/" + total : "", rate, eta);
        out.flush();
    }

    private void clearBar() {
        if (bar && done > 0) {
            out.print("\r" + " ".repeat(100) + "\r");
        }
    }

    private String prefix() {
        return name.isEmpty() ? "" : name + "  ";
    }
}
