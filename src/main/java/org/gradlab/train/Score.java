package org.gradlab.train;

import org.gradlab.data.Batches;
import org.gradlab.host.HostArrays;
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
        return (out, b) -> out.sub(b.targets()).norm1Number().doubleValue() / out.size(1);
    }
}
