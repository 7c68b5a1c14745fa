package org.gradlab.nn;

/**
 * Long short-term memory layers (Hochreiter and Schmidhuber 1997, with a forget gate, Gers et al.
 * 2000) as {@code torch.nn.LSTM(in, hidden, layers, batch_first=True)}, gates in PyTorch's order
 * i, f, g, o:
 * <pre>
 * i = s(W_ii x + b_ii + W_hi h + b_hi)    f = s(W_if x + b_if + W_hf h + b_hf)
 * g = tanh(W_ig x + b_ig + W_hg h + b_hg) o = s(W_io x + b_io + W_ho h + b_ho)
 * c' = f * c + i * g                      h' = o * tanh(c')
 * </pre>
 * States are {@code (h, c)}; layout, parameters and backward: see {@link Recurrent}.
 */
public final class Lstm extends Recurrent {

    private Lstm(int in, int hidden, int layers, Rng rng) {
        super("Lstm", in, hidden, layers, 4, rng);
    }

    /** One layer, float32, PyTorch's default initialisation. */
    public static Lstm of(int in, int hidden, Rng rng) {
        return of(in, hidden, 1, rng);
    }

    /** {@code layers} stacked layers, float32, PyTorch's default initialisation. */
    public static Lstm of(int in, int hidden, int layers, Rng rng) {
        return new Lstm(in, hidden, layers, rng);
    }

    @Override
    boolean hasCellState() {
        return true;
    }

    @Override
    void forwardStep(Tape tp, int t) {
        int n = batch();
        int hid = hidden();
        int bh = n * hid;
        recurrentInto(tp, t, tp.gates, t * bh * 4, 1);
        for (int b = 0; b < n; b++) {
            int base = (t * n + b) * 4 * hid;
            for (int j = 0; j < hid; j++) {
                int k = t * bh + b * hid + j;
                double i = Block.sigmoid(tp.gates.get(base + j));
                double f = Block.sigmoid(tp.gates.get(base + hid + j));
                double g = tp.gates.tanh(tp.gates.get(base + 2 * hid + j));
                double o = Block.sigmoid(tp.gates.get(base + 3 * hid + j));
                tp.gates.set(base + j, i);
                tp.gates.set(base + hid + j, f);
                tp.gates.set(base + 2 * hid + j, g);
                tp.gates.set(base + 3 * hid + j, o);
                double c = f * tp.c.get(k) + i * g;
                double tc = tp.c.tanh(c);
                tp.c.set(k + bh, c);
                tp.aux.set(k, tc);
                tp.h.set(k + bh, o * tc);
            }
        }
    }

    @Override
    void backwardStep(Tape tp, int t) {
        int n = batch();
        int hid = hidden();
        int bh = n * hid;
        for (int b = 0; b < n; b++) {
            int base = (t * n + b) * 4 * hid;
            for (int j = 0; j < hid; j++) {
                int k = b * hid + j;
                double i = tp.gates.get(base + j);
                double f = tp.gates.get(base + hid + j);
                double g = tp.gates.get(base + 2 * hid + j);
                double o = tp.gates.get(base + 3 * hid + j);
                double tc = tp.aux.get(t * bh + k);
                double dh = tp.dh.get(k);
                double dc = tp.dc.get(k) + dh * o * (1 - tc * tc);
                tp.dc.set(k, dc * f);
                tp.dGates.set(base + j, dc * g * i * (1 - i));
                tp.dGates.set(base + hid + j, dc * tp.c.get(t * bh + k) * f * (1 - f));
                tp.dGates.set(base + 2 * hid + j, dc * i * (1 - g * g));
                tp.dGates.set(base + 3 * hid + j, dh * tc * o * (1 - o));
            }
        }
        recurrentBack(tp, tp.dGates, t, 0);
    }
}
