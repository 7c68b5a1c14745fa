import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;
import org.gradlab.clip.Clip;
import org.gradlab.data.Batches;
import org.gradlab.data.Dataset;
import org.gradlab.data.Mnist;
import org.gradlab.experiment.jobs.Presets;
import org.gradlab.nn.Backend;
import org.gradlab.host.Blas;
import org.gradlab.optim.Optimizer;
import org.gradlab.optim.Sgd;
import org.gradlab.train.Trainer;

/**
 * gradlab's side of bench/speed.sh (bench/speed.py drives it and runs PyTorch's side):
 *
 * <pre>
 *   serve  reads workload names (W1, W2, W3, PEAK) from stdin, one per line, runs one timed round
 *          of each on a model kept warm between rounds, and answers
 *          "NAME wall_ms_per_step cpu_ms_per_step" (PEAK: "PEAK gflops").
 *   fit    times the article job's training (10 epochs with per-epoch evaluation) once, in this
 *          fresh JVM as the article job runs it, and prints "FIT seconds".
 * </pre>
 *
 * W1/W2: the article's MLP with Adam at batch 32/256; W3: 16 Linear(.,256)+Tanh then
 * Linear(256,10), SGD lr 0.01, global-norm clipping to 1.0 every step, batch 128. All on the
 * first 8,000 bundled digits in order, one thread, through {@link Trainer#trainBatch}.
 */
public class SpeedBench {
    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

    /** A workload: its trainer, batches and steps per round. */
    record Workload(Trainer trainer, List<Batches.Batch> batches, int steps, double lr) {
        String round(String name) {
            long wall = System.nanoTime();
            long cpu = CPU.getCurrentThreadCpuTime();
            for (int s = 0; s < steps; s++) {
                trainer.trainBatch(batches.get(s % batches.size()), lr);
            }
            double cpuMs = (CPU.getCurrentThreadCpuTime() - cpu) / 1e6 / steps;
            double wallMs = (System.nanoTime() - wall) / 1e6 / steps;
            return String.format(Locale.ROOT, "%s %.4f %.4f", name, wallMs, cpuMs);
        }
    }

    public static void main(String[] args) throws Exception {
        Backend.pinCallingThread();
        if (args.length == 1 && args[0].equals("fit")) {
            Dataset.Split split = Presets.articleData(0);
            Trainer trainer = Presets.articleTrainer(0).build();
            long t = System.nanoTime();
            trainer.fit(split.train(), split.test());
            System.out.printf(Locale.ROOT, "FIT %.3f%n", (System.nanoTime() - t) / 1e9);
            return;
        }
        if (args.length != 1 || !args[0].equals("serve")) {
            System.err.println("usage: SpeedBench serve|fit");
            System.exit(2);
        }
        Dataset data = Mnist.bundled().select(IntStream.range(0, 8000).toArray());
        Workload w1 = new Workload(Presets.articleTrainer(0).build(), Batches.epoch(data, 32, null), 500, 1e-3);
        Workload w2 = new Workload(Presets.articleTrainer(0).build(), Batches.epoch(data, 256, null), 100, 1e-3);
        Workload w3 = new Workload(Trainer.builder(Presets.deepTanhModel(0)).optimizer(Optimizer.of(Sgd.plain())).lr(0.01)
                .gradients(Clip.globalNorm(1.0)).build(), Batches.epoch(data, 128, null), 30, 0.01);
        System.out.println("READY " + blasLibrary());
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
            String reply = switch (line.trim()) {
                case "W1" -> w1.round("W1");
                case "W2" -> w2.round("W2");
                case "W3" -> w3.round("W3");
                case "PEAK" -> String.format(Locale.ROOT, "PEAK %.1f", peak());
                default -> "ERROR unknown workload '" + line.trim() + "' (expected W1, W2, W3 or PEAK)";
            };
            System.out.println(reply);
            System.out.flush();
        }
    }

    /**
     * Single-core sgemm throughput, GFLOP/s of thread CPU time (steadier than wall time on a busy
     * machine): the best of 5 rounds of 1024^3 products, as {@link Blas#gemm} calls it.
     */
    static double peak() {
        int n = 1024;
        var a = org.nd4j.linalg.factory.Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, n, n);
        var b = org.nd4j.linalg.factory.Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, n, n);
        var c = org.nd4j.linalg.factory.Nd4j.create(org.nd4j.linalg.api.buffer.DataType.FLOAT, n, n);
        double best = 0;
        for (int r = 0; r < 5; r++) {
            long t = CPU.getCurrentThreadCpuTime();
            for (int i = 0; i < 4; i++) {
                Blas.gemm(a, false, b, false, 1.0, 0.0, c);
            }
            best = Math.max(best, 4 * 2.0 * n * n * n / (CPU.getCurrentThreadCpuTime() - t));
        }
        return best;
    }

    /** The OpenBLAS library this JVM loaded, from its memory map. */
    static String blasLibrary() throws Exception {
        return Files.readAllLines(Path.of("/proc/self/maps")).stream()
                .map(l -> l.substring(l.lastIndexOf(' ') + 1))
                .filter(p -> p.contains("openblas") && p.contains(".so") && !p.contains("jni"))
                .distinct().findFirst().orElse("none");
    }
}
