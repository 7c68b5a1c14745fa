package org.gradlab.nn;

/**
 * Gated recurrent unit layers (Cho et al. 2014) as {@code torch.nn.GRU(in, hidden, layers,
 * batch_first=True)}, gates in PyTorch's order r, z, n, with the reset gate applied after the
 * hidden-side product as PyTorch (and cuDNN) do:
 * <pre>
 * r = s(W_ir x + b_ir + W_hr h + b_hr)    z = s(W_iz x + b_iz + W_hz h + b_hz)
 * n = tanh(W_in x + b_in + r * (W_hn h + b_hn))
 * h' = (1 - z) * n + z * h
 * </pre>
 * Layout, parameters, initial states and backward: see {@link Recurrent}.
 */
public final class Gru extends Recurrent {

    private Gru(int in, int hidden, int layers, Rng rng) {
        super("Gru", in, hidden, layers, 3, rng);
    }

    /** One layer, float32, PyTorch's default initialisation. */
    public static Gru of(int in, int hidden, Rng rng) {
        return of(in, hidden, 1, rng);
    }

    /** {@code layers} stacked layers, float32, PyTorch's default initialisation. */
    public static Gru of(int in, int hidden, int layers, Rng rng) {
        return new Gru(in, hidden, layers, rng);
    }

    @Override
    boolean separateHiddenGradients() {
        return true;
    }

    @Override
    int hiddenBiasesOutside() {
        return 2 * hidden();
    }

    @Override
    void forwardStep(Tape tp, int t) {
        int n = batch();
        int hid = hidden();
        int bh = n * hid;
        recurrentInto(tp, t, tp.scratch, 0, 0);
        for (int b = 0; b < n; b++) {
            int base = (t * n + b) * 3 * hid;
            int s = b * 3 * hid;
            for (int j = 0; j < hid; j++) {
                int k = t * bh + b * hid + j;
                double r = Block.sigmoid(tp.gates.get(base + j) + tp.scratch.get(s + j));
                double z = Block.sigmoid(tp.gates.get(base + hid + j) + tp.scratch.get(s + hid + j));
                double hn = tp.scratch.get(s + 2 * hid + j) + tp.bh.get(2 * hid + j);
                double cand = tp.gates.tanh(tp.gates.get(base + 2 * hid + j) + r * hn);
                tp.gates.set(base + j, r);
                tp.gates.set(base + hid + j, z);
                tp.gates.set(base + 2 * hid + j, cand);
                tp.aux.set(k, hn);
                tp.h.set(k + bh, (1 - z) * cand + z * tp.h.get(k));
            }
        }
    }

    @Override
    void backwardStep(Tape tp, int t) {
        int n = batch();
        int hid = hidden();
        int bh = n * hid;
        for (int b = 0; b < n; b++) {
            int base = (t * n + b) * 3 * hid;
            for (int j = 0; j < hid; j++) {
                int k = b * hid + j;
                double r = tp.gates.get(base + j);
                double z = tp.gates.get(base + hid + j);
                double cand = tp.gates.get(base + 2 * hid + j);
                double dh = tp.dh.get(k);
                double dCand = dh * (1 - z) * (1 - cand * cand);
                double dr = dCand * tp.aux.get(t * bh + k) * r * (1 - r);
                double dz = dh * (tp.h.get(t * bh + k) - cand) * z * (1 - z);
                tp.dGates.set(base + j, dr);
                tp.dGates.set(base + hid + j, dz);
                tp.dGates.set(base + 2 * hid + j, dCand);
                tp.dGatesH.set(base + j, dr);
                tp.dGatesH.set(base + hid + j, dz);
                tp.dGatesH.set(base + 2 * hid + j, dCand * r);
                tp.dh.set(k, dh * z);
            }
        }
        recurrentBack(tp, tp.dGatesH, t, 1);
    }
}
