import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Locale;
import java.util.function.Supplier;
import org.gradlab.data.Dataset;
import org.gradlab.data.Mnist;
import org.gradlab.diagnostics.Monitor;
import org.gradlab.experiment.jobs.Presets;
import org.gradlab.nn.Backend;
import org.gradlab.nn.Layer;
import org.gradlab.optim.Adam;
import org.gradlab.optim.Optimizer;
import org.gradlab.train.Trainer;

/**
 * Cost of diagnostics relative to the same trainer without them, for the article's model at
 * batch 32 and a deep 16x256 tanh MLP at batch 128: a Monitor with its defaults (gradient
 * statistics and alarms every step, per-layer rows with weight and update norms every step), and
 * one writing the per-layer rows every 10 steps (alarms still every step). Rounds alternate
 * between the trainers so drift on a noisy machine hits all of them. Each round is timed twice: wall time, and CPU time of
 * the training thread plus the diagnostics thread (ThreadMXBean), which other processes on a
 * loaded machine do not inflate. Prints the median ms/step of each trainer, the median of the
 * per-round ratios and its quartiles, for both clocks.
 *
 *   java -cp target/notebook/classpath.jar bench/DiagBench.java
 */
public class DiagBench {
    static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    public static void main(String[] args) {
        Backend.pinCallingThread();
        Dataset data = Mnist.bundled().select(java.util.stream.IntStream.range(0, 8000).toArray());
        System.out.printf(Locale.ROOT, "load average %.2f%n", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        Dataset test = data.select(java.util.stream.IntStream.range(0, 100).toArray());
        run("article 784-64-64-10, batch 32", () -> Presets.articleModel(0), data, test, 32, 2);
        run("deep 16x256 tanh, batch 128", () -> Presets.deepTanhModel(0),
                data.select(java.util.stream.IntStream.range(0, 4096).toArray()), test, 128, 1);
        System.out.printf(Locale.ROOT, "load average %.2f%n", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }

    /** Rounds of {@code epochs} epochs of {@code fit} (so the monitor sees the steps advance), each trainer in turn. */
    static void run(String name, Supplier<Layer> model, Dataset data, Dataset test, int batch, int epochs) {
        Trainer[] trainers = {
            Trainer.builder(model.get()).optimizer(Optimizer.of(Adam.defaults())).lr(1e-3).batchSize(batch).build(),
            Trainer.builder(model.get()).optimizer(Optimizer.of(Adam.defaults())).lr(1e-3).batchSize(batch)
                    .callback(Monitor.create()).build(),
            Trainer.builder(model.get()).optimizer(Optimizer.of(Adam.defaults())).lr(1e-3).batchSize(batch)
                    .callback(Monitor.of(Monitor.Config.defaults().withLayerEvery(10))).build()};
        int steps = epochs * ((data.size() + batch - 1) / batch);
        String[] labels = {"plain", "rows every step", "rows every 10"};
        int rounds = 15;
        double[][][] t = new double[trainers.length][2][rounds];
        for (int r = -2; r < rounds; r++) {     // two warm-up rounds
            for (int k = 0; k < trainers.length; k++) {
                double[] tk = time(trainers[k], data, test, epochs, steps);
                if (r >= 0) {
                    t[k][0][r] = tk[0];
                    t[k][1][r] = tk[1];
                }
            }
        }
        String[] clocks = {"wall", "cpu"};
        for (int c = 0; c < 2; c++) {
            double[] plain = t[0][c].clone();
            for (int k = 1; k < trainers.length; k++) {
                double[] watched = t[k][c];
                double[] base = t[0][c];
                double[] ratio = new double[rounds];
                Arrays.setAll(ratio, i -> watched[i] / base[i]);
                double[] sortedWatched = watched.clone();
                Arrays.sort(sortedWatched);
                Arrays.sort(ratio);
                Arrays.sort(plain);
                System.out.printf(Locale.ROOT, "%-31s %-4s %-15s plain %.3f ms/step  monitored %.3f ms/step  overhead %+.1f%% "
                        + "(median of %d paired rounds; quartiles %+.1f%%, %+.1f%%)%n", name, clocks[c], labels[k],
                        plain[rounds / 2], sortedWatched[rounds / 2], 100 * (ratio[rounds / 2] - 1), rounds,
                        100 * (ratio[rounds / 4] - 1), 100 * (ratio[3 * rounds / 4] - 1));
            }
        }
    }

    /** {wall, cpu} ms per step; cpu counts this thread and the diagnostics thread. */
    static double[] time(Trainer t, Dataset data, Dataset test, int epochs, int steps) {
        long cpu = cpuNanos();
        long start = System.nanoTime();
        t.fit(data, test, epochs);
        long wall = System.nanoTime() - start;
        return new double[] {wall / 1e6 / steps, (cpuNanos() - cpu) / 1e6 / steps};
    }

    static long cpuNanos() {
        long sum = THREADS.getCurrentThreadCpuTime();
        for (ThreadInfo info : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
            if (info != null && info.getThreadName().equals("gradlab-diagnostics")) {
                sum += THREADS.getThreadCpuTime(info.getThreadId());
            }
        }
        return sum;
    }
}
