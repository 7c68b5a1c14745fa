package org.gradlab.train;

import org.gradlab.data.Batches;
import org.gradlab.data.Dataset;
import org.gradlab.nn.Backend;
import org.gradlab.nn.Layer;
import org.gradlab.nn.Loss;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A model's loss and score on a dataset, in evaluation mode (dropout off, running statistics),
 * in batches of 200 (a recurrent layer keeps buffers for the largest batch it has seen).
 *
 * @param loss  the mean loss
 * @param score the mean score ({@link Score}, accuracy by default)
 */
public record Evaluation(double loss, double score) {

    /** {@code model} on {@code data} with {@code loss} and {@code score}; the model is back in training mode after. */
    public static Evaluation of(Layer model, Loss loss, Score score, Dataset data) {
        Backend.pinCallingThread();
        model.setTraining(false);
        try {
            double lossSum = 0;
            double total = 0;
            for (Batches.Batch b : Batches.reusing(data, 200, null)) {
                try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().getAndActivateWorkspace(StepPipeline.STEP_WORKSPACE,
                        "gradlab-eval")) {
                    INDArray out = model.forward(b.features());
                    lossSum += loss.value(out, b.targets()) * b.size();
                    total += score.total(out, b);
                }
            }
            return new Evaluation(lossSum / data.size(), total / data.size());
        } finally {
            model.setTraining(true);
        }
    }
}
