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
        int g = 3 * hid;
        recurrentInto(tp, t, tp.scratch, 0, 0);
        double[] a = tp.gates.read(t * bh * 3, tp.g1, bh * 3);
        double[] fromH = tp.scratch.read(0, tp.g2, bh * 3);
        double[] hPrev = tp.h.read(t * bh, tp.v1, bh);
        double[] hn = tp.v2;
        double[] h = tp.v3;
        for (int b = 0; b < n; b++) {
            int base = b * g;
            for (int j = 0; j < 2 * hid; j++) {
                a[base + j] += fromH[base + j];
            }
            tp.gates.sigmoid(a, base, 2 * hid);
            for (int j = 0; j < hid; j++) {
                hn[b * hid + j] = fromH[base + 2 * hid + j] + tp.hiddenBias[2 * hid + j];
                a[base + 2 * hid + j] += a[base + j] * hn[b * hid + j];
            }
            tp.gates.tanh(a, base + 2 * hid, hid);
            for (int j = 0; j < hid; j++) {
                int k = b * hid + j;
                double z = a[base + hid + j];
                h[k] = (1 - z) * a[base + 2 * hid + j] + z * hPrev[k];
            }
        }
        tp.gates.write(t * bh * 3, a, bh * 3);
        tp.aux.write(t * bh, hn, bh);
        tp.h.write((t + 1) * bh, h, bh);
    }

    @Override
    void backwardStep(Tape tp, int t, double[] dh, Carry carry) {
        int n = batch();
        int hid = hidden();
        int bh = n * hid;
        int g = 3 * hid;
        double[] a = tp.gates.read(t * bh * 3, tp.g1, bh * 3);
        double[] hn = tp.aux.read(t * bh, tp.v1, bh);
        double[] hPrev = tp.h.read(t * bh, tp.v2, bh);
        double[] di = tp.g2;
        double[] dhid = tp.g3;
        double[] direct = tp.v3;
        for (int b = 0; b < n; b++) {
            int base = b * g;
            for (int j = 0; j < hid; j++) {
                int k = b * hid + j;
                double r = a[base + j];
                double z = a[base + hid + j];
                double cand = a[base + 2 * hid + j];
                double dCand = dh[k] * (1 - z) * (1 - cand * cand);
                double dr = dCand * hn[k] * r * (1 - r);
                double dz = dh[k] * (hPrev[k] - cand) * z * (1 - z);
                di[base + j] = dr;
                di[base + hid + j] = dz;
                di[base + 2 * hid + j] = dCand;
                dhid[base + j] = dr;
                dhid[base + hid + j] = dz;
                dhid[base + 2 * hid + j] = dCand * r;
                direct[k] = dh[k] * z;
            }
        }
        tp.dGates.write(t * bh * 3, di, bh * 3);
        tp.dGatesH.write(t * bh * 3, dhid, bh * 3);
        carry.add(direct, tp.v2, bh);
        recurrentBack(tp, tp.dGatesH, t, carry, true);
    }
}
