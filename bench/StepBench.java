import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.gradlab.data.Batches;
import org.gradlab.data.Dataset;
import org.gradlab.data.Mnist;
import org.gradlab.experiment.Presets;
import org.gradlab.nn.Backend;
import org.gradlab.train.Trainer;

/**
 * Milliseconds per training step ({@link Trainer#trainBatch}: forward, cross-entropy, backward,
 * Adam) of the article's model, one thread, on the first 8,000 bundled digits in order; the
 * median of 7 timed rounds after 2 warm-up rounds. Prints "gradlab <batch> <ms/step>" lines;
 * bench/step-time.sh runs it beside the PyTorch peer.
 *
 *   java -cp target/notebook/classpath.jar bench/StepBench.java [batch ...]
 */
public class StepBench {
    public static void main(String[] args) {
        Backend.singleThreaded();
        int[] batches = args.length == 0 ? new int[] {32, 256} : Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
        Dataset data = Mnist.bundled();
        Dataset train = data.select(java.util.stream.IntStream.range(0, 8000).toArray());
        for (int b : batches) {
            List<Batches.Batch> epoch = Batches.epoch(train, b, null);
            Trainer trainer = Presets.articleTrainer(0).build();
            int steps = Math.max(200, 64_000 / b);
            double[] samples = new double[7];
            for (int rep = -2; rep < samples.length; rep++) {   // two warm-up rounds
                long t = System.nanoTime();
                for (int s = 0; s < steps; s++) {
                    trainer.trainBatch(epoch.get(s % epoch.size()), 1e-3);
                }
                if (rep >= 0) {
                    samples[rep] = (System.nanoTime() - t) / 1e6 / steps;
                }
            }
            Arrays.sort(samples);
            System.out.printf(Locale.ROOT, "gradlab %d %.4f%n", b, samples[samples.length / 2]);
        }
    }
}
