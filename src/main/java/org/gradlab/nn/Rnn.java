package org.gradlab.nn;

import org.gradlab.host.Block;
import org.gradlab.host.Window;

/**
 * Elman recurrent layers with a tanh or ReLU nonlinearity, as {@code torch.nn.RNN(in, hidden,
 * layers, nonlinearity, batch_first=True)}:
 * {@code h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)}.
 * Layout, parameters, initial states and backward: see {@link Recurrent}.
 *
 * <pre>{@code
 * Sequential model = Sequential.of(Sequences.rows(28), Rnn.tanh(28, 128, rng), LastStep.of(), Dense.of(128, 10, rng));
 * }</pre>
 */
public final class Rnn extends Recurrent {

    /** The cell's nonlinearity, PyTorch's {@code nonlinearity="tanh"} or {@code "relu"}. */
    public enum Nonlinearity {
        TANH, RELU
    }

    private final Nonlinearity nonlinearity;

    private Rnn(Nonlinearity nonlinearity, int in, int hidden, int layers, Rng rng) {
        super(nonlinearity == Nonlinearity.TANH ? "Rnn" : "RnnRelu", in, hidden, layers, 1, rng);
        this.nonlinearity = nonlinearity;
    }

    /** One tanh layer, float32, PyTorch's default initialisation. */
    public static Rnn tanh(int in, int hidden, Rng rng) {
        return of(Nonlinearity.TANH, in, hidden, 1, rng);
    }

    /** One ReLU layer, float32, PyTorch's default initialisation. */
    public static Rnn relu(int in, int hidden, Rng rng) {
        return of(Nonlinearity.RELU, in, hidden, 1, rng);
    }

    /** {@code layers} stacked layers (each feeds its hidden states to the next), float32, PyTorch's default initialisation. */
    public static Rnn of(Nonlinearity nonlinearity, int in, int hidden, int layers, Rng rng) {
        return new Rnn(java.util.Objects.requireNonNull(nonlinearity, "nonlinearity"), in, hidden, layers, rng);
    }

    public Nonlinearity nonlinearity() {
        return nonlinearity;
    }

    @Override
    void forwardStep(Tape tp, int t) {
        recurrentInto(tp, t, 1);
        Window a = gate(tp, 0, tp.gates, t, 0);
        tp.hPrev = nonlinearity == Nonlinearity.TANH ? tp.hPrev.tanh(a) : tp.hPrev.relu(a);
        storeHidden(tp, t + 1, tp.hPrev);
    }

    @Override
    void backwardStep(Tape tp, int t, Window dh, Block dy) {
        Window h = hiddenState(tp, 0, t + 1);
        Window da = nonlinearity == Nonlinearity.TANH ? dh.tanhBackward(dh, h) : dh.reluBackward(dh, h);
        storeGate(da, tp.dGates, t, 0);
        recurrentBack(tp, t, dy, null);
    }
}
