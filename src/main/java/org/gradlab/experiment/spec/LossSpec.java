package org.gradlab.experiment.spec;

import org.gradlab.nn.Loss;

/** The training loss as data: softmax cross-entropy (with label smoothing) or mean squared error on one-hot targets. */
public sealed interface LossSpec permits LossSpec.CrossEntropy, LossSpec.Mse {

    Loss build();

    /** Softmax cross-entropy on the logits, PyTorch's {@code CrossEntropyLoss(label_smoothing=...)}. */
    @Kind("cross_entropy")
    record CrossEntropy(@Default("0") double labelSmoothing) implements LossSpec {
        public CrossEntropy {
            Loss.crossEntropy(labelSmoothing);
        }

        @Override
        public Loss build() {
            return Loss.crossEntropy(labelSmoothing);
        }
    }

    /** Mean squared error between the outputs and the one-hot targets. */
    @Kind("mse")
    record Mse() implements LossSpec {
        @Override
        public Loss build() {
            return Loss.mse();
        }
    }
}
