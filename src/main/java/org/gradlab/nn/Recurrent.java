package org.gradlab.nn;

import org.gradlab.Checks;
import org.gradlab.host.ArraySlot;
import org.gradlab.host.Block;
import org.gradlab.host.Window;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A stack of recurrent layers ({@link Rnn}, {@link Gru}, {@link Lstm}) with PyTorch's parameters,
 * gate order and equations, trained by backpropagation through time.
 *
 * <p><b>Layout.</b> Input {@code [batch, time, features]} and output {@code [batch, time, hidden]}
 * (the top layer's hidden state at every step), as PyTorch's {@code batch_first=True}; states
 * {@code [layers, batch, hidden]} as in PyTorch whatever the input layout. Parameters per layer
 * {@code k}: {@code weight_ih_lk [gates*hidden, in]}, {@code weight_hh_lk [gates*hidden, hidden]},
 * {@code bias_ih_lk}, {@code bias_hh_lk [gates*hidden]}, all initialised U(-1/sqrt(hidden),
 * 1/sqrt(hidden)) as PyTorch does, so a PyTorch {@code state_dict} loads with
 * {@link #loadStateDict} and gives the same numbers. To classify a sequence, take the last step
 * with {@link LastStep} into a {@link Dense} head:
 *
 * <pre>{@code
 * Sequential model = Sequential.of(Sequences.rows(28), Rnn.tanh(28, 128, rng), LastStep.of(), Dense.of(128, 10, rng));
 * }</pre>
 *
 * <p><b>Backward</b> sums each weight's gradient over the time steps (the same matrices act at
 * every step) and writes it, overwriting, like every layer. {@link #forward(INDArray, State)} takes
 * initial states and returns the final ones; {@link #backward(INDArray, State)} takes gradients of
 * the outputs and of the final states and returns those of the input and of the initial states.
 * The norm of {@code dL/dh_t} reaching each step is kept ({@link #hiddenGradNorms()}), which is how
 * gradients explode or vanish through time (Bengio, Simard and Frasconi 1994; Pascanu, Mikolov
 * and Bengio 2013).
 *
 * <p><b>Speed.</b> The input part of every step is one gemm over all steps, the recurrent part
 * one gemm per step, the weight gradients one gemm each over all steps after the backward sweep;
 * buffers are kept and reused. Inside, every step is feature-major, {@code [features, batch]}
 * (PyTorch's cuDNN path lays its workspace out the same way): each step's gemm then has the
 * batch as its short side, {@code [gates*hidden, batch] += W_hh [gates*hidden, hidden] h^T}, the
 * orientation in which OpenBLAS multiplies a batch of 32 about 35% faster than
 * {@code h W_hh^T} (measured on this machine's kernels: 95 against 69 GFLOP/s for a GRU's
 * forward, 87 against 68 backward with a transposed copy of W_hh). The gates are
 * {@link Window} kernels over whole gate blocks ({@code hidden * batch} entries, no per-example
 * loop), in the parameters' precision. Batch-first arrays are transposed on the way in and out.
 */
public abstract sealed class Recurrent implements Layer permits Rnn, Gru, Lstm {

    /** Hidden states {@code h [layers, batch, hidden]} and, for {@link Lstm}, cell states {@code c} of the same shape (else null). */
    public record State(INDArray h, INDArray c) {
        /** A state without cell state (Rnn, Gru). */
        public static State of(INDArray h) {
            return new State(h, null);
        }
    }

    /** The top layer's output at every step {@code [batch, time, hidden]} and the last step's states. */
    public record Output(INDArray output, State last) {
    }

    /** dL/d(input) {@code [batch, time, in]} and dL/d(initial states). */
    public record Gradients(INDArray input, State initial) {
    }

    private final String kind;
    private final int in;
    private final int hidden;
    private final int gates;
    private final Tape[] tapes;
    private final List<Param> params = new ArrayList<>();
    private int batch;
    private int time;
    private DataType type;
    private boolean forwarded;
    private INDArray output;
    private INDArray gradInput;
    /** The arrays {@link #output} and {@link #gradInput} are written into, kept per shape (training and evaluation batches). */
    private final ArraySlot outputs = new ArraySlot();
    private final ArraySlot gradInputs = new ArraySlot();
    /** dL/d(the top layer's outputs) {@code [hidden, time*batch]}. */
    private Block dTop;
    /** Whole-sequence windows for the transposes in and out. */
    private Window wide;
    private Window wideT;
    private Block bias;
    private Block ones;
    /** The hidden-state gradient norms of the last backward pass, null until {@link #hiddenGradNorms} measures them. */
    private double[][] gradNorms;
    /** The batch and steps of the last backward pass, or null before the first. */
    private int[] normsOf;

    /**
     * What one layer of the stack keeps between forward and backward. Matrices over the steps are
     * {@code [rows, time*batch]} with step {@code t} in columns {@code [t*batch, (t+1)*batch)};
     * tapes only Java reads are one contiguous {@code [rows, batch]} block per step.
     */
    static final class Tape {
        final int index;
        final int inSize;
        final Param wih;
        final Param whh;
        final Param bih;
        final Param bhh;
        Block w;              // weight_ih, weight_hh, bias_ih, bias_hh of this forward
        Block u;
        Block bi;
        Block bh;
        Block dw;             // their gradients
        Block du;
        Block dbi;
        Block dbh;
        Block uT;             // weight_hh transposed [hidden, gates*hidden], for the backward sweep
        Block x;              // the input time-major [time*batch, inSize] from xOffset: layer 0's own copy; above, the states below
        int xOffset;
        Block h;              // hidden states time-major [(time+1)*batch, hidden], step 0 the initial state: gemm operands and the output
        Block hF;             // the same states, a [hidden, batch] block per step, for the cells' backward
        Block c;              // Lstm: cell states, a [hidden, batch] block per step, step 0 the initial state
        Block gates;          // pre-activations [gates*hidden, time*batch], each step's columns then its activations (Rnn: h is its own)
        Block aux;            // Lstm: tanh(c_t); Gru: W_hn h + b_hn; a [hidden, batch] block per step
        Block scratch;        // Gru: W_hh h of one step [3 hidden, batch]
        Block dGates;         // dL/d(input-side pre-activations) [gates*hidden, time*batch]
        Block dGatesH;        // Gru: dL/d(hidden-side pre-activations); else dGates
        Block dh;             // dL/dh of the initial state [hidden, batch], after backward
        Block dx;             // dL/d(input) [inSize, time*batch]
        Window hiddenBias;    // bias_hh of this forward
        Window hPrev;         // h_{t-1} and c_{t-1} during the forward sweep, [hidden, batch]
        Window cPrev;
        Window dc;            // Lstm: dL/dc carried back through the sweep [hidden, batch]
        Window gradH;         // dL/dh_t of the backward step in progress [hidden, batch]
        final Window[] work = new Window[12];    // the cells' per-step windows

        Tape(int index, int inSize, Param wih, Param whh, Param bih, Param bhh) {
            this.index = index;
            this.inSize = inSize;
            this.wih = wih;
            this.whh = whh;
            this.bih = bih;
            this.bhh = bhh;
        }
    }

    Recurrent(String kind, int in, int hidden, int layers, int gates, Rng rng) {
        this.kind = kind;
        this.in = Checks.positive(kind, "in", in);
        this.hidden = Checks.positive(kind, "hidden", hidden);
        this.gates = gates;
        tapes = new Tape[Checks.positive(kind, "layers", layers)];
        int g = gates * hidden;
        Init init = Init.pytorchDefault();
        for (int l = 0; l < layers; l++) {
            int inSize = l == 0 ? in : hidden;
            Param wih = param(init.weight(), "weight_ih_l" + l, rng, g, inSize);
            Param whh = param(init.weight(), "weight_hh_l" + l, rng, g, hidden);
            Param bih = param(init.bias(), "bias_ih_l" + l, rng, g);
            Param bhh = param(init.bias(), "bias_hh_l" + l, rng, g);
            params.addAll(List.of(wih, whh, bih, bhh));
            tapes[l] = new Tape(l, inSize, wih, whh, bih, bhh);
        }
    }

    /** A float32 parameter drawn as PyTorch's RNNBase does: every tensor with fan-in {@code hidden}. */
    private Param param(Init.Sampler sampler, String name, Rng rng, long... shape) {
        int n = Math.toIntExact(Arrays.stream(shape).reduce(1, (a, b) -> a * b));
        double[] v = sampler.sample(hidden, (int) shape[0], n, rng);
        return new Param(name, Nd4j.create(v, shape, DataType.DOUBLE).castTo(DataType.FLOAT));
    }

    public int in() {
        return in;
    }

    public int hidden() {
        return hidden;
    }

    public int layers() {
        return tapes.length;
    }

    /**
     * Runs the input through every layer and step from zero initial states; returns the output at
     * every step, in an array this layer reuses from call to call ({@code dup()} it to keep it).
     */
    @Override
    public INDArray forward(INDArray input) {
        run(input, null);
        output = outputs.get(type, batch, time, hidden);
        writeOutput(output);
        return output;
    }

    /**
     * Runs {@code input [batch, time, in]} from {@code initial} states (null: zeros); returns the top
     * layer's output at every step and every layer's last states, in new arrays.
     */
    public Output forward(INDArray input, State initial) {
        run(input, initial);
        INDArray out = Nd4j.createUninitialized(type, batch, time, hidden);
        writeOutput(out);
        int n = batch * hidden;
        INDArray hn = Nd4j.createUninitialized(type, tapes.length, batch, hidden);
        INDArray cn = hasCellState() ? Nd4j.createUninitialized(type, tapes.length, batch, hidden) : null;
        for (Tape tp : tapes) {
            Block.of(hn, kind).copy(tp.index * n, tp.h, time * n, n);
            if (cn != null) {
                toBatchMajor(tp, cell(tp, 0, time), Block.of(cn, kind), tp.index * n);
            }
        }
        return new Output(out, new State(hn, cn));
    }

    /** The forward sweep: every layer and step from {@code initial} (null: zeros), into the tapes. */
    private void run(INDArray input, State initial) {
        if (input.rank() != 3 || input.size(2) != in || input.size(0) == 0 || input.size(1) == 0) {
            throw new IllegalArgumentException(this + ": input must be [batch, time, " + in + "] (batch first), got "
                    + Arrays.toString(input.shape()));
        }
        type = tapes[0].wih.value().dataType();
        if (input.dataType() != type) {
            throw new IllegalArgumentException(this + ": input is " + input.dataType() + " but the parameters are " + type);
        }
        batch = Math.toIntExact(input.size(0));
        time = Math.toIntExact(input.size(1));
        checkState("initial", initial);
        int n = batch * hidden;
        int cols = time * batch;
        int g = gates * hidden;
        for (Tape tp : tapes) {
            allocate(tp);
            if (tp.index == 0) {
                toTimeMajor(Block.read(input, kind), 0, tp.x, in);
            } else {
                tp.x = tapes[tp.index - 1].h;
                tp.xOffset = n;
            }
            Block.gemm(false, true, g, cols, tp.inSize, 1, tp.w.at(0, tp.inSize), tp.x.at(tp.xOffset, tp.inSize), 0,
                    tp.gates.at(0, cols));
            addInputBias(tp);
            tp.hPrev = Window.reuse(tp.hPrev, type, n);
            tp.cPrev = Window.reuse(tp.cPrev, type, n);
            if (initial == null) {
                tp.hPrev.zero();
                tp.cPrev.zero();
            } else {
                fromBatchMajor(tp, Block.read(initial.h(), kind), tp.index * n, tp.hPrev);
                if (hasCellState()) {
                    fromBatchMajor(tp, Block.read(initial.c(), kind), tp.index * n, tp.cPrev);
                }
            }
            storeHidden(tp, 0, tp.hPrev);
            if (hasCellState()) {
                storeCell(tp, 0, tp.cPrev);
            }
            for (int t = 0; t < time; t++) {
                forwardStep(tp, t);
            }
        }
        forwarded = true;
    }

    /** The top layer's hidden states of every step into {@code out [batch, time, hidden]}. */
    private void writeOutput(INDArray out) {
        fromTimeMajor(tapes[tapes.length - 1].h, batch * hidden, Block.of(out, kind), hidden);
    }

    /**
     * Backward through time from dL/d(output) with zero gradient on the final states; returns
     * dL/d(input) in an array this layer reuses from call to call.
     */
    @Override
    public INDArray backward(INDArray gradOutput) {
        return backward(gradOutput, true);
    }

    /** As {@link #backward(INDArray)}; without {@code needInputGradient} the first layer skips its dL/dx gemm and null is returned. */
    @Override
    public INDArray backward(INDArray gradOutput, boolean needInputGradient) {
        sweep(gradOutput, null, needInputGradient);
        if (!needInputGradient) {
            return null;
        }
        gradInput = gradInputs.get(type, batch, time, in);
        writeInputGradient(gradInput);
        return gradInput;
    }

    /**
     * Backward through time from dL/d(output at every step) (null: zero) and dL/d(last states) (null:
     * zero): writes every parameter's gradient, summed over the steps, and returns dL/d(input) and
     * dL/d(initial states), in new arrays.
     */
    public Gradients backward(INDArray gradOutput, State gradLast) {
        sweep(gradOutput, gradLast, true);
        int n = batch * hidden;
        INDArray dx = Nd4j.createUninitialized(type, batch, time, in);
        writeInputGradient(dx);
        INDArray dh0 = Nd4j.createUninitialized(type, tapes.length, batch, hidden);
        INDArray dc0 = hasCellState() ? Nd4j.createUninitialized(type, tapes.length, batch, hidden) : null;
        for (Tape tp : tapes) {
            toBatchMajor(tp, work(tp, 0, n).load(tp.dh, 0), Block.of(dh0, kind), tp.index * n);
            if (dc0 != null) {
                toBatchMajor(tp, tp.dc, Block.of(dc0, kind), tp.index * n);
            }
        }
        return new Gradients(dx, new State(dh0, dc0));
    }

    /** dL/d(input) of the last backward into {@code dx [batch, time, in]}. */
    private void writeInputGradient(INDArray dx) {
        int cols = time * batch;
        wide = Window.reuse(wide, type, in * cols).load(tapes[0].dx, 0);
        wideT = Window.reuse(wideT, type, in * cols);
        wideT.transpose(wide, in);
        Block out = Block.of(dx, kind);
        for (int t = 0; t < time; t++) {    // step t's rows, time-major in the window, to every example's step t
            wideT.storeRows(t * batch * in, batch, in, out, t * in, time * in);
        }
    }

    /** The backward sweep: every layer's steps, weight gradients and (but for the first layer's, unless asked) dL/dx. */
    private void sweep(INDArray gradOutput, State gradLast, boolean needInputGradient) {
        if (!forwarded) {
            throw new IllegalStateException(this + ": backward called before forward");
        }
        if (gradOutput != null && (!Arrays.equals(gradOutput.shape(), new long[] {batch, time, hidden})
                || gradOutput.dataType() != type)) {
            throw new IllegalArgumentException(this + ": gradient must be " + type + " [" + batch + ", " + time + ", "
                    + hidden + "] like the output, got " + gradOutput.dataType() + Arrays.toString(gradOutput.shape()));
        }
        checkState("last-state gradient", gradLast);
        int n = batch * hidden;
        int cols = time * batch;
        dTop = Block.reuse(dTop, type, (long) hidden * cols);
        if (gradOutput == null) {
            dTop.zero(0, hidden * cols);
        } else {
            Block given = Block.read(gradOutput, kind);
            wide = Window.reuse(wide, type, cols * hidden);
            for (int t = 0; t < time; t++) {    // every example's step t, time-major into the window
                wide.loadRows(given, t * hidden, time * hidden, batch, hidden, t * batch * hidden);
            }
            wideT = Window.reuse(wideT, type, cols * hidden);
            wideT.transpose(wide, cols);
            wideT.store(dTop, 0);
        }
        normsOf = new int[] {batch, time};
        gradNorms = null;
        for (int l = tapes.length - 1; l >= 0; l--) {
            Tape tp = tapes[l];
            // dL/d(this layer's outputs), our own buffer: each step adds the gradient it carries back
            // into the previous step's columns, so a step's columns hold dL/dh_t in full when its turn comes
            allocateBackward(tp);
            Block dy = l == tapes.length - 1 ? dTop : tapes[l + 1].dx;
            tp.dc = Window.reuse(tp.dc, type, n);
            tp.dc.zero();
            if (gradLast != null) {
                Window given = work(tp, 0, n);
                fromBatchMajor(tp, Block.read(gradLast.h(), kind), l * n, given);
                Window last = work(tp, 1, n).loadRows(dy, (time - 1) * batch, cols, hidden, batch, 0);
                last.add(last, given).storeRows(0, hidden, batch, dy, (time - 1) * batch, cols);
                if (hasCellState()) {
                    fromBatchMajor(tp, Block.read(gradLast.c(), kind), l * n, tp.dc);
                }
            }
            transposeRecurrentWeights(tp);
            for (int t = time - 1; t >= 0; t--) {
                tp.gradH = Window.reuse(tp.gradH, type, n).loadRows(dy, t * batch, cols, hidden, batch, 0);
                backwardStep(tp, t, tp.gradH, dy);
            }
            weightGradients(tp, needInputGradient || l > 0);
        }
    }

    /**
     * The norm of dL/dh_t over the batch (the gradient reaching each step's hidden state, from the
     * outputs and through the later steps) in the last backward pass: {@code [layer][step]}.
     */
    public double[][] hiddenGradNorms() {
        if (gradNorms == null) {
            gradNorms = measureHiddenGradNorms();
        }
        double[][] copy = new double[gradNorms.length][];
        for (int l = 0; l < copy.length; l++) {
            copy[l] = gradNorms[l].clone();
        }
        return copy;
    }

    /**
     * The norms of the last backward pass, measured on first request (most passes are never asked):
     * each layer's dL/d(outputs) buffer still holds dL/dh_t in full in step t's columns, as the
     * sweep left it (a forward pass does not write it).
     */
    private double[][] measureHiddenGradNorms() {
        if (normsOf == null) {
            return new double[0][];
        }
        int b = normsOf[0];
        int steps = normsOf[1];
        double[][] norms = new double[tapes.length][steps];
        Window window = Window.reuse(null, type, b * hidden);
        for (int l = 0; l < tapes.length; l++) {
            Block dy = l == tapes.length - 1 ? dTop : tapes[l + 1].dx;
            for (int t = 0; t < steps; t++) {
                norms[l][t] = Math.sqrt(window.loadRows(dy, t * b, steps * b, hidden, b, 0).sumSquares());
            }
        }
        return norms;
    }

    /**
     * dW_ih = sum_t dG_t^T x_t, dW_hh = sum_t dGh_t^T h_{t-1}, biases the row sums (dG ones),
     * and, when {@code inputGradient}, dx = W_ih^T dG; one gemm each.
     */
    private void weightGradients(Tape tp, boolean inputGradient) {
        int cols = time * batch;
        int g = gates * hidden;
        tp.dw = Block.of(tp.wih.grad(), kind, tp.dw);
        tp.du = Block.of(tp.whh.grad(), kind, tp.du);
        tp.dbi = Block.of(tp.bih.grad(), kind, tp.dbi);
        tp.dbh = Block.of(tp.bhh.grad(), kind, tp.dbh);
        Block.gemm(false, false, g, tp.inSize, cols, 1, tp.dGates.at(0, cols), tp.x.at(tp.xOffset, tp.inSize), 0,
                tp.dw.at(0, tp.inSize));
        Block.gemm(false, false, g, hidden, cols, 1, tp.dGatesH.at(0, cols), tp.h.at(0, hidden), 0, tp.du.at(0, hidden));
        Block.gemm(false, false, g, 1, cols, 1, tp.dGates.at(0, cols), ones().at(0, 1), 0, tp.dbi.at(0, 1));
        if (tp.dGatesH == tp.dGates) {
            tp.dbh.copy(0, tp.dbi, 0, g);
        } else {
            Block.gemm(false, false, g, 1, cols, 1, tp.dGatesH.at(0, cols), ones().at(0, 1), 0, tp.dbh.at(0, 1));
        }
        if (inputGradient) {
            Block.gemm(true, false, tp.inSize, cols, g, 1, tp.w.at(0, tp.inSize), tp.dGates.at(0, cols), 0, tp.dx.at(0, cols));
        }
    }

    /** {@code uT = W_hh^T}, so each backward step multiplies with the untransposed operand OpenBLAS handles fastest. */
    private void transposeRecurrentWeights(Tape tp) {
        int g = gates * hidden;
        tp.uT = Block.reuse(tp.uT, type, (long) g * hidden);
        Window u = work(tp, 0, g * hidden).load(tp.u, 0);
        work(tp, 1, g * hidden).transpose(u, g);
        tp.work[1].store(tp.uT, 0);
    }

    /**
     * Adds the biases to every step's pre-activations: {@code bias_ih} and, for the first
     * {@link #hiddenBiasesOutside()} rows, {@code bias_hh} (they only ever appear summed); a
     * rank-one gemm {@code bias ones^T}.
     */
    private void addInputBias(Tape tp) {
        int g = gates * hidden;
        int cols = time * batch;
        int outside = hiddenBiasesOutside();
        bias = Block.reuse(bias, type, g);
        bias.copy(0, tp.bi, 0, g);
        Window sum = work(tp, 0, outside).load(bias, 0);
        sum.add(sum, work(tp, 1, outside).load(tp.bh, 0)).store(bias, 0);
        Block.gemm(false, false, g, cols, 1, 1, bias.at(0, 1), ones().at(0, cols), 1, tp.gates.at(0, cols));
    }

    /** A row of {@code time * batch} ones, for bias sums and broadcasts as gemms. */
    private Block ones() {
        int n = time * batch;
        if (ones == null || ones.type() != type || ones.capacity() < n) {
            ones = Block.reuse(null, type, n);
            ones.fill(0, n, 1);
        }
        return ones;
    }

    /** How many leading rows of {@code bias_hh} add straight to the pre-activations (all but Gru's candidate part). */
    int hiddenBiasesOutside() {
        return gates * hidden;
    }

    /**
     * Step {@code t} of the layer: {@code tp.gates}' columns of step t hold the input side of its
     * pre-activations and {@code tp.hPrev} ({@code tp.cPrev}) the previous states; computes the new
     * states into step {@code t + 1} of {@code tp.h} (and {@code tp.c}) and into {@code tp.hPrev}.
     */
    abstract void forwardStep(Tape tp, int t);

    /**
     * Step {@code t} backward: {@code dh} holds dL/dh_t in full (from the outputs and the later
     * steps), and {@code tp.dc} the cell-state gradient from step t+1; writes the step's
     * pre-activation gradients, adds dL/dh_{t-1} through this step to step t-1's columns of
     * {@code dy} (at step 0: to {@code tp.dh}), and leaves dL/dc_{t-1} in {@code tp.dc}.
     */
    abstract void backwardStep(Tape tp, int t, Window dh, Block dy);

    /** Whether the cell keeps cell states (Lstm). */
    boolean hasCellState() {
        return false;
    }

    /** Whether the hidden side has pre-activation gradients of its own (Gru's reset gate acts inside). */
    boolean separateHiddenGradients() {
        return false;
    }

    /** Work window number {@code slot} of {@code size} entries, in the layer's precision. */
    final Window work(Tape tp, int slot, int size) {
        tp.work[slot] = Window.reuse(tp.work[slot], type, size);
        return tp.work[slot];
    }

    /** Gate {@code gate}'s rows of step {@code t} of a {@code [gates*hidden, time*batch]} matrix, into work window {@code slot}. */
    final Window gate(Tape tp, int slot, Block m, int t, int gate) {
        int cols = time * batch;
        return work(tp, slot, hidden * batch).loadRows(m, gate * hidden * cols + t * batch, cols, hidden, batch, 0);
    }

    /** Writes {@code w} as gate {@code gate}'s rows of step {@code t} of a {@code [gates*hidden, time*batch]} matrix. */
    final void storeGate(Window w, Block m, int t, int gate) {
        int cols = time * batch;
        w.storeRows(0, hidden, batch, m, gate * hidden * cols + t * batch, cols);
    }

    /** Block {@code index} of a tape of {@code [hidden, batch]} blocks ({@code aux}, {@code c}, {@code hF}), into work window {@code slot}. */
    final Window block(Tape tp, int slot, Block tape, int index) {
        int n = hidden * batch;
        return work(tp, slot, n).load(tape, index * n);
    }

    /** Writes {@code w} as block {@code index} of a tape of {@code [hidden, batch]} blocks. */
    final void storeBlock(Window w, Block tape, int index) {
        w.store(tape, index * hidden * batch);
    }

    /** h_t ({@code t} from 0, the initial state) into work window {@code slot}. */
    final Window hiddenState(Tape tp, int slot, int t) {
        return block(tp, slot, tp.hF, t);
    }

    /** Writes {@code w} as h_t: as it is for the cells' backward, and transposed, time-major, for the gemms and the output. */
    final void storeHidden(Tape tp, int t, Window w) {
        storeBlock(w, tp.hF, t);
        Window rows = work(tp, tp.work.length - 2, batch * hidden);
        rows.transpose(w, hidden);
        rows.store(tp.h, t * batch * hidden);
    }

    /** c_t (Lstm) into work window {@code slot}. */
    final Window cell(Tape tp, int slot, int t) {
        return block(tp, slot, tp.c, t);
    }

    /** Writes {@code w} as c_t. */
    final void storeCell(Tape tp, int t, Window w) {
        storeBlock(w, tp.c, t);
    }

    /** Step {@code t}'s recurrent part: {@code W_hh h_{t-1}} added to its pre-activations ({@code beta} 1) or written to {@code tp.scratch} (0). */
    final void recurrentInto(Tape tp, int t, double beta) {
        int g = gates * hidden;
        Block.Mat c = beta == 0 ? tp.scratch.at(0, batch) : tp.gates.at(t * batch, time * batch);
        Block.gemm(false, true, g, batch, hidden, 1, tp.u.at(0, hidden), tp.h.at(t * batch * hidden, hidden), beta, c);
    }

    /**
     * dL/dh_{t-1} through step t's recurrent weights, {@code W_hh^T dGh_t}, added to step t-1's
     * columns of {@code dy}, or at step 0 written to {@code tp.dh}; then {@code direct} (a cell's
     * term that skips the weights, or null) added to it.
     */
    final void recurrentBack(Tape tp, int t, Block dy, Window direct) {
        int g = gates * hidden;
        int cols = time * batch;
        Block.Mat target = t > 0 ? dy.at((t - 1) * batch, cols) : tp.dh.at(0, batch);
        Block.gemm(false, false, hidden, batch, g, 1, tp.uT.at(0, g), tp.dGatesH.at(t * batch, cols), t > 0 ? 1 : 0, target);
        if (direct != null) {
            int ld = t > 0 ? cols : batch;
            Window sum = work(tp, tp.work.length - 1, hidden * batch).loadRows(target.block(), target.offset(), ld, hidden, batch, 0);
            sum.add(sum, direct).storeRows(0, hidden, batch, target.block(), target.offset(), ld);
        }
    }

    int batch() {
        return batch;
    }

    private void allocate(Tape tp) {
        long cols = (long) time * batch;
        long n = (long) batch * hidden;
        int g = gates * hidden;
        tp.w = Block.of(tp.wih.value(), kind, tp.w);
        tp.u = Block.of(tp.whh.value(), kind, tp.u);
        tp.bi = Block.of(tp.bih.value(), kind, tp.bi);
        tp.bh = Block.of(tp.bhh.value(), kind, tp.bh);
        if (tp.index == 0) {
            tp.x = Block.reuse(tp.x, type, cols * in);
        }
        tp.h = Block.reuse(tp.h, type, (long) hidden * (cols + batch));
        tp.hF = Block.reuse(tp.hF, type, (long) hidden * (cols + batch));
        tp.gates = Block.reuse(tp.gates, type, cols * g);
        if (hasCellState()) {
            tp.c = Block.reuse(tp.c, type, n * (time + 1));
        }
        if (hasCellState() || separateHiddenGradients()) {
            tp.aux = Block.reuse(tp.aux, type, n * time);
        }
        if (separateHiddenGradients()) {
            tp.scratch = Block.reuse(tp.scratch, type, (long) g * batch);
        }
        tp.hiddenBias = Window.reuse(tp.hiddenBias, type, g).load(tp.bh, 0);
    }

    /** The gradient buffers, only once backward runs (evaluation never needs them). */
    private void allocateBackward(Tape tp) {
        long cols = (long) time * batch;
        int g = gates * hidden;
        tp.dGates = Block.reuse(tp.dGates, type, cols * g);
        tp.dGatesH = separateHiddenGradients() ? Block.reuse(tp.dGatesH, type, cols * g) : tp.dGates;
        tp.dh = Block.reuse(tp.dh, type, (long) batch * hidden);
        tp.dx = Block.reuse(tp.dx, type, cols * tp.inSize);
    }

    /** {@code src [batch, time, width]} into {@code dst [time, batch, width]} from element {@code to}. */
    private void toTimeMajor(Block src, int to, Block dst, int width) {
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < time; t++) {
                dst.copy(to + (t * batch + b) * width, src, (b * time + t) * width, width);
            }
        }
    }

    /** {@code src [time, batch, width]} from element {@code from} into {@code dst [batch, time, width]}. */
    private void fromTimeMajor(Block src, int from, Block dst, int width) {
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < time; t++) {
                dst.copy((b * time + t) * width, src, from + (t * batch + b) * width, width);
            }
        }
    }

    /** A {@code [batch, hidden]} state at {@code from} of {@code src} into {@code w} as {@code [hidden, batch]}. */
    private void fromBatchMajor(Tape tp, Block src, int from, Window w) {
        int n = batch * hidden;
        Window rows = work(tp, tp.work.length - 2, n).load(src, from);
        w.transpose(rows, batch);
    }

    /** A {@code [hidden, batch]} state {@code w} into {@code dst} from {@code to} as {@code [batch, hidden]}. */
    private void toBatchMajor(Tape tp, Window w, Block dst, int to) {
        Window rows = work(tp, tp.work.length - 2, batch * hidden);
        rows.transpose(w, hidden);
        rows.store(dst, to);
    }

    private void checkState(String what, State s) {
        if (s == null) {
            return;
        }
        long[] want = {tapes.length, batch, hidden};
        check(what + " h", s.h(), want);
        if (hasCellState()) {
            check(what + " c", s.c(), want);
        } else if (s.c() != null) {
            throw new IllegalArgumentException(this + ": has no cell state, but the " + what + " has one");
        }
    }

    private void check(String what, INDArray a, long[] want) {
        if (a == null || !Arrays.equals(a.shape(), want) || a.dataType() != type) {
            throw new IllegalArgumentException(this + ": " + what + " must be " + type + " " + Arrays.toString(want)
                    + " [layers, batch, hidden], got " + (a == null ? "none" : a.dataType() + Arrays.toString(a.shape())));
        }
    }

    @Override
    public List<Param> params() {
        return List.copyOf(params);
    }

    @Override
    public String toString() {
        return kind + "(" + in + "->" + hidden + (tapes.length > 1 ? ", layers " + tapes.length : "") + ")";
    }
}
