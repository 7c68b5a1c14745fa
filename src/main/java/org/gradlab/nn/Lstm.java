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
        int g = 4 * hid;
        recurrentInto(tp, t, tp.gates, t * bh * 4, 1);
        double[] a = tp.gates.read(t * bh * 4, tp.g1, bh * 4);
        double[] cPrev = tp.c.read(t * bh, tp.v1, bh);
        double[] c = tp.v2;
        double[] tc = tp.v3;
        double[] h = tp.v4;
        for (int b = 0; b < n; b++) {
            int base = b * g;
            tp.gates.sigmoid(a, base, 2 * hid);
            tp.gates.tanh(a, base + 2 * hid, hid);
            tp.gates.sigmoid(a, base + 3 * hid, hid);
            for (int j = 0; j < hid; j++) {
                int k = b * hid + j;
                c[k] = a[base + hid + j] * cPrev[k] + a[base + j] * a[base + 2 * hid + j];
                tc[k] = c[k];
            }
        }
        tp.gates.tanh(tc, 0, bh);
        for (int b = 0; b < n; b++) {
            for (int j = 0; j < hid; j++) {
                int k = b * hid + j;
                h[k] = a[b * g + 3 * hid + j] * tc[k];
            }
        }
        tp.gates.write(t * bh * 4, a, bh * 4);
        tp.c.write((t + 1) * bh, c, bh);
        tp.aux.write(t * bh, tc, bh);
        tp.h.write((t + 1) * bh, h, bh);
    }

    @Override
    void backwardStep(Tape tp, int t, double[] dh, Carry carry) {
        int n = batch();
        int hid = hidden();
        int bh = n * hid;
        int g = 4 * hid;
        double[] a = tp.gates.read(t * bh * 4, tp.g1, bh * 4);
        double[] tc = tp.aux.read(t * bh, tp.v1, bh);
        double[] cPrev = tp.c.read(t * bh, tp.v2, bh);
        double[] dc = tp.dc.read(0, tp.v3, bh);
        double[] da = tp.g2;
        for (int b = 0; b < n; b++) {
            int base = b * g;
            for (int j = 0; j < hid; j++) {
                int k = b * hid + j;
                double i = a[base + j];
                double f = a[base + hid + j];
                double gg = a[base + 2 * hid + j];
                double o = a[base + 3 * hid + j];
                double dct = dc[k] + dh[k] * o * (1 - tc[k] * tc[k]);
                dc[k] = dct * f;
                da[base + j] = dct * gg * i * (1 - i);
                da[base + hid + j] = dct * cPrev[k] * f * (1 - f);
                da[base + 2 * hid + j] = dct * i * (1 - gg * gg);
                da[base + 3 * hid + j] = dh[k] * tc[k] * o * (1 - o);
            }
        }
        tp.dc.write(0, dc, bh);
        tp.dGates.write(t * bh * 4, da, bh * 4);
        recurrentBack(tp, tp.dGates, t, carry, false);
    }
}
