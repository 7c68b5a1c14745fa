package org.gradlab.experiment.spec;

import java.util.List;
import java.util.Objects;
import org.gradlab.nn.Activation;
import org.gradlab.nn.BatchNorm;
import org.gradlab.nn.Dense;
import org.gradlab.nn.Dropout;
import org.gradlab.nn.Gru;
import org.gradlab.nn.InputGuard;
import org.gradlab.nn.Layer;
import org.gradlab.nn.LayerNorm;
import org.gradlab.nn.Lstm;
import org.gradlab.nn.OutputGuard;
import org.gradlab.nn.Residual;
import org.gradlab.nn.Rng;
import org.gradlab.nn.Rnn;
import org.gradlab.nn.Scale;
import org.gradlab.nn.Sequences;
import org.gradlab.nn.Sequential;

/**
 * One layer of a {@link ModelSpec.Layers} model, every layer kind of {@code org.gradlab.nn}: its
 * input size comes from the layers before it ({@link Width}), so a spec names only what it adds
 * (a linear layer its outputs, a cell its hidden units).
 */
public sealed interface LayerSpec permits LayerSpec.Linear, LayerSpec.Act, LayerSpec.DropoutLayer, LayerSpec.BatchNormLayer,
        LayerSpec.LayerNormLayer, LayerSpec.ResidualBlock, LayerSpec.ScaleLayer, LayerSpec.Rows, LayerSpec.RecurrentCell,
        LayerSpec.LastStep, LayerSpec.Block, LayerSpec.InputGuardLayer, LayerSpec.OutputGuardLayer {

    /** What flows between layers: features per example, or per time step of a sequence. */
    record Width(int features, int steps) {
        static Width flat(int features) {
            return new Width(features, 0);
        }

        boolean sequence() {
            return steps > 0;
        }

        @Override
        public String toString() {
            return sequence() ? steps + " steps of " + features : features + " features";
        }
    }

    /** The layer for input {@code in}, drawing weights from {@code rng}; {@code at} names it in messages. */
    Layer build(Width in, Rng rng, String at);

    /** What it gives for input {@code in}. */
    Width output(Width in, String at);

    /** Its parameter count for input {@code in}. */
    long paramCount(Width in);

    private static Width flatOnly(Width in, String at, String what) {
        if (in.sequence()) {
            throw new IllegalArgumentException(at + ": " + what + " needs flat features, got " + in
                    + "; put last_step before it");
        }
        return in;
    }

    /** Builds {@code layers} in order from {@code in}. */
    private static Sequential sequence(List<LayerSpec> layers, Width in, Rng rng, String at) {
        Layer[] out = new Layer[layers.size()];
        Width w = in;
        for (int i = 0; i < layers.size(); i++) {
            out[i] = layers.get(i).build(w, rng, at + "[" + i + "]");
            w = layers.get(i).output(w, at + "[" + i + "]");
        }
        return Sequential.of(out);
    }

    private static Width through(List<LayerSpec> layers, Width in, String at) {
        Width w = in;
        for (int i = 0; i < layers.size(); i++) {
            w = layers.get(i).output(w, at + "[" + i + "]");
        }
        return w;
    }

    private static long params(List<LayerSpec> layers, Width in) {
        long n = 0;
        Width w = in;
        for (LayerSpec l : layers) {
            n += l.paramCount(w);
            w = l.output(w, "");
        }
        return n;
    }

    /** A fully connected layer ({@link Dense}) of {@code out} units. */
    @Kind("linear")
    record Linear(int out, @Default("{}") InitSpec init) implements LayerSpec {
        public Linear {
            if (out < 1 || out > 65536) {
                throw new IllegalArgumentException("out must be in [1, 65536], got " + out);
            }
            Objects.requireNonNull(init, "init");
        }

        @Override
        public Layer build(Width in, Rng rng, String at) {
            return Dense.of(flatOnly(in, at, "linear").features(), out, init.build(), rng);
        }

        @Override
        public Width output(Width in, String at) {
            flatOnly(in, at, "linear");
            return Width.flat(out);
        }

        @Override
        public long paramCount(Width in) {
            return (in.features() + 1L) * out;
        }
    }

    /** An element-wise activation. */
    @Kind("activation")
    record Act(Activation.Kind fn) implements LayerSpec {
        public Act {
            Objects.requireNonNull(fn, "fn");
        }

        @Override
        public Layer build(Width in, Rng rng, String at) {
            return Activation.of(fn);
        }

        @Override
        public Width output(Width in, String at) {
            return in;
        }

        @Override
        public long paramCount(Width in) {
            return 0;
        }
    }

    /** Dropout with probability {@code p}, its own generator split from the model's. */
    @Kind("dropout")
    record DropoutLayer(double p) implements LayerSpec {
        public DropoutLayer {
            if (!(p >= 0 && p < 1)) {
                throw new IllegalArgumentException("p must be in [0, 1), got " + p);
            }
        }

        @Override
        public Layer build(Width in, Rng rng, String at) {
            return Dropout.of(p, rng.split());
        }

        @Override
        public Width output(Width in, String at) {
            return flatOnly(in, at, "dropout");
        }

        @Override
        public long paramCount(Width in) {
            return 0;
        }
    }

    /** BatchNorm1d over the features (PyTorch's defaults: eps 1e-5, momentum 0.1). */
    @Kind("batchnorm")
    record BatchNormLayer(@Default("1e-5") double eps, @Default("0.1") double momentum) implements LayerSpec {
        @Override
        public Layer build(Width in, Rng rng, String at) {
            return BatchNorm.of(flatOnly(in, at, "batchnorm").features(), eps, momentum);
        }

        @Override
        public Width output(Width in, String at) {
            return flatOnly(in, at, "batchnorm");
        }

        @Override
        public long paramCount(Width in) {
            return 2L * in.features();
        }
    }

    /** LayerNorm over the features (eps 1e-5). */
    @Kind("layernorm")
    record LayerNormLayer(@Default("1e-5") double eps) implements LayerSpec {
        @Override
        public Layer build(Width in, Rng rng, String at) {
            return LayerNorm.of(flatOnly(in, at, "layernorm").features(), eps);
        }

        @Override
        public Width output(Width in, String at) {
            return flatOnly(in, at, "layernorm");
        }

        @Override
        public long paramCount(Width in) {
            return 2L * in.features();
        }
    }

    /** {@code x + block(x)}: the block's layers must keep the width. */
    @Kind("residual")
    record ResidualBlock(List<LayerSpec> layers) implements LayerSpec {
        public ResidualBlock {
            if (layers == null || layers.isEmpty()) {
                throw new IllegalArgumentException("layers must hold at least one layer");
            }
            layers = List.copyOf(layers);
        }

        @Override
        public Layer build(Width in, Rng rng, String at) {
            output(in, at);
            return Residual.of(sequence(layers, in, rng, at + ".layers"));
        }

        @Override
        public Width output(Width in, String at) {
            Width w = through(layers, in, at + ".layers");
            if (!w.equals(in)) {
                throw new IllegalArgumentException(at + ": a residual block must keep its width " + in + ", its layers give " + w);
            }
            return in;
        }

        @Override
        public long paramCount(Width in) {
            return params(layers, in);
        }
    }

    /** Multiplies by a constant (a residual branch's scale). */
    @Kind("scale")
    record ScaleLayer(double factor) implements LayerSpec {
        public ScaleLayer {
            if (!Double.isFinite(factor)) {
                throw new IllegalArgumentException("factor must be finite, got " + factor);
            }
        }

        @Override
        public Layer build(Width in, Rng rng, String at) {
            return Scale.of(factor);
        }

        @Override
        public Width output(Width in, String at) {
            return in;
        }

        @Override
        public long paramCount(Width in) {
            return 0;
        }
    }

    /** Reads the features as a sequence of rows of {@code width} ({@code Sequences.rows}). */
    @Kind("rows")
    record Rows(int width) implements LayerSpec {
        public Rows {
            if (width < 1) {
                throw new IllegalArgumentException("width must be >= 1, got " + width);
            }
        }

        @Override
        public Layer build(Width in, Rng rng, String at) {
            output(in, at);
            return Sequences.rows(width);
        }

        @Override
        public Width output(Width in, String at) {
            flatOnly(in, at, "rows");
            if (in.features() % width != 0) {
                throw new IllegalArgumentException(at + ": " + in.features() + " features are not rows of " + width);
            }
            return new Width(width, in.features() / width);
        }

        @Override
        public long paramCount(Width in) {
            return 0;
        }
    }

    /** The recurrent cells. */
    enum Cell { RNN_TANH, RNN_RELU, GRU, LSTM }

    /** A recurrent layer over a sequence: {@code layers} stacked cells of {@code hidden} units, PyTorch's init. */
    @Kind("recurrent")
    record RecurrentCell(Cell cell, int hidden, @Default("1") int layers) implements LayerSpec {
        public RecurrentCell {
            Objects.requireNonNull(cell, "cell");
            if (hidden < 1 || hidden > 4096 || layers < 1 || layers > 8) {
                throw new IllegalArgumentException("need hidden in [1, 4096] and layers in [1, 8], got " + hidden + " and " + layers);
            }
        }

        @Override
        public Layer build(Width in, Rng rng, String at) {
            int w = sequenceOnly(in, at).features();
            return switch (cell) {
                case RNN_TANH -> Rnn.of(Rnn.Nonlinearity.TANH, w, hidden, layers, rng);
                case RNN_RELU -> Rnn.of(Rnn.Nonlinearity.RELU, w, hidden, layers, rng);
                case GRU -> Gru.of(w, hidden, layers, rng);
                case LSTM -> Lstm.of(w, hidden, layers, rng);
            };
        }

        private static Width sequenceOnly(Width in, String at) {
            if (!in.sequence()) {
                throw new IllegalArgumentException(at + ": a recurrent layer needs a sequence, got " + in + "; put rows before it");
            }
            return in;
        }

        @Override
        public Width output(Width in, String at) {
            return new Width(hidden, sequenceOnly(in, at).steps());
        }

        @Override
        public long paramCount(Width in) {
            int gates = switch (cell) {
                case RNN_TANH, RNN_RELU -> 1;
                case GRU -> 3;
                case LSTM -> 4;
            };
            return (long) gates * hidden * ((in.features() + hidden + 2L) + (layers - 1L) * (2L * hidden + 2));
        }
    }

    /** The last time step of a sequence. */
    @Kind("last_step")
    record LastStep() implements LayerSpec {
        @Override
        public Layer build(Width in, Rng rng, String at) {
            output(in, at);
            return org.gradlab.nn.LastStep.of();
        }

        @Override
        public Width output(Width in, String at) {
            if (!in.sequence()) {
                throw new IllegalArgumentException(at + ": last_step needs a sequence, got " + in);
            }
            return Width.flat(in.features());
        }

        @Override
        public long paramCount(Width in) {
            return 0;
        }
    }

    /** Layers grouped into one block of the model (one {@code Sequential}, one entry of the study's per-block measures). */
    @Kind("block")
    record Block(List<LayerSpec> layers) implements LayerSpec {
        public Block {
            if (layers == null || layers.isEmpty()) {
                throw new IllegalArgumentException("layers must hold at least one layer");
            }
            layers = List.copyOf(layers);
        }

        @Override
        public Layer build(Width in, Rng rng, String at) {
            return sequence(layers, in, rng, at + ".layers");
        }

        @Override
        public Width output(Width in, String at) {
            return through(layers, in, at + ".layers");
        }

        @Override
        public long paramCount(Width in) {
            return params(layers, in);
        }
    }

    /** Refuses (or clamps) input outside {@code [low, high]}; NaN always refused ({@link InputGuard}). */
    @Kind("input_guard")
    record InputGuardLayer(@Default("-Infinity") double low, @Default("Infinity") double high,
            @Default("\"reject\"") InputGuard.Policy policy) implements LayerSpec {
        public InputGuardLayer {
            Objects.requireNonNull(policy, "policy");
            if (!(low <= high)) {
                throw new IllegalArgumentException("need low <= high, got " + low + " and " + high);
            }
        }

        @Override
        public Layer build(Width in, Rng rng, String at) {
            return Double.isInfinite(low) && Double.isInfinite(high) && policy == InputGuard.Policy.REJECT ? InputGuard.finite()
                    : InputGuard.range(low, high, policy);
        }

        @Override
        public Width output(Width in, String at) {
            return flatOnly(in, at, "input_guard");
        }

        @Override
        public long paramCount(Width in) {
            return 0;
        }
    }

    /** Its layers, with a check that their output is finite, naming the first layer that is not ({@link OutputGuard}). */
    @Kind("output_guard")
    record OutputGuardLayer(List<LayerSpec> layers) implements LayerSpec {
        public OutputGuardLayer {
            if (layers == null || layers.isEmpty()) {
                throw new IllegalArgumentException("layers must hold at least one layer");
            }
            layers = List.copyOf(layers);
        }

        @Override
        public Layer build(Width in, Rng rng, String at) {
            return OutputGuard.around(sequence(layers, in, rng, at + ".layers"));
        }

        @Override
        public Width output(Width in, String at) {
            return through(layers, in, at + ".layers");
        }

        @Override
        public long paramCount(Width in) {
            return params(layers, in);
        }
    }
}
