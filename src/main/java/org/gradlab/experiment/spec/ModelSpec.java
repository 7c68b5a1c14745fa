package org.gradlab.experiment.spec;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.gradlab.nn.Activation;
import org.gradlab.nn.BatchNorm;
import org.gradlab.nn.Dense;
import org.gradlab.nn.Dropout;
import org.gradlab.nn.Layer;
import org.gradlab.nn.LayerNorm;
import org.gradlab.nn.Residual;
import org.gradlab.nn.Rng;
import org.gradlab.nn.Scale;
import org.gradlab.nn.Sequential;

/**
 * A network as data. {@link #build} makes it for inputs of a given {@link Shape}, every weight
 * drawn from one generator seeded with the run's seed, as a {@link Sequential} of blocks: the
 * hidden blocks (each ending in its activation) then the output layer, so a study can measure
 * what reaches each block.
 *
 * <ul>
 *   <li>{@link Article}: the article's MLP, {@code in-64-64-classes} with ReLU and dropout 0.2 and
 *       0.5, PyTorch's init;
 *   <li>{@link Mlp}: a deep MLP with a chosen init, activation, normalisation and block kind;
 *   <li>{@link RecurrentNet}: the features read as rows into a tanh or ReLU RNN, a GRU or an LSTM,
 *       the last hidden state into a Linear head;
 *   <li>{@link Layers}: any {@code Sequential} described layer by layer ({@link LayerSpec});
 *   <li>{@link Registered}: a factory a user registers from Java or through {@code ServiceLoader}
 *       ({@link ModelFactory}).
 * </ul>
 */
public sealed interface ModelSpec permits ModelSpec.Article, ModelSpec.Mlp, ModelSpec.RecurrentNet, ModelSpec.Layers,
        ModelSpec.Registered {

    /** What a model reads and predicts: features per example and classes. */
    record Shape(int features, int classes) {
        public Shape {
            if (features < 1 || classes < 2) {
                throw new IllegalArgumentException("shape: need features >= 1 and classes >= 2, got " + features + " and " + classes);
            }
        }
    }

    /** The model's blocks for {@code shape}, drawn from {@code rng} in order (the last block is the output layer). */
    List<Layer> blocks(Shape shape, Rng rng);

    /** The model as a {@link Sequential} of its {@link #blocks}, drawn from {@code Rng.seeded(seed)}. */
    default Sequential build(Shape shape, long seed) {
        return Sequential.of(blocks(shape, Rng.seeded(seed)));
    }

    /** Parameters the model will have for {@code shape} (for bounds checked before a study starts). */
    long paramCount(Shape shape);

    /** Floats one example's activations take in a forward pass, about (for the memory estimate). */
    long activationsPerExample(Shape shape);

    /**
     * Multiply-adds of one example's forward pass, about: every parameter once per step of the
     * sequence its layer reads (a study starts its longest runs first by it). By default each
     * parameter once, as in an MLP.
     */
    default long multiplyAddsPerExample(Shape shape) {
        return paramCount(shape);
    }

    /** The article's model. */
    static Article article() {
        return new Article();
    }

    /** The study's deep MLP: 12 Linear layers of 128 units, ReLU, plain blocks, {@code init}. */
    static Mlp deep(InitSpec init) {
        return new Mlp(12, 128, Activation.Kind.RELU, init, Mlp.Norm.NONE, Mlp.Block.PLAIN, 1);
    }

    /**
     * The article's MLP: {@code in-64} ReLU, Dropout 0.2, {@code 64-64} ReLU, Dropout 0.5,
     * {@code 64-classes} logits; PyTorch's default init. The article's Keras listing has two
     * mistakes this corrects: {@code input_shape=(28,)} for 28x28 images (they are flattened to
     * 784 inputs) and no 10-unit output layer.
     */
    @Kind("article")
    record Article() implements ModelSpec {
        @Override
        public List<Layer> blocks(Shape s, Rng rng) {
            return List.of(
                    Sequential.of(Dense.of(s.features(), 64, rng), Activation.relu(), Dropout.of(0.2, rng.split())),
                    Sequential.of(Dense.of(64, 64, rng), Activation.relu(), Dropout.of(0.5, rng.split())),
                    Dense.of(64, s.classes(), rng));
        }

        /** The same layers as one flat {@link Sequential} ({@code 0.weight}, {@code 3.weight}, {@code 6.weight}), the same draws. */
        public Sequential buildFlat(Shape shape, long seed) {
            List<Layer> flat = new ArrayList<>();
            for (Layer b : blocks(shape, Rng.seeded(seed))) {
                flat.addAll(b instanceof Sequential q ? q.layers() : List.of(b));
            }
            return Sequential.of(flat);
        }

        @Override
        public long paramCount(Shape s) {
            return (s.features() + 1L) * 64 + 65L * 64 + 65L * s.classes();
        }

        @Override
        public long activationsPerExample(Shape s) {
            return s.features() + 6L * 64 + s.classes();
        }
    }

    /**
     * A deep MLP: {@code depth} Linear layers {@code in -> width -> ... -> classes}.
     *
     * @param depth         Linear layers in all, 2 to 100
     * @param width         hidden units, 1 to 4096
     * @param activation    the hidden activation
     * @param init          every Linear layer's init
     * @param norm          a normalisation after every hidden Linear, before its activation
     * @param block         {@code plain}; {@code residual}: {@code h + scale * act(Linear(h))} around each middle
     *                      layer; {@code residual_layernorm}: {@code h + act(LayerNorm(Linear(h)))}
     * @param residualScale the {@code scale} of {@code residual} (finite, not 0)
     */
    @Kind("mlp")
    record Mlp(int depth, int width, @Default("\"relu\"") Activation.Kind activation, @Default("{}") InitSpec init,
            @Default("\"none\"") Norm norm, @Default("\"plain\"") Block block, @Default("1") double residualScale)
            implements ModelSpec {

        /** The normalisation of hidden layers. */
        public enum Norm { NONE, LAYERNORM, BATCHNORM }

        /** How hidden layers connect. */
        public enum Block { PLAIN, RESIDUAL, RESIDUAL_LAYERNORM }

        public Mlp {
            if (depth < 2 || depth > 100) {
                throw new IllegalArgumentException("depth must be in [2, 100], got " + depth);
            }
            if (width < 1 || width > 4096) {
                throw new IllegalArgumentException("width must be in [1, 4096], got " + width);
            }
            Objects.requireNonNull(activation, "activation");
            Objects.requireNonNull(init, "init");
            Objects.requireNonNull(norm, "norm");
            Objects.requireNonNull(block, "block");
            if (!Double.isFinite(residualScale) || block == Block.RESIDUAL && residualScale == 0) {
                throw new IllegalArgumentException("residualScale must be finite" + (block == Block.RESIDUAL
                        ? " and not 0 for a residual block" : "") + ", got " + residualScale);
            }
        }

        public Mlp withNorm(Norm n) {
            return new Mlp(depth, width, activation, init, n, block, residualScale);
        }

        public Mlp withBlock(Block b, double scale) {
            return new Mlp(depth, width, activation, init, norm, b, scale);
        }

        @Override
        public List<Layer> blocks(Shape s, Rng rng) {
            org.gradlab.nn.Init in = init.build();
            List<Layer> blocks = new ArrayList<>();
            blocks.add(hidden(Dense.of(s.features(), width, in, rng)));
            for (int i = 1; i < depth - 1; i++) {
                Dense d = Dense.of(width, width, in, rng);
                blocks.add(switch (block) {
                    case RESIDUAL -> Residual.of(Sequential.of(d, Activation.of(activation), Scale.of(residualScale)));
                    case RESIDUAL_LAYERNORM -> Residual.of(Sequential.of(d, LayerNorm.of(width), Activation.of(activation)));
                    case PLAIN -> hidden(d);
                });
            }
            blocks.add(Dense.of(width, s.classes(), in, rng));
            return blocks;
        }

        private Layer hidden(Dense d) {
            return switch (norm) {
                case LAYERNORM -> Sequential.of(d, LayerNorm.of(width), Activation.of(activation));
                case BATCHNORM -> Sequential.of(d, BatchNorm.of(width), Activation.of(activation));
                case NONE -> Sequential.of(d, Activation.of(activation));
            };
        }

        @Override
        public long paramCount(Shape s) {
            int perMiddle = block == Block.PLAIN ? (norm == Norm.NONE ? 0 : 1) : block == Block.RESIDUAL_LAYERNORM ? 1 : 0;
            long norms = 2L * width * ((norm == Norm.NONE ? 0 : 1) + (depth - 2L) * perMiddle);
            return (s.features() + 1L) * width + (depth - 2L) * (width + 1L) * width + (width + 1L) * s.classes() + norms;
        }

        @Override
        public long activationsPerExample(Shape s) {
            return s.features() + 4L * width * depth + s.classes();
        }
    }

    /**
     * A recurrent classifier: each example's features read as rows of {@code rowWidth} (28 rows of
     * 28 pixels for a digit), a {@code layers}-deep cell of {@code hidden} units, its last hidden
     * state into Linear(hidden, classes); PyTorch's init, drawn in PyTorch's order (the cell, then
     * the head).
     *
     * @param cell     the recurrent cell
     * @param hidden   hidden units, 1 to 4096
     * @param layers   stacked cells, 1 to 8
     * @param rowWidth features per time step; must divide the features
     */
    @Kind("recurrent")
    record RecurrentNet(LayerSpec.Cell cell, @Default("128") int hidden, @Default("1") int layers,
            @Default("28") int rowWidth) implements ModelSpec {
        public RecurrentNet {
            Objects.requireNonNull(cell, "cell");
            if (hidden < 1 || hidden > 4096) {
                throw new IllegalArgumentException("hidden must be in [1, 4096], got " + hidden);
            }
            if (layers < 1 || layers > 8) {
                throw new IllegalArgumentException("layers must be in [1, 8], got " + layers);
            }
            if (rowWidth < 1) {
                throw new IllegalArgumentException("rowWidth must be >= 1, got " + rowWidth);
            }
        }

        @Override
        public List<Layer> blocks(Shape s, Rng rng) {
            return layersSpec(s).blocks(s, rng);
        }

        /** The same network as {@link Layers}: rows, the cell, the last step, the head. */
        public Layers layersSpec(Shape s) {
            return new Layers(List.of(new LayerSpec.Rows(rowWidth), new LayerSpec.RecurrentCell(cell, hidden, layers),
                    new LayerSpec.LastStep(), new LayerSpec.Linear(s.classes(), InitSpec.of(InitSpec.Kind.PYTORCH))));
        }

        @Override
        public long paramCount(Shape s) {
            return layersSpec(s).paramCount(s);
        }

        @Override
        public long activationsPerExample(Shape s) {
            return layersSpec(s).activationsPerExample(s);
        }

        @Override
        public long multiplyAddsPerExample(Shape s) {
            return layersSpec(s).multiplyAddsPerExample(s);
        }
    }

    /**
     * A {@code Sequential} described layer by layer: each entry is a block of the model (use
     * {@link LayerSpec.Block} to group layers into one); input sizes follow from the data and the
     * layers before.
     *
     * @param layers the blocks in order; the last one's output is the logits
     */
    @Kind("layers")
    record Layers(List<LayerSpec> layers) implements ModelSpec {
        public Layers {
            if (layers == null || layers.isEmpty()) {
                throw new IllegalArgumentException("layers must hold at least one layer");
            }
            layers = List.copyOf(layers);
        }

        @Override
        public List<Layer> blocks(Shape s, Rng rng) {
            List<Layer> out = new ArrayList<>();
            LayerSpec.Width w = LayerSpec.Width.flat(s.features());
            for (int i = 0; i < layers.size(); i++) {
                LayerSpec l = layers.get(i);
                out.add(l.build(w, rng, "layers[" + i + "]"));
                w = l.output(w, "layers[" + i + "]");
            }
            if (w.sequence() || w.features() != s.classes()) {
                throw new IllegalArgumentException("layers: the last layer gives " + w + " but the data has " + s.classes()
                        + " classes; end with a linear layer of " + s.classes());
            }
            return out;
        }

        @Override
        public long paramCount(Shape s) {
            return parameters(s, false);
        }

        @Override
        public long multiplyAddsPerExample(Shape s) {
            return parameters(s, true);
        }

        /** The layers' parameters, each counted once or ({@code perStep}) once per step of the sequence its layer reads. */
        private long parameters(Shape s, boolean perStep) {
            long n = 0;
            LayerSpec.Width w = LayerSpec.Width.flat(s.features());
            for (int i = 0; i < layers.size(); i++) {
                n += layers.get(i).paramCount(w) * (perStep ? Math.max(1, w.steps()) : 1);
                w = layers.get(i).output(w, "layers[" + i + "]");
            }
            return n;
        }

        @Override
        public long activationsPerExample(Shape s) {
            long n = s.features();
            LayerSpec.Width w = LayerSpec.Width.flat(s.features());
            for (int i = 0; i < layers.size(); i++) {
                w = layers.get(i).output(w, "layers[" + i + "]");
                n += 3L * w.features() * Math.max(1, w.steps());
            }
            return n;
        }
    }

    /**
     * A model made by a factory registered under {@code name} ({@link ModelFactory#register} from
     * Java, or a {@code META-INF/services/org.gradlab.experiment.spec.ModelFactory} entry), with
     * its arguments.
     *
     * @param name the factory's name
     * @param args its arguments, as JSON values (numbers, strings, booleans, lists, objects)
     */
    @Kind("registered")
    record Registered(String name, @Default("{}") Map<String, Object> args) implements ModelSpec {
        public Registered {
            ModelFactory.require(name);
            args = Map.copyOf(args);
        }

        @Override
        public List<Layer> blocks(Shape s, Rng rng) {
            Layer m = ModelFactory.require(name).build(args, s, rng);
            return m instanceof Sequential q ? q.layers() : List.of(m);
        }

        @Override
        public long paramCount(Shape s) {
            return ModelFactory.require(name).paramCount(args, s);
        }

        @Override
        public long activationsPerExample(Shape s) {
            return 4 * paramCount(s) / Math.max(1, s.features()) + s.features();
        }
    }
}
