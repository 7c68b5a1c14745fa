package org.gradlab.nn;

import org.gradlab.host.ArraySlot;
import org.gradlab.host.HostArrays;
import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;

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

    /**
     * Cross-entropy from logits; see {@link Loss#crossEntropy(double)}. Computed in Java in double
     * precision with a max-shifted log-sum-exp, so logits thousands apart give a finite loss (as
     * PyTorch's) instead of ND4J's {@code log_softmax} infinities; at batch sizes it is also faster
     * than the five ND4J ops it replaces.
     */
    record CrossEntropy(double labelSmoothing) implements Loss {
        /** Each thread's gradient arrays: making one costs about 10 us, a sizeable share of a small model's step. */
        private static final ThreadLocal<ArraySlot> GRADIENTS = ThreadLocal.withInitial(ArraySlot::new);

        /**
         * The loss and dL/dz; the gradient is an array this thread's next {@code evaluate} (of any
         * cross-entropy) overwrites, as a layer's results are: {@code dup()} it to keep it.
         */
        @Override
        public Evaluation evaluate(INDArray logits, INDArray target) {
            int n = Math.toIntExact(logits.length());
            double[] grad = new double[n];
            double value = compute(logits, target, grad);
            INDArray gradient = GRADIENTS.get().get(logits.dataType(), logits.shape());
            HostArrays.writeDoubles(grad, n, gradient);
            return new Evaluation(value, gradient);
        }

        @Override
        public double value(INDArray logits, INDArray target) {
            return compute(logits, target, null);
        }

        /** The mean loss; fills {@code grad} with dL/dz when it is not null. */
        private double compute(INDArray logits, INDArray target, double[] grad) {
            requireSameShape("crossEntropy", logits, target);
            if (logits.rank() != 2) {
                throw new IllegalArgumentException("crossEntropy: logits must be [batch, classes], got "
                        + Arrays.toString(logits.shape()));
            }
            int n = logits.rows();
            int k = logits.columns();
            double[] z = HostArrays.toDoubles(logits);
            double[] t = HostArrays.toDoubles(target);
            double total = 0;
            double[] e = new double[k];
            for (int i = 0; i < n; i++) {
                int row = i * k;
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < k; j++) {
                    max = Math.max(max, z[row + j]);
                }
                double sum = 0;
                for (int j = 0; j < k; j++) {
                    e[j] = Math.exp(z[row + j] - max);
                    sum += e[j];
                }
                double lse = max + Math.log(sum);
                for (int j = 0; j < k; j++) {
                    double tj = labelSmoothing == 0 ? t[row + j] : t[row + j] * (1 - labelSmoothing) + labelSmoothing / k;
                    total -= tj == 0 ? 0 : tj * (z[row + j] - lse);
                    if (grad != null) {
                        grad[row + j] = (e[j] / sum - tj) / n;    // softmax from the exponentials already taken
                    }
                }
            }
            return total / n;
        }
    }

    /** Mean squared error; see {@link Loss#mse()}. */
    record Mse() implements Loss {
        @Override
        public Evaluation evaluate(INDArray output, INDArray target) {
            requireSameShape("mse", output, target);
            INDArray diff = output.sub(target);
            double value = meanSquare(diff);
            return new Evaluation(value, diff.muli(2.0 / diff.length()));
        }

        @Override
        public double value(INDArray output, INDArray target) {
            requireSameShape("mse", output, target);
            return meanSquare(output.sub(target));
        }

        /** Summed in Java, in order: ND4J's sum splits by the OMP_NUM_THREADS the process started with. */
        private static double meanSquare(INDArray diff) {
            return java.util.Arrays.stream(diff.dup('c').data().asDouble()).map(v -> v * v).sum() / diff.length();
        }
    }
}
