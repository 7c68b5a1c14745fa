package org.gradlab.train;

import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;
import org.gradlab.data.Batches;
import org.gradlab.host.HostArrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The metric a {@link Trainer} reports beside the loss: a sum over a batch's examples, averaged
 * over the data, with its name and direction (Keras' and torchmetrics' metrics carry both). The
 * {@link History#epochs()} columns are named after it ({@code train_accuracy}, {@code test_mae}),
 * a plateau on it follows its direction, and it prints as it reads ({@link #format}). Argmax
 * accuracy by default; a model trained with {@code Loss.mse()} on real-valued targets reports
 * {@link #meanAbsoluteError()} instead.
 *
 * <pre>{@code
 * Trainer.builder(model).loss(Loss.mse()).score(Score.meanAbsoluteError()).lr(1e-3)
 *         .optimizer(Optimizer.of(Adam.defaults())).build();
 * Score hits = Score.of("hits", true, (out, b) -> out.getDouble(0, 0) > 0 ? 1 : 0);   // any metric summed over a batch
 * }</pre>
 */
public interface Score {

    /** The metric's name, a column name: lower case letters, digits and underscores. */
    String name();

    /** Whether a larger value is better (accuracy) or a smaller one (an error). */
    boolean higherIsBetter();

    /** The metric summed over the batch's examples. */
    double total(INDArray output, Batches.Batch batch);

    /** The value as people read it: accuracy as a percentage, other metrics with four significant digits. */
    default String format(double value) {
        return String.format(Locale.ROOT, "%.4g", value);
    }

    /** The batch sum a metric is made of. */
    @FunctionalInterface
    interface Total {
        double of(INDArray output, Batches.Batch batch);
    }

    /** A metric named {@code name} whose sum over a batch is {@code total}. */
    static Score of(String name, boolean higherIsBetter, Total total) {
        return new Metric(name, higherIsBetter, false, total);
    }

    /** The share of examples whose largest output is at their label ({@code accuracy}, higher is better). */
    static Score accuracy() {
        return new Metric("accuracy", true, true, (out, b) -> {
            int[] predicted = HostArrays.argMaxRows(out);
            int[] labels = b.labels();
            long c = 0;
            for (int i = 0; i < labels.length; i++) {
                if (predicted[i] == labels[i]) {
                    c++;
                }
            }
            return c;
        });
    }

    /** The mean over examples of {@code mean_j |output_ij - target_ij|} ({@code mae}, lower is better). */
    static Score meanAbsoluteError() {
        // summed in Java, in order: ND4J's norm1 splits by the OMP_NUM_THREADS the process started with
        return of("mae", false, (out, b) -> java.util.Arrays.stream(out.sub(b.targets()).dup('c').data().asDouble()).map(Math::abs)
                .sum() / out.size(1));
    }

    /** A named metric; {@code percent} prints it as a percentage. */
    record Metric(String name, boolean higherIsBetter, boolean percent, Total sum) implements Score {
        public Metric {
            if (name == null || !Pattern.matches("[a-z][a-z0-9_]{0,39}", name)) {
                throw new IllegalArgumentException("score: name must be 1 to 40 of [a-z0-9_] starting with a letter, got "
                        + (name == null ? "null" : "'" + name + "'"));
            }
            Objects.requireNonNull(sum, "sum");
        }

        @Override
        public double total(INDArray output, Batches.Batch batch) {
            return sum.of(output, batch);
        }

        @Override
        public String format(double value) {
            return percent ? String.format(Locale.ROOT, "%.2f%%", 100 * value) : Score.super.format(value);
        }

        @Override
        public String toString() {
            return name;
        }
    }
}
