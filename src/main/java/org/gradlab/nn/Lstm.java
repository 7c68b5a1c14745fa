package org.gradlab.nn;

import org.gradlab.host.Block;
import org.gradlab.host.Window;

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

    /** i, f, o sigmoids and g a tanh of the pre-activations; {@code c' = f c + i g}, {@code h' = o tanh(c')}. */
    @Override
    void forwardStep(Tape tp, int t) {
        int n = batch() * hidden();
        recurrentInto(tp, t, 1);
        Window i = gate(tp, 0, tp.gates, t, 0);
        Window f = gate(tp, 1, tp.gates, t, 1);
        Window g = gate(tp, 2, tp.gates, t, 2);
        Window o = gate(tp, 3, tp.gates, t, 3);
        i.sigmoid(i);
        f.sigmoid(f);
        g.tanh(g);
        o.sigmoid(o);
        Window c = tp.cPrev.mul(f, tp.cPrev).mulAdd(i, g, tp.cPrev);
        Window tc = work(tp, 4, n).tanh(c);
        Window h = tp.hPrev.mul(o, tc);
        storeGate(i, tp.gates, t, 0);
        storeGate(f, tp.gates, t, 1);
        storeGate(g, tp.gates, t, 2);
        storeGate(o, tp.gates, t, 3);
        storeCell(tp, t + 1, c);
        storeBlock(tc, tp.aux, t);
        storeHidden(tp, t + 1, h);
    }

    /**
     * {@code dc_t = dc + dh o (1 - tanh(c)^2)}; {@code di = dc_t g i (1 - i)}, {@code df = dc_t c_{t-1} f (1 - f)},
     * {@code dg = dc_t i (1 - g^2)}, {@code do = dh tanh(c) o (1 - o)}; {@code dc_t f} goes back to step t-1.
     */
    @Override
    void backwardStep(Tape tp, int t, Window dh, Block dy) {
        int n = batch() * hidden();
        Window i = gate(tp, 0, tp.gates, t, 0);
        Window f = gate(tp, 1, tp.gates, t, 1);
        Window g = gate(tp, 2, tp.gates, t, 2);
        Window o = gate(tp, 3, tp.gates, t, 3);
        Window tc = block(tp, 4, tp.aux, t);
        Window cPrev = cell(tp, 5, t);
        Window dc = tp.dc.add(tp.dc, work(tp, 6, n).mul(dh, o).tanhBackward(tp.work[6], tc));
        storeGate(work(tp, 6, n).mul(dc, g).sigmoidBackward(tp.work[6], i), tp.dGates, t, 0);
        storeGate(work(tp, 6, n).mul(dc, cPrev).sigmoidBackward(tp.work[6], f), tp.dGates, t, 1);
        storeGate(work(tp, 6, n).mul(dc, i).tanhBackward(tp.work[6], g), tp.dGates, t, 2);
        storeGate(work(tp, 6, n).mul(dh, tc).sigmoidBackward(tp.work[6], o), tp.dGates, t, 3);
        dc.mul(dc, f);
        recurrentBack(tp, t, dy, null);
    }
}
