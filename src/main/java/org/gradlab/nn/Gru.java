package org.gradlab.nn;

import org.gradlab.host.Block;
import org.gradlab.host.Window;

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

    /** r and z from the input and hidden sides, {@code hn = W_hn h + b_hn}, n, then {@code h' = n + z (h - n)}. */
    @Override
    void forwardStep(Tape tp, int t) {
        int n = batch() * hidden();
        recurrentInto(tp, t, 0);
        Window r = gate(tp, 0, tp.gates, t, 0);
        Window z = gate(tp, 1, tp.gates, t, 1);
        Window cand = gate(tp, 2, tp.gates, t, 2);
        r.add(r, work(tp, 3, n).load(tp.scratch, 0)).sigmoid(r);
        z.add(z, work(tp, 3, n).load(tp.scratch, n)).sigmoid(z);
        Window hn = work(tp, 3, n).load(tp.scratch, 2 * n).addRowBias(tp.hiddenBias, 2 * hidden(), hidden());
        cand.mulAdd(r, hn, cand).tanh(cand);
        Window h = tp.hPrev.sub(tp.hPrev, cand).mulAdd(z, tp.hPrev, cand);
        storeGate(r, tp.gates, t, 0);
        storeGate(z, tp.gates, t, 1);
        storeGate(cand, tp.gates, t, 2);
        storeBlock(hn, tp.aux, t);
        storeHidden(tp, t + 1, h);
    }

    /**
     * {@code dn = dh (1 - z) (1 - n^2)}, {@code dr = dn hn r (1 - r)}, {@code dz = dh (h - n) z (1 - z)};
     * the hidden side's candidate gradient is {@code dn r}, and {@code dh z} reaches h_{t-1} directly.
     */
    @Override
    void backwardStep(Tape tp, int t, Window dh, Block dy) {
        int n = batch() * hidden();
        Window r = gate(tp, 0, tp.gates, t, 0);
        Window z = gate(tp, 1, tp.gates, t, 1);
        Window cand = gate(tp, 2, tp.gates, t, 2);
        Window hn = block(tp, 3, tp.aux, t);
        Window hPrev = hiddenState(tp, 4, t);
        Window dCand = work(tp, 5, n).tanhBackward(dh, cand);
        dCand.sub(dCand, work(tp, 6, n).mul(dCand, z));
        Window dr = work(tp, 6, n).mul(dCand, hn).sigmoidBackward(tp.work[6], r);
        Window dz = work(tp, 7, n).sub(hPrev, cand).mul(tp.work[7], dh).sigmoidBackward(tp.work[7], z);
        storeGate(dr, tp.dGates, t, 0);
        storeGate(dz, tp.dGates, t, 1);
        storeGate(dCand, tp.dGates, t, 2);
        storeGate(dr, tp.dGatesH, t, 0);
        storeGate(dz, tp.dGatesH, t, 1);
        storeGate(dCand.mul(dCand, r), tp.dGatesH, t, 2);
        recurrentBack(tp, t, dy, work(tp, 8, n).mul(dh, z));
    }
}
