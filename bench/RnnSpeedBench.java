import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;
import org.gradlab.data.Batches;
import org.gradlab.data.Dataset;
import org.gradlab.data.Mnist;
import org.gradlab.nn.Backend;
import org.gradlab.nn.Dense;
import org.gradlab.nn.Gru;
import org.gradlab.nn.LastStep;
import org.gradlab.nn.Layer;
import org.gradlab.nn.Loss;
import org.gradlab.nn.Lstm;
import org.gradlab.nn.Rng;
import org.gradlab.nn.Rnn;
import org.gradlab.nn.Sequences;
import org.gradlab.nn.Sequential;
import org.gradlab.optim.Optimizer;
import org.gradlab.optim.Sgd;
import org.gradlab.train.Trainer;

/**
 * Milliseconds per training step ({@link Trainer#trainBatch}: forward, cross-entropy, backward,
 * SGD) of a recurrent digit classifier, one thread: 32 bundled digits as 28 rows of 28 pixels,
 * Rnn (tanh) / Gru / Lstm with hidden 128, the last step into Dense(128, 10). Medians of 7 timed
 * rounds of 100 steps after 2 warm-up rounds, in the calling thread's CPU time (which a busy
 * machine disturbs far less than wall time) and in wall time. Prints "gradlab <cell> <cpu
 * ms/step> <wall ms/step>" lines; bench/rnn-speed.sh runs it beside the PyTorch peer
 * (bench/pytorch_rnn_speed.py).
 *
 *   java -cp target/notebook/classpath.jar bench/RnnSpeedBench.java [rnn gru lstm]
 */
public class RnnSpeedBench {
    static Layer cell(String name, Rng rng) {
        return switch (name) {
            case "rnn" -> Rnn.tanh(28, 128, rng);
            case "gru" -> Gru.of(28, 128, rng);
            case "lstm" -> Lstm.of(28, 128, rng);
            default -> throw new IllegalArgumentException("cell must be rnn, gru or lstm, got " + name);
        };
    }

    public static void main(String[] args) {
        Backend.pinCallingThread();
        List<String> cells = args.length == 0 ? List.of("rnn", "gru", "lstm") : Arrays.asList(args);
        Dataset train = Mnist.bundled().select(IntStream.range(0, 8000).toArray());
        List<Batches.Batch> epoch = Batches.epoch(train, 32, null);
        for (String name : cells) {
            Rng rng = Rng.seeded(0);
            Sequential model = Sequential.of(Sequences.rows(28), cell(name, rng), LastStep.of(), Dense.of(128, 10, rng));
            Trainer trainer = Trainer.builder(model).loss(Loss.crossEntropy()).optimizer(Optimizer.of(Sgd.plain()))
                    .lr(0.05).batchSize(32).epochs(1).seed(0).build();
            int steps = 100;
            ThreadMXBean clock = ManagementFactory.getThreadMXBean();
            double[] cpu = new double[7];
            double[] wall = new double[7];
            for (int rep = -2; rep < cpu.length; rep++) {
                long c = clock.getCurrentThreadCpuTime();
                long t = System.nanoTime();
                for (int s = 0; s < steps; s++) {
                    trainer.trainBatch(epoch.get(s % epoch.size()), 0.05);
                }
                if (rep >= 0) {
                    cpu[rep] = (clock.getCurrentThreadCpuTime() - c) / 1e6 / steps;
                    wall[rep] = (System.nanoTime() - t) / 1e6 / steps;
                }
            }
            Arrays.sort(cpu);
            Arrays.sort(wall);
            System.out.printf(Locale.ROOT, "gradlab %s %.4f %.4f%n", name, cpu[3], wall[3]);
        }
    }
}
