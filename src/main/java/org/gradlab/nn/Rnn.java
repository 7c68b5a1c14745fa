package org.gradlab.nn;

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
        int bh = batch() * hidden();
        recurrentInto(tp, t, tp.gates, t * bh, 1);
        double[] a = tp.gates.read(t * bh, tp.v1, bh);
        if (nonlinearity == Nonlinearity.TANH) {
            tp.h.tanh(a, 0, bh);
        } else {
            for (int i = 0; i < bh; i++) {
                a[i] = Math.max(a[i], 0);
            }
        }
        tp.h.write((t + 1) * bh, a, bh);
    }

    @Override
    void backwardStep(Tape tp, int t, double[] dh, Carry carry) {
        int bh = batch() * hidden();
        double[] h = tp.h.read((t + 1) * bh, tp.v1, bh);
        double[] da = tp.v2;
        if (nonlinearity == Nonlinearity.TANH) {
            for (int i = 0; i < bh; i++) {
                da[i] = dh[i] * (1 - h[i] * h[i]);
            }
        } else {
            for (int i = 0; i < bh; i++) {
                da[i] = h[i] > 0 ? dh[i] : 0;
            }
        }
        tp.dGates.write(t * bh, da, bh);
        recurrentBack(tp, tp.dGates, t, carry, false);
    }
}
