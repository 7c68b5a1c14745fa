package org.gradlab.train;

import org.gradlab.data.Batches;
import org.gradlab.nn.HostArrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The metric a {@link Trainer} reports beside the loss (the {@code train_accuracy} and
 * {@code test_accuracy} columns of {@link History#epochs()}): a sum over a batch's examples,
 * averaged over the data. Argmax accuracy by default; a model trained with {@code Loss.mse()} on
 * real-valued targets reports {@link #meanAbsoluteError()} instead.
 *
 * <pre>{@code Trainer.builder(model).loss(Loss.mse()).score(Score.meanAbsoluteError())...}</pre>
 */
@FunctionalInterface
public interface Score {

    /** The metric summed over the batch's examples. */
    double total(INDArray output, Batches.Batch batch);

    /** The share of examples whose largest output is at their label. */
    static Score accuracy() {
        return (out, b) -> {
            int[] predicted = HostArrays.argMaxRows(out);
            int[] labels = b.labels();
            long c = 0;
            for (int i = 0; i < labels.length; i++) {
                if (predicted[i] == labels[i]) {
                    c++;
                }
            }
            return c;
        };
    }

    /** The mean over examples of {@code mean_j |output_ij - target_ij|}. */
    static Score meanAbsoluteError() {
        // summed in Java, in order: ND4J's norm1 splits by the OMP_NUM_THREADS the process started with
        return (out, b) -> java.util.Arrays.stream(out.sub(b.targets()).dup('c').data().asDouble()).map(Math::abs).sum()
                / out.size(1);
    }
}
