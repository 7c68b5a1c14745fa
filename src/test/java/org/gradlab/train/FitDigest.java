package org.gradlab.train;

import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.IntStream;
import org.gradlab.clip.Clip;
import org.gradlab.data.Dataset;
import org.gradlab.data.Mnist;
import org.gradlab.diagnostics.Monitor;
import org.gradlab.nn.Activation;
import org.gradlab.nn.Backend;
import org.gradlab.nn.Dense;
import org.gradlab.nn.Gru;
import org.gradlab.nn.Init;
import org.gradlab.nn.LastStep;
import org.gradlab.nn.Rng;
import org.gradlab.nn.Sequences;
import org.gradlab.nn.Sequential;
import org.gradlab.optim.Optimizer;
import org.gradlab.optim.Sgd;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Two short fits whose gemms are large enough for OpenBLAS to split them over threads (an MLP of
 * 4 ReLU layers of 128 initialised to explode, clipped so it stays finite, with a monitor; a GRU
 * over the digits' rows),
 * run on a fresh pooled thread; prints a SHA-256 of every bit they produced (step losses and
 * norms, epoch results, final parameters). {@code ThreadIndependenceTest} runs it in child JVMs
 * under different thread settings. Argument {@code pin-main}: the main thread calls
 * {@link Backend#pinCallingThread()} first, as the notebooks do, and the fit runs elsewhere.
 */
final class FitDigest {
    private FitDigest() {
    }

    static String digest() throws Exception {
        Dataset.Split all = Mnist.bundled().split(8_000, 0);
        Dataset train = all.train().select(IntStream.range(0, 1_280).toArray());
        Dataset test = all.test().select(IntStream.range(0, 256).toArray());
        MessageDigest md = MessageDigest.getInstance("SHA-256");

        Rng rng = Rng.seeded(0);
        Sequential deep = Sequential.of(Dense.of(784, 128, Init.normal(0.15), rng), Activation.relu(),
                Dense.of(128, 128, Init.normal(0.15), rng), Activation.relu(), Dense.of(128, 128, Init.normal(0.15), rng),
                Activation.relu(), Dense.of(128, 128, Init.normal(0.15), rng), Activation.relu(), Dense.of(128, 10, rng));
        Trainer mlp = Trainer.builder(deep).optimizer(Optimizer.of(Sgd.momentum(0.9))).lr(0.1).gradients(Clip.globalNorm(1.0))
                .callback(Monitor.create()).batchSize(32).epochs(1).seed(0).build();
        add(md, mlp.fit(train, test), deep.stateDict());

        Sequential gru = Sequential.of(Sequences.rows(28), Gru.of(28, 64, rng), LastStep.of(), Dense.of(64, 10, rng));
        Trainer rnn = Trainer.builder(gru).optimizer(Optimizer.of(Sgd.momentum(0.9))).lr(0.05).batchSize(64).epochs(1)
                .seed(0).build();
        add(md, rnn.fit(train, test), gru.stateDict());
        return HexFormat.of().formatHex(md.digest());
    }

    private static void add(MessageDigest md, History h, Map<String, INDArray> params) {
        StringBuilder s = new StringBuilder();
        h.stepResults().forEach(r -> s.append(bits(r.loss())).append(bits(r.gradNorm())));
        h.epochResults().forEach(r -> s.append(bits(r.trainLoss())).append(bits(r.testLoss())).append(bits(r.testScore())));
        params.forEach((n, p) -> {
            s.append(n);
            for (double v : p.castTo(DataType.DOUBLE).dup('c').data().asDouble()) {
                s.append(bits(v));
            }
        });
        md.update(s.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private static String bits(double v) {
        return Long.toHexString(Double.doubleToRawLongBits(v)) + ",";
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("pin-main")) {
            Backend.pinCallingThread();
        }
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            System.out.println("digest " + pool.submit(FitDigest::digest).get());
        } finally {
            pool.shutdown();
        }
    }
}
