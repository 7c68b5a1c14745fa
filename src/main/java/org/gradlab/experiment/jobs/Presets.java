package org.gradlab.experiment.jobs;

import org.gradlab.data.Dataset;
import org.gradlab.data.Mnist;
import org.gradlab.experiment.spec.ModelSpec;
import org.gradlab.nn.Activation;
import org.gradlab.nn.Dense;
import org.gradlab.nn.Rng;
import org.gradlab.nn.Sequential;
import org.gradlab.optim.Adam;
import org.gradlab.optim.Optimizer;
import org.gradlab.train.Trainer;
import org.gradlab.train.TrainerBuilder;

/**
 * The article's study: its MLP, data and training settings.
 *
 * <p>The article's Keras listing has two mistakes that gradlab corrects: it declares
 * {@code input_shape=(28,)} for 28x28 images (the images must be flattened to 784 inputs), and
 * it ends in the 64-unit hidden layer with no 10-unit output layer, so it could not be trained
 * with a 10-class cross-entropy. gradlab's version is 784-64-64-10 with softmax cross-entropy on
 * the logits.
 */
public final class Presets {
    /** Batch size, epochs and Adam learning rate of the article. */
    public static final int ARTICLE_BATCH = 32;
    public static final int ARTICLE_EPOCHS = 10;
    public static final double ARTICLE_LR = 1e-3;

    private Presets() {
    }

    /** 784-64 ReLU, Dropout 0.2, 64 ReLU, Dropout 0.5, 10 logits; PyTorch's default init. */
    public static Sequential articleModel(long seed) {
        return ModelSpec.article().buildFlat(new ModelSpec.Shape(784, 10), seed);
    }

    /**
     * A model that really explodes: 8 ReLU layers of 128 units with N(0, 0.15^2) weights (He's
     * scale for 128 inputs is 0.125, for 784 it is 0.05), 10 logits. Trained with SGD momentum 0.9
     * at a constant 0.1 it blows up within the first epoch; clipping or a warmup with a smaller
     * peak rate tame it.
     */
    public static Sequential explodingModel(long seed) {
        return explodingModel(seed, false);
    }

    /** {@link #explodingModel(long)}, with a LayerNorm after every hidden Dense when {@code layerNorm} (a structural fix). */
    public static Sequential explodingModel(long seed, boolean layerNorm) {
        Rng rng = Rng.seeded(seed);
        java.util.List<org.gradlab.nn.Layer> layers = new java.util.ArrayList<>();
        int in = 784;
        for (int i = 0; i < 8; i++) {
            layers.add(Dense.of(in, 128, org.gradlab.nn.Init.normal(0.15), rng));
            if (layerNorm) {
                layers.add(org.gradlab.nn.LayerNorm.of(128));
            }
            layers.add(Activation.relu());
            in = 128;
        }
        layers.add(Dense.of(in, 10, rng));
        return Sequential.of(layers);
    }

    /**
     * A deep, gemm-bound model for benchmarks: 16 x (Linear(., 256) + Tanh), then Linear(256, 10),
     * PyTorch's default initialisation (bench/speed.sh's W3, bench/DiagBench's deep case).
     */
    public static Sequential deepTanhModel(long seed) {
        Rng rng = Rng.seeded(seed);
        java.util.List<org.gradlab.nn.Layer> layers = new java.util.ArrayList<>();
        int in = 784;
        for (int i = 0; i < 16; i++) {
            layers.add(Dense.of(in, 256, rng));
            layers.add(Activation.tanh());
            in = 256;
        }
        layers.add(Dense.of(256, 10, rng));
        return Sequential.of(layers);
    }

    /** SGD with momentum 0.9 at a constant 0.1, batch 32, on {@link #explodingModel}. */
    public static TrainerBuilder explodingTrainer(long seed) {
        return explodingTrainer(seed, false);
    }

    /** {@link #explodingTrainer(long)} on the model with or without LayerNorm. */
    public static TrainerBuilder explodingTrainer(long seed, boolean layerNorm) {
        return Trainer.builder(explodingModel(seed, layerNorm))
                .optimizer(Optimizer.of(org.gradlab.optim.Sgd.momentum(0.9)))
                .lr(0.1)
                .batchSize(32)
                .seed(seed);
    }

    /** The bundled 10,000 digits split 8,000/2,000 with {@code seed}. */
    public static Dataset.Split articleData(long seed) {
        return Mnist.bundled().split(8_000, seed);
    }

    /** Adam lr 1e-3, batch 32, 10 epochs on the article's model built from {@code seed}. */
    public static TrainerBuilder articleTrainer(long seed) {
        return Trainer.builder(articleModel(seed))
                .optimizer(Optimizer.of(Adam.defaults()))
                .lr(ARTICLE_LR)
                .batchSize(ARTICLE_BATCH)
                .epochs(ARTICLE_EPOCHS)
                .seed(seed);
    }
}
