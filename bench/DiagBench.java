import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import org.gradlab.data.Batches;
import org.gradlab.data.Dataset;
import org.gradlab.data.Mnist;
import org.gradlab.diagnostics.Monitor;
import org.gradlab.experiment.Presets;
import org.gradlab.nn.Backend;
import org.gradlab.nn.Layer;
import org.gradlab.optim.Adam;
import org.gradlab.optim.Optimizer;
import org.gradlab.train.Trainer;

/**
 * Cost of full diagnostics (a Monitor on every step: gradient statistics, per-parameter weight
 * and update norms, alarms) relative to the same trainer without them, for the article's model
 * at batch 32 and a deep 16x256 tanh MLP at batch 128. Rounds alternate between the two trainers
 * so drift on a noisy machine hits both. Each round is timed twice: wall time, and CPU time of
 * the training thread plus the diagnostics thread (ThreadMXBean), which other processes on a
 * loaded machine do not inflate. Prints the median ms/step of each trainer, the median of the
 * per-round ratios and its quartiles, for both clocks.
 *
 *   java -cp target/notebook/classpath.jar bench/DiagBench.java
 */
public class DiagBench {
    static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    public static void main(String[] args) {
        Backend.singleThreaded();
        Dataset data = Mnist.bundled().select(java.util.stream.IntStream.range(0, 8000).toArray());
        System.out.printf(Locale.ROOT, "load average %.2f%n", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        run("article 784-64-64-10, batch 32", () -> Presets.articleModel(0), data, 32, 600);
        run("deep 16x256 tanh, batch 128", () -> Presets.deepTanhModel(0), data, 128, 60);
        System.out.printf(Locale.ROOT, "load average %.2f%n", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }

    static void run(String name, Supplier<Layer> model, Dataset data, int batch, int steps) {
        List<Batches.Batch> batches = Batches.epoch(data, batch, null);
        Trainer plain = Trainer.builder(model.get()).optimizer(Optimizer.of(Adam.defaults())).lr(1e-3).build();
        Trainer watched = Trainer.builder(model.get()).optimizer(Optimizer.of(Adam.defaults())).lr(1e-3)
                .monitor(Monitor.create()).build();
        int rounds = 15;
        double[][] a = new double[2][rounds];
        double[][] b = new double[2][rounds];
        for (int r = -2; r < rounds; r++) {     // two warm-up rounds
            double[] ta = time(plain, batches, steps);
            double[] tb = time(watched, batches, steps);
            if (r >= 0) {
                for (int c = 0; c < 2; c++) {
                    a[c][r] = ta[c];
                    b[c][r] = tb[c];
                }
            }
        }
        String[] clocks = {"wall", "cpu"};
        for (int c = 0; c < 2; c++) {
            double[] pa = a[c];
            double[] pb = b[c];
            double[] ratio = new double[rounds];
            Arrays.setAll(ratio, i -> pb[i] / pa[i]);
            Arrays.sort(pa);
            Arrays.sort(pb);
            Arrays.sort(ratio);
            System.out.printf(Locale.ROOT, "%-31s %-4s plain %.3f ms/step  monitored %.3f ms/step  overhead %+.1f%% "
                    + "(median of %d paired rounds; quartiles %+.1f%%, %+.1f%%)%n", name, clocks[c], pa[rounds / 2],
                    pb[rounds / 2], 100 * (ratio[rounds / 2] - 1), rounds, 100 * (ratio[rounds / 4] - 1),
                    100 * (ratio[3 * rounds / 4] - 1));
        }
    }

    /** {wall, cpu} ms per step; cpu counts this thread and the diagnostics thread. */
    static double[] time(Trainer t, List<Batches.Batch> batches, int steps) {
        long cpu = cpuNanos();
        long start = System.nanoTime();
        for (int s = 0; s < steps; s++) {
            t.trainBatch(batches.get(s % batches.size()), 1e-3);
        }
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
