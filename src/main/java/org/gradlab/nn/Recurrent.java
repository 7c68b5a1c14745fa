package org.gradlab.nn;

import org.gradlab.Checks;
import org.gradlab.host.ArraySlot;
import org.gradlab.host.Block;
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
 * <p><b>Speed.</b> Internally time-major. The input part of every step is one gemm over all
 * steps, the recurrent part one gemm per step, the gates fused Java loops; weight gradients are
 * one gemm each over all steps after the backward sweep. Buffers are kept and reused.
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
    private Block dTop;
    private Block bias;
    private Block ones;
    /** The hidden-state gradient norms of the last backward pass, null until {@link #hiddenGradNorms} measures them. */
    private double[][] gradNorms;
    /** The batch and steps of the last backward pass, or null before the first. */
    private int[] normsOf;

    /** What one layer of the stack keeps between forward and backward, in time-major blocks. */
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
        Block x;              // the input [time*batch, inSize] (for layers above the first, the output of the one below)
        int xOffset;
        Block h;              // hidden states [(time+1)*batch, hidden], step 0 the initial state
        Block c;              // Lstm: cell states, same layout
        Block aux;            // Lstm: tanh(c_t) [time*batch, hidden]; Gru: W_hn h + b_hn [time*batch, hidden]
        Block scratch;        // Gru: W_hh h of one step [batch, 3 hidden]
        Block gates;          // [time*batch, gates*hidden]: pre-activations, then activations
        Block dGates;         // dL/d(input-side pre-activations), same layout
        Block dGatesH;        // Gru: dL/d(hidden-side pre-activations); else dGates
        Block dh;             // dL/dh of the initial state [batch, hidden], after backward
        Block dc;             // Lstm: the cell-state gradient carried back [batch, hidden]
        Block dx;             // dL/d(input) [time*batch, inSize]
        double[] g1;          // windows of one step for the cells' loops: [batch, gates*hidden]...
        double[] g2;
        double[] g3;
        double[] v1;          // ...and [batch, hidden]
        double[] v2;
        double[] v3;
        double[] v4;
        double[] hiddenBias;  // bias_hh of this forward

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
        int bh = batch * hidden;
        Tape top = tapes[tapes.length - 1];
        INDArray hn = Nd4j.createUninitialized(type, tapes.length, batch, hidden);
        INDArray cn = top.c == null ? null : Nd4j.createUninitialized(type, tapes.length, batch, hidden);
        Block hnb = Block.of(hn, kind);
        Block cnb = cn == null ? null : Block.of(cn, kind);
        for (Tape tp : tapes) {
            hnb.copy(tp.index * bh, tp.h, time * bh, bh);
            if (cnb != null) {
                cnb.copy(tp.index * bh, tp.c, time * bh, bh);
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
        Block x = Block.read(input, kind);
        int bh = batch * hidden;
        for (Tape tp : tapes) {
            allocate(tp);
            if (tp.index == 0) {
                toTimeMajor(x, tp.x, in);
            } else {
                Tape below = tapes[tp.index - 1];
                tp.x = below.h;
                tp.xOffset = bh;
            }
            if (initial == null) {
                tp.h.zero(0, bh);
                if (tp.c != null) {
                    tp.c.zero(0, bh);
                }
            } else {
                tp.h.copy(0, Block.read(initial.h(), kind), tp.index * bh, bh);
                if (tp.c != null) {
                    tp.c.copy(0, Block.read(initial.c(), kind), tp.index * bh, bh);
                }
            }
            int g = gates * hidden;
            Block.gemm(false, true, time * batch, g, tp.inSize, 1, tp.x.at(tp.xOffset, tp.inSize), tp.w.at(0, tp.inSize),
                    0, tp.gates.at(0, g));
            addInputBias(tp);
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
        int bh = batch * hidden;
        INDArray dx = Nd4j.createUninitialized(type, batch, time, in);
        writeInputGradient(dx);
        INDArray dh0 = Nd4j.createUninitialized(type, tapes.length, batch, hidden);
        INDArray dc0 = tapes[0].dc == null ? null : Nd4j.createUninitialized(type, tapes.length, batch, hidden);
        Block dh0b = Block.of(dh0, kind);
        Block dc0b = dc0 == null ? null : Block.of(dc0, kind);
        for (Tape tp : tapes) {
            dh0b.copy(tp.index * bh, tp.dh, 0, bh);
            if (dc0b != null) {
                dc0b.copy(tp.index * bh, tp.dc, 0, bh);
            }
        }
        return new Gradients(dx, new State(dh0, dc0));
    }

    /** dL/d(input) of the last backward into {@code dx [batch, time, in]}. */
    private void writeInputGradient(INDArray dx) {
        fromTimeMajor(tapes[0].dx, 0, Block.of(dx, kind), in);
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
        int bh = batch * hidden;
        dTop = Block.reuse(dTop, type, (long) time * bh);
        if (gradOutput == null) {
            dTop.zero(0, time * bh);
        } else {
            toTimeMajor(Block.read(gradOutput, kind), dTop, hidden);
        }
        normsOf = new int[] {batch, time};
        gradNorms = null;
        for (int l = tapes.length - 1; l >= 0; l--) {
            Tape tp = tapes[l];
            // dL/d(this layer's outputs), our own buffer: each step adds the gradient it carries back
            // into the previous step's slot, so a slot holds dL/dh_t in full when its turn comes
            allocateBackward(tp);
            Block dy = l == tapes.length - 1 ? dTop : tapes[l + 1].dx;
            if (tp.dc != null) {
                tp.dc.zero(0, bh);
            }
            if (gradLast != null) {
                double[] last = dy.read((time - 1) * bh, tp.v4, bh);
                double[] given = Block.read(gradLast.h(), kind).read(l * bh, tp.v3, bh);
                for (int i = 0; i < bh; i++) {
                    last[i] += given[i];
                }
                dy.write((time - 1) * bh, last, bh);
                if (tp.dc != null) {
                    tp.dc.copy(0, Block.read(gradLast.c(), kind), l * bh, bh);
                }
            }
            for (int t = time - 1; t >= 0; t--) {
                backwardStep(tp, t, dy.read(t * bh, tp.v4, bh), t > 0 ? new Carry(dy, (t - 1) * bh) : new Carry(tp.dh, -1));
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
     * The norms of the last backward pass, measured on first request (most passes are never asked,
     * and a pass would otherwise spend a sequential sum over every step's dL/dh on them): each
     * layer's dL/d(outputs) buffer still holds dL/dh_t in full in step t's slot, as the sweep
     * left it (a forward pass does not write it).
     */
    private double[][] measureHiddenGradNorms() {
        if (normsOf == null) {
            return new double[0][];
        }
        int bh = normsOf[0] * hidden;
        int steps = normsOf[1];
        double[][] norms = new double[tapes.length][steps];
        double[] window = new double[bh];
        for (int l = 0; l < tapes.length; l++) {
            Block dy = l == tapes.length - 1 ? dTop : tapes[l + 1].dx;
            for (int t = 0; t < steps; t++) {
                double[] total = dy.read(t * bh, window, bh);
                double sq = 0;
                for (int i = 0; i < bh; i++) {
                    sq += total[i] * total[i];
                }
                norms[l][t] = Math.sqrt(sq);
            }
        }
        return norms;
    }

    /**
     * dW_ih = sum_t dG_t^T x_t, dW_hh = sum_t dGh_t^T h_{t-1}, biases the column sums (ones^T dG),
     * and, when {@code inputGradient}, dx = dG W_ih; one gemm each.
     */
    private void weightGradients(Tape tp, boolean inputGradient) {
        int rows = time * batch;
        int g = gates * hidden;
        Block.gemm(true, false, g, tp.inSize, rows, 1, tp.dGates.at(0, g), tp.x.at(tp.xOffset, tp.inSize), 0,
                Block.of(tp.wih.grad(), kind).at(0, tp.inSize));
        Block.gemm(true, false, g, hidden, rows, 1, tp.dGatesH.at(0, g), tp.h.at(0, hidden), 0,
                Block.of(tp.whh.grad(), kind).at(0, hidden));
        Block dbi = Block.of(tp.bih.grad(), kind);
        Block dbh = Block.of(tp.bhh.grad(), kind);
        Block.gemvTransposed(rows, g, tp.dGates.at(0, g), ones(), dbi);
        if (tp.dGatesH == tp.dGates) {
            dbh.copy(0, dbi, 0, g);
        } else {
            Block.gemvTransposed(rows, g, tp.dGatesH.at(0, g), ones(), dbh);
        }
        if (inputGradient) {
            Block.gemm(false, false, rows, tp.inSize, g, 1, tp.dGates.at(0, g), tp.w.at(0, tp.inSize), 0, tp.dx.at(0, tp.inSize));
        }
    }

    /**
     * Adds the biases to every step's pre-activations: {@code bias_ih} and, for the first
     * {@link #hiddenBiasesOutside()} columns, {@code bias_hh} (they only ever appear summed); a
     * rank-one gemm {@code ones bias^T}.
     */
    private void addInputBias(Tape tp) {
        int g = gates * hidden;
        int outside = hiddenBiasesOutside();
        bias = Block.reuse(bias, type, g);
        double[] sum = tp.bi.read(0, new double[g], g);
        for (int j = 0; j < outside; j++) {
            sum[j] += tp.hiddenBias[j];
        }
        bias.write(0, sum, g);
        Block.gemm(false, false, time * batch, g, 1, 1, ones().at(0, 1), bias.at(0, g), 1, tp.gates.at(0, g));
    }

    /** A column of {@code time * batch} ones, for bias sums and broadcasts as gemms. */
    private Block ones() {
        int n = time * batch;
        if (ones == null || ones.type() != type || ones.capacity() < n) {
            ones = Block.reuse(null, type, n);
            double[] all = new double[n];
            java.util.Arrays.fill(all, 1);
            ones.write(0, all, n);
        }
        return ones;
    }

    /** How many leading columns of {@code bias_hh} add straight to the pre-activations (all but Gru's candidate part). */
    int hiddenBiasesOutside() {
        return gates * hidden;
    }

    /**
     * Step {@code t} of the layer: {@code tp.gates} holds the input side of its pre-activations;
     * computes the new states into step {@code t + 1} of {@code tp.h} (and {@code tp.c}).
     */
    abstract void forwardStep(Tape tp, int t);

    /**
     * Step {@code t} backward: {@code dh} holds dL/dh_t in full (from the outputs and the later
     * steps), and {@code tp.dc} the cell-state gradient from step t+1; writes the step's
     * pre-activation gradients, adds dL/dh_{t-1} through this step to {@code carry}, and leaves
     * dL/dc_{t-1} in {@code tp.dc}.
     */
    abstract void backwardStep(Tape tp, int t, double[] dh, Carry carry);

    /**
     * Where a step sends the gradient of the previous hidden state: added to the previous step's
     * slot of the layer's output gradient, or, at step 0, written to {@code tp.dh} (offset -1).
     */
    record Carry(Block block, int offset) {
        /** Adds {@code v[0, n)} to the target ({@code window} is scratch of that size). */
        void add(double[] v, double[] window, int n) {
            if (offset < 0) {
                block.write(0, v, n);
                return;
            }
            double[] w = block.read(offset, window, n);
            for (int i = 0; i < n; i++) {
                w[i] += v[i];
            }
            block.write(offset, w, n);
        }

        /** 1 when the target already holds a gradient to add to, else 0. */
        double beta() {
            return offset < 0 ? 0 : 1;
        }
    }

    /** Whether the cell keeps cell states (Lstm). */
    boolean hasCellState() {
        return false;
    }

    /** Whether the hidden side has pre-activation gradients of its own (Gru's reset gate acts inside). */
    boolean separateHiddenGradients() {
        return false;
    }

    /** {@code gates[t] += h_{t-1} W_hh^T} (beta 1) into the step's pre-activations. */
    final void recurrentInto(Tape tp, int t, Block c, int cOffset, double beta) {
        int g = gates * hidden;
        Block.gemm(false, true, batch, g, hidden, 1, tp.h.at(t * batch * hidden, hidden), tp.u.at(0, hidden), beta,
                c.at(cOffset, g));
    }

    /**
     * {@code carry += dG_t W_hh} ({@code added}: the cell already put a direct term there, else
     * the carry's own beta): the gradient carried to the previous step through the recurrent weights.
     */
    final void recurrentBack(Tape tp, Block dGates, int t, Carry carry, boolean added) {
        int g = gates * hidden;
        Block.gemm(false, false, batch, hidden, g, 1, dGates.at(t * batch * g, g), tp.u.at(0, hidden),
                added ? 1 : carry.beta(), carry.block().at(Math.max(carry.offset(), 0), hidden));
    }

    int batch() {
        return batch;
    }

    private void allocate(Tape tp) {
        long rows = (long) time * batch;
        long bh = (long) batch * hidden;
        int g = gates * hidden;
        tp.w = Block.of(tp.wih.value(), kind);
        tp.u = Block.of(tp.whh.value(), kind);
        tp.bi = Block.of(tp.bih.value(), kind);
        tp.bh = Block.of(tp.bhh.value(), kind);
        if (tp.index == 0) {
            tp.x = Block.reuse(tp.x, type, rows * in);
        }
        tp.h = Block.reuse(tp.h, type, rows * hidden + bh);
        tp.gates = Block.reuse(tp.gates, type, rows * g);
        if (hasCellState()) {
            tp.c = Block.reuse(tp.c, type, rows * hidden + bh);
        }
        if (hasCellState() || separateHiddenGradients()) {
            tp.aux = Block.reuse(tp.aux, type, rows * hidden);
        }
        if (separateHiddenGradients()) {
            tp.scratch = Block.reuse(tp.scratch, type, (long) batch * g);
        }
        int bg = Math.toIntExact((long) batch * g);
        tp.g1 = Block.window(tp.g1, bg);
        tp.g2 = Block.window(tp.g2, bg);
        tp.g3 = Block.window(tp.g3, bg);
        tp.v1 = Block.window(tp.v1, (int) bh);
        tp.v2 = Block.window(tp.v2, (int) bh);
        tp.v3 = Block.window(tp.v3, (int) bh);
        tp.v4 = Block.window(tp.v4, (int) bh);
        tp.hiddenBias = tp.bh.read(0, Block.window(tp.hiddenBias, g), g);
    }

    /** The gradient buffers, only once backward runs (evaluation never needs them). */
    private void allocateBackward(Tape tp) {
        long rows = (long) time * batch;
        long bh = (long) batch * hidden;
        int g = gates * hidden;
        tp.dGates = Block.reuse(tp.dGates, type, rows * g);
        tp.dGatesH = separateHiddenGradients() ? Block.reuse(tp.dGatesH, type, rows * g) : tp.dGates;
        tp.dh = Block.reuse(tp.dh, type, bh);
        tp.dx = Block.reuse(tp.dx, type, rows * tp.inSize);
        if (hasCellState()) {
            tp.dc = Block.reuse(tp.dc, type, bh);
        }
    }

    /** {@code src [batch, time, width]} into {@code dst [time, batch, width]}. */
    private void toTimeMajor(Block src, Block dst, int width) {
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < time; t++) {
                dst.copy((t * batch + b) * width, src, (b * time + t) * width, width);
            }
        }
    }

    /** {@code src [time, batch, width]} from element {@code offset} into {@code dst [batch, time, width]}. */
    private void fromTimeMajor(Block src, int offset, Block dst, int width) {
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < time; t++) {
                dst.copy((b * time + t) * width, src, offset + (t * batch + b) * width, width);
            }
        }
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
