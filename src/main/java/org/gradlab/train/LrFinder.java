package org.gradlab.train;

import java.util.ArrayList;
import java.util.List;
import org.gradlab.data.Batches;
import org.gradlab.data.Dataset;
import org.gradlab.nn.Loss;
import org.gradlab.nn.Layer;
import org.gradlab.nn.Rng;
import org.gradlab.optim.Optimizer;
import org.gradlab.optim.UpdateRule;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.Table;

/**
 * The learning-rate range test (Smith 2017, "Cyclical Learning Rates for Training Neural
 * Networks"; fastai's {@code lr_find}): train for a few steps while the rate grows exponentially
 * from {@code startLr} to {@code endLr}, record the loss, and stop once the smoothed loss exceeds
 * {@code divergeFactor} times its best. It runs on a trainer ({@link Trainer#lrFind}) with its
 * model, optimizer, groups, gradient transforms and loss, which are then put back exactly as they
 * were ({@link Trainer#state()}), as if a copy had been trained.
 *
 * <pre>{@code
 * LrFinder.Result r = trainer.lrFind(split.train(), LrFinder.Config.defaults());
 * System.out.println(r.table().print());
 * System.out.println("valley: " + r.valley());
 * }</pre>
 */
public final class LrFinder {
    private LrFinder() {
    }

    /**
     * The sweep: from {@code startLr} to {@code endLr} over {@code steps} steps of
     * {@code batchSize}; loss smoothed by an exponential moving average with bias correction
     * ({@code smoothing} = 0.98, fastai's); stop when the smoothed loss exceeds
     * {@code divergeFactor} (4) times the best.
     */
    public record Config(double startLr, double endLr, int steps, int batchSize, double smoothing,
            double divergeFactor, long seed) {
        public Config {
            if (!(startLr > 0) || !(endLr > startLr) || Double.isInfinite(endLr)) {
                throw new IllegalArgumentException("lrFinder: need 0 < startLr < endLr, got startLr " + startLr
                        + ", endLr " + endLr);
            }
            if (steps < 2) {
                throw new IllegalArgumentException("lrFinder: steps must be >= 2, got " + steps);
            }
            if (batchSize <= 0) {
                throw new IllegalArgumentException("lrFinder: batchSize must be > 0, got " + batchSize);
            }
            if (!(smoothing >= 0 && smoothing < 1)) {
                throw new IllegalArgumentException("lrFinder: smoothing must be in [0, 1), got " + smoothing);
            }
            if (!(divergeFactor > 1)) {
                throw new IllegalArgumentException("lrFinder: divergeFactor must be > 1, got " + divergeFactor);
            }
        }

        /** 1e-7 to 10 over 100 steps of 32, smoothing 0.98, stop at 4x the best loss. */
        public static Config defaults() {
            return new Config(1e-7, 10, 100, 32, 0.98, 4, 0);
        }

        public Config withRange(double start, double end) {
            return new Config(start, end, steps, batchSize, smoothing, divergeFactor, seed);
        }

        public Config withSteps(int n) {
            return new Config(startLr, endLr, n, batchSize, smoothing, divergeFactor, seed);
        }

        public Config withBatchSize(int n) {
            return new Config(startLr, endLr, steps, n, smoothing, divergeFactor, seed);
        }

        /** The rate of sweep step {@code k}: {@code startLr (endLr / startLr)^(k / (steps - 1))}. */
        public double lrAt(long k) {
            return startLr * Math.pow(endLr / startLr, (double) k / (steps - 1));
        }
    }

    /**
     * The sweep as a table (step, lr, loss, smoothed_loss, grad_norm), whether it diverged, and
     * three suggestions: {@code steepest} (where the smoothed loss falls fastest against log lr,
     * before its minimum),
     * {@code minimumOverTen} (a tenth of the rate at the lowest smoothed loss) and {@code valley}
     * (fastai's: two-thirds of the way down the longest stretch of falling loss), all from the
     * finite points only (NaN when there are none).
     */
    public record Result(Table table, boolean diverged, double steepest, double minimumOverTen, double valley) {

        /** The suggestions by name, for {@code Charts.lrFinder(table, suggestions)}. */
        public java.util.Map<String, Double> suggestions() {
            java.util.Map<String, Double> m = new java.util.LinkedHashMap<>();
            m.put("valley", valley);
            m.put("steepest", steepest);
            m.put("minimum/10", minimumOverTen);
            m.values().removeIf(v -> !Double.isFinite(v));
            return m;
        }
    }

    /**
     * Runs the range test on {@code model} with a fresh optimizer of {@code rule}; the model is
     * restored afterwards. {@link Trainer#lrFind} runs it on a configured trainer instead.
     */
    public static Result run(Layer model, UpdateRule<? extends Record> rule, Loss loss, Dataset data, Config config) {
        return Trainer.builder(model).loss(loss).optimizer(Optimizer.of(rule)).lr(config.startLr()).build()
                .lrFind(data, config);
    }

    /** The sweep itself, on {@code trainer}'s step pipeline; {@link Trainer#lrFind} restores the trainer after it. */
    static Result sweep(Trainer trainer, Dataset data, Config c) {
        Rng shuffle = Rng.seeded(c.seed());
        List<Batches.Batch> batches = new ArrayList<>();
        List<Double> lrs = new ArrayList<>();
        List<Double> raw = new ArrayList<>();
        List<Double> smooth = new ArrayList<>();
        List<Double> norms = new ArrayList<>();
        double avg = 0;
        double best = Double.POSITIVE_INFINITY;
        boolean diverged = false;
        trainer.model().setTraining(true);
        for (int k = 0; k < c.steps(); k++) {
            if (batches.isEmpty()) {
                batches.addAll(Batches.epoch(data, c.batchSize(), shuffle));
            }
            double lr = c.lrAt(k);
            BatchResult r = trainer.trainBatch(batches.remove(0), lr);
            avg = c.smoothing() * avg + (1 - c.smoothing()) * r.loss();
            double s = avg / (1 - Math.pow(c.smoothing(), k + 1));
            lrs.add(lr);
            raw.add(r.loss());
            smooth.add(s);
            norms.add(r.gradNorm());
            best = Math.min(best, s);
            if (k > 0 && (Double.isNaN(s) || s > c.divergeFactor() * best)) {
                diverged = true;
                break;
            }
        }
        int n = lrs.size();
        Table table = Table.create("lr range test",
                IntColumn.indexColumn("step", n, 0),
                DoubleColumn.create("lr", lrs), DoubleColumn.create("loss", raw),
                DoubleColumn.create("smoothed_loss", smooth), DoubleColumn.create("grad_norm", norms));
        // suggestions from the finite points before divergence
        int m = diverged ? n - 1 : n;
        int[] ok = java.util.stream.IntStream.range(0, m).filter(i -> Double.isFinite(smooth.get(i))).toArray();
        if (ok.length == 0) {
            return new Result(table, diverged, Double.NaN, Double.NaN, Double.NaN);
        }
        double[] lr = java.util.Arrays.stream(ok).mapToDouble(lrs::get).toArray();
        double[] sl = java.util.Arrays.stream(ok).mapToDouble(smooth::get).toArray();
        return new Result(table, diverged, steepest(lr, sl), minimum(lr, sl) / 10, valley(lr, sl));
    }

    /**
     * The rate where {@code d loss / d log(lr)} is most negative (forward differences), searched
     * on the way down to the lowest loss: falls after a spike past it are not descent.
     */
    static double steepest(double[] lr, double[] loss) {
        int lowest = 0;
        for (int i = 1; i < loss.length; i++) {
            lowest = loss[i] < loss[lowest] ? i : lowest;
        }
        int best = 0;
        double slope = Double.POSITIVE_INFINITY;
        for (int i = 0; i < lowest; i++) {
            double g = (loss[i + 1] - loss[i]) / (Math.log(lr[i + 1]) - Math.log(lr[i]));
            if (g < slope) {
                slope = g;
                best = i;
            }
        }
        return lr[best];
    }

    static double minimum(double[] lr, double[] loss) {
        int best = 0;
        for (int i = 1; i < loss.length; i++) {
            if (loss[i] < loss[best]) {
                best = i;
            }
        }
        return lr[best];
    }

    /**
     * fastai's valley: the longest decreasing subsequence of the loss marks the valley; the
     * suggestion sits half a third past its first third.
     */
    static double valley(double[] lr, double[] loss) {
        int n = loss.length;
        int[] lds = new int[n];
        java.util.Arrays.fill(lds, 1);
        int maxStart = 0;
        int maxEnd = 0;
        for (int i = 1; i < n; i++) {
            for (int j = 0; j < i; j++) {
                if (loss[i] < loss[j] && lds[i] < lds[j] + 1) {
                    lds[i] = lds[j] + 1;
                }
                if (lds[maxEnd] < lds[i]) {
                    maxEnd = i;
                    maxStart = maxEnd - lds[maxEnd];
                }
            }
        }
        double sections = (maxEnd - maxStart) / 3.0;
        int idx = Math.min(n - 1, Math.max(0, maxStart + (int) sections + (int) (sections / 2)));
        return lr[idx];
    }
}
