package org.gradlab.experiment.spec;

import org.gradlab.experiment.jobs.Presets;
import java.util.ArrayList;
import java.util.List;
import org.gradlab.nn.Activation;
import org.gradlab.nn.BatchNorm;
import org.gradlab.nn.Dense;
import org.gradlab.nn.Dropout;
import org.gradlab.nn.Gru;
import org.gradlab.nn.Init;
import org.gradlab.nn.Layer;
import org.gradlab.nn.LastStep;
import org.gradlab.nn.LayerNorm;
import org.gradlab.nn.Lstm;
import org.gradlab.nn.Residual;
import org.gradlab.nn.Rng;
import org.gradlab.nn.Rnn;
import org.gradlab.nn.Scale;
import org.gradlab.nn.Sequences;
import org.gradlab.nn.Sequential;

/**
 * Builds the network of a {@link RunSpec.Model}: hidden blocks then the output layer, all drawn from
 * one seeded {@link Rng}. A recurrent model's blocks are {@code Sequences.rows(28)}, the cell and
 * {@code LastStep}, then the Dense head.
 */
public final class Models {
    private Models() {
    }

    /** The model as a Sequential of its hidden blocks (each ending in its activation) and the output Dense. */
    public static Sequential build(RunSpec.Model m, long seed) {
        Rng rng = Rng.seeded(seed);
        List<Layer> blocks = new ArrayList<>();
        if (m.kind().equals("article")) {   // the draws of Presets.articleModel, in its order
            blocks.add(Sequential.of(Dense.of(784, 64, rng), Activation.relu(), Dropout.of(0.2, rng.split())));
            blocks.add(Sequential.of(Dense.of(64, 64, rng), Activation.relu(), Dropout.of(0.5, rng.split())));
            blocks.add(Dense.of(64, 10, rng));
            return Sequential.of(blocks);
        }
        if (m.hasCell()) {   // the draws of torch.nn.RNN/GRU/LSTM then Linear, in that order
            int h = m.width();
            blocks.add(Sequences.rows(28));
            blocks.add(switch (m.kind()) {
                case "gru" -> Gru.of(28, h, rng);
                case "lstm" -> Lstm.of(28, h, rng);
                default -> Rnn.tanh(28, h, rng);
            });
            blocks.add(LastStep.of());
            blocks.add(Dense.of(h, 10, rng));
            return Sequential.of(blocks);
        }
        Init init = init(m.init());
        int w = m.width();
        blocks.add(hidden(Dense.of(784, w, init, rng), m.norm(), w));
        for (int i = 1; i < m.depth() - 1; i++) {
            Dense d = Dense.of(w, w, init, rng);
            blocks.add(switch (m.block()) {
                case "residual" -> Residual.of(Sequential.of(d, Activation.relu(), Scale.of(m.residualScale())));
                case "residual_layernorm" -> Residual.of(Sequential.of(d, LayerNorm.of(w), Activation.relu()));
                default -> hidden(d, m.norm(), w);
            });
        }
        blocks.add(Dense.of(w, 10, init, rng));
        return Sequential.of(blocks);
    }

    /** The hidden blocks of a model {@link #build} made: all its layers but the output one. */
    public static List<Layer> hiddenBlocks(Sequential model) {
        return model.layers().subList(0, model.layers().size() - 1);
    }

    private static Layer hidden(Dense d, String norm, int width) {
        return switch (norm) {
            case "layernorm" -> Sequential.of(d, LayerNorm.of(width), Activation.relu());
            case "batchnorm" -> Sequential.of(d, BatchNorm.of(width), Activation.relu());
            default -> Sequential.of(d, Activation.relu());
        };
    }

    /** {@code he}: N(0, 2/fan_in); {@code A}: N(0, (1.5 sqrt(2/fan_in))^2), both with zero biases; else PyTorch's default. */
    public static Init init(String name) {
        return switch (name) {
            case "he" -> Init.heNormal();
            case "A" -> new Init("1.5x-he-normal", (in, out, n, rng) -> {
                double std = 1.5 * Math.sqrt(2.0 / in);
                double[] v = new double[n];
                for (int i = 0; i < n; i++) {
                    v[i] = rng.nextGaussian() * std;
                }
                return v;
            }, (in, out, n, rng) -> new double[n]);
            default -> Init.pytorchDefault();
        };
    }
}
