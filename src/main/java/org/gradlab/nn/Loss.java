package org.gradlab.nn;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.custom.LogSoftMax;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * A loss over a batch: its value and its gradient with respect to the model's output, in one pass.
 *
 * <pre>{@code
 * Loss.Evaluation e = Loss.crossEntropy().evaluate(logits, oneHotTargets);
 * model.backward(e.gradient());
 * }</pre>
 */
public interface Loss {

    /** The loss value and dL/d(output). */
    record Evaluation(double value, INDArray gradient) {
    }

    /** Value and gradient. */
    Evaluation evaluate(INDArray output, INDArray target);

    /** Value only (evaluation loops). */
    double value(INDArray output, INDArray target);

    /** Softmax cross-entropy from logits against one-hot (or probability) targets, mean over the batch. */
    static Loss crossEntropy() {
        return crossEntropy(0.0);
    }

    /**
     * Softmax cross-entropy with label smoothing {@code s} as {@code torch.nn.CrossEntropyLoss(label_smoothing=s)}:
     * targets become {@code (1 - s) * t + s / K}; {@code L = -mean_i sum_k t'_ik log softmax(z_i)_k};
     * {@code dL/dz = (softmax(z) - t') / N}.
     */
    static Loss crossEntropy(double labelSmoothing) {
        if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) {
            throw new IllegalArgumentException("crossEntropy: labelSmoothing must be in [0, 1], got " + labelSmoothing);
        }
        return new CrossEntropy(labelSmoothing);
    }

    /** Mean squared error over all elements: {@code L = mean((y - t)^2)}, {@code dL/dy = 2 (y - t) / numel}. */
    static Loss mse() {
        return new Mse();
    }

    private static void requireSameShape(String who, INDArray output, INDArray target) {
        if (!Arrays.equals(output.shape(), target.shape())) {
            throw new IllegalArgumentException(who + ": target must have the output's shape "
                    + Arrays.toString(output.shape()) + ", got " + Arrays.toString(target.shape()));
        }
    }

    /** Cross-entropy from logits; see {@link Loss#crossEntropy(double)}. */
    record CrossEntropy(double labelSmoothing) implements Loss {
        @Override
        public Evaluation evaluate(INDArray logits, INDArray target) {
            INDArray t = smoothed(logits, target);
            INDArray logp = logSoftmax(logits);
            double value = -t.mul(logp).sumNumber().doubleValue() / logits.rows();
            INDArray grad = Transforms.exp(logp, false).subi(t).divi(logits.rows());
            return new Evaluation(value, grad);
        }

        @Override
        public double value(INDArray logits, INDArray target) {
            INDArray t = smoothed(logits, target);
            return -t.mul(logSoftmax(logits)).sumNumber().doubleValue() / logits.rows();
        }

        private INDArray smoothed(INDArray logits, INDArray target) {
            requireSameShape("crossEntropy", logits, target);
            if (labelSmoothing == 0) {
                return target;
            }
            return target.mul(1 - labelSmoothing).addi(labelSmoothing / logits.columns());
        }

        private static INDArray logSoftmax(INDArray logits) {
            return Nd4j.exec(new LogSoftMax(logits, logits.ulike()))[0];
        }
    }

    /** Mean squared error; see {@link Loss#mse()}. */
    record Mse() implements Loss {
        @Override
        public Evaluation evaluate(INDArray output, INDArray target) {
            requireSameShape("mse", output, target);
            INDArray diff = output.sub(target);
            double value = diff.mul(diff).sumNumber().doubleValue() / diff.length();
            return new Evaluation(value, diff.muli(2.0 / diff.length()));
        }

        @Override
        public double value(INDArray output, INDArray target) {
            requireSameShape("mse", output, target);
            INDArray diff = output.sub(target);
            return diff.mul(diff).sumNumber().doubleValue() / diff.length();
        }
    }
}
