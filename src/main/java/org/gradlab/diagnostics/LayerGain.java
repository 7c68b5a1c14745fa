package org.gradlab.diagnostics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.gradlab.nn.Dense;
import org.gradlab.nn.Layer;
import org.gradlab.nn.Loss;
import org.gradlab.nn.Rng;
import org.gradlab.nn.Sequential;
import org.nd4j.linalg.api.ndarray.INDArray;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * How much each block of a model amplifies the signal at initialisation, forward and backward.
 * A block is a {@link Dense} layer with the layers after it up to the next Dense (its
 * activation, normalisation, dropout). For one batch, the forward gain of a block is
 * {@code rms(output) / rms(input)} and its backward gain {@code rms(dL/d input) / rms(dL/d output)},
 * with {@code rms} the root mean square per unit. The means and flags leave out the output block,
 * whose gain is set by the number of outputs rather than the initialisation. An initialisation that keeps signals at one
 * scale (He et al. 2015 for ReLU, Glorot and Bengio 2010 for tanh) has gains near 1; a product of
 * gains above {@link #TOO_LARGE} per block grows geometrically with depth (exploding
 * activations and gradients), one below {@link #VANISHING} shrinks (vanishing gradients).
 *
 * <pre>{@code
 * LayerGain.Result g = LayerGain.measure(model, batch.features(), batch.targets(), Loss.crossEntropy());
 * System.out.println(g.table().print());   // block, layers, forward_gain, backward_gain, flag
 * }</pre>
 *
 * <p>The model is put back exactly as it was (parameters, buffers, random generators).
 */
public final class LayerGain {
    /** A gain per block above this flags a too-large initialisation. */
    public static final double TOO_LARGE = 1.2;
    /** A gain per block below this flags a vanishing one. */
    public static final double VANISHING = 0.8;

    private LayerGain() {
    }

    /**
     * The gains per block ({@code table}: block, layers, forward_gain, backward_gain, flag), the
     * geometric mean gain per block forward and backward, and the overall verdict: {@code "too
     * large"}, {@code "vanishing"} or {@code "balanced"}.
     */
    public record Result(Table table, double forwardPerBlock, double backwardPerBlock, String verdict) {

        /** True when the mean gain per block, forward or backward, is above {@link #TOO_LARGE}. */
        public boolean tooLarge() {
            return verdict.equals("too large");
        }

        /** One sentence with the numbers. */
        public String summary() {
            return String.format(Locale.ROOT, "at initialisation each of the %d blocks before the output multiplies the "
                    + "signal by %.3g forward and the gradient by %.3g backward on average (geometric mean; balanced is %.1f "
                    + "to %.1f): %s", Math.max(1, table.rowCount() - 1), forwardPerBlock, backwardPerBlock, VANISHING, TOO_LARGE, verdict);
        }
    }

    /** Measures the gains of {@code model} on one batch ({@code features}, one-hot {@code targets}). */
    public static Result measure(Layer model, INDArray features, INDArray targets, Loss loss) {
        List<List<Map.Entry<String, Layer>>> blocks = blocks(model);
        if (blocks.isEmpty()) {
            throw new IllegalArgumentException("layerGain: the model has no Dense layer to measure");
        }
        Map<String, INDArray> saved = model.stateDict();
        Map<String, Rng> rngs = model.namedRngs();
        Map<String, Long> rngStates = new LinkedHashMap<>();
        rngs.forEach((n, r) -> rngStates.put(n, r.state()));
        try {
            return gains(model, blocks, features, targets, loss);
        } finally {
            model.loadStateDict(saved);
            rngStates.forEach((n, s) -> rngs.get(n).restore(s));
        }
    }

    private static Result gains(Layer model, List<List<Map.Entry<String, Layer>>> blocks, INDArray features,
            INDArray targets, Loss loss) {
        model.setTraining(false);
        int n = blocks.size();
        double[] rmsIn = new double[n];
        double[] rmsOut = new double[n];
        INDArray x = features;
        for (int b = 0; b < n; b++) {
            rmsIn[b] = rms(x);
            for (Map.Entry<String, Layer> l : blocks.get(b)) {
                x = l.getValue().forward(x);
            }
            rmsOut[b] = rms(x);
        }
        INDArray g = loss.evaluate(x, targets).gradient();
        double[] gradOut = new double[n];
        double[] gradIn = new double[n];
        for (int b = n - 1; b >= 0; b--) {
            gradOut[b] = rms(g);
            List<Map.Entry<String, Layer>> block = blocks.get(b);
            for (int k = block.size() - 1; k >= 0; k--) {
                g = block.get(k).getValue().backward(g);
            }
            gradIn[b] = rms(g);
        }
        model.setTraining(true);
        double[] fwd = new double[n];
        double[] bwd = new double[n];
        String[] names = new String[n];
        String[] flags = new String[n];
        double logF = 0;
        double logB = 0;
        int hidden = n > 1 ? n - 1 : n;   // the output block's gain is set by the number of outputs, not the init
        for (int b = 0; b < n; b++) {
            fwd[b] = rmsOut[b] / rmsIn[b];
            bwd[b] = gradIn[b] / gradOut[b];
            names[b] = String.join(" ", blocks.get(b).stream().map(e -> e.getKey() + ":" + e.getValue().getClass().getSimpleName()).toList());
            flags[b] = b < hidden ? flag(Math.max(fwd[b], bwd[b]), Math.min(fwd[b], bwd[b])) : "output";
            if (b < hidden) {
                logF += Math.log(fwd[b]);
                logB += Math.log(bwd[b]);
            }
        }
        double f = Math.exp(logF / hidden);
        double bw = Math.exp(logB / hidden);
        Table t = Table.create("layer gains at initialisation",
                StringColumn.create("block", java.util.stream.IntStream.range(0, n).mapToObj(Integer::toString).toList()),
                StringColumn.create("layers", names), DoubleColumn.create("forward_gain", fwd),
                DoubleColumn.create("backward_gain", bwd), StringColumn.create("flag", flags));
        Tables.roundDoubles(t, 3);
        String verdict = flag(Math.max(f, bw), Math.min(f, bw));
        return new Result(t, f, bw, verdict.isEmpty() ? "balanced" : verdict);
    }

    private static String flag(double high, double low) {
        return high > TOO_LARGE ? "too large" : low < VANISHING ? "vanishing" : "";
    }

    /** Top-level layers grouped into blocks, each starting at a Dense; layers before the first Dense join it. */
    static List<List<Map.Entry<String, Layer>>> blocks(Layer model) {
        Map<String, Layer> children = model instanceof Sequential ? model.children() : Map.of("model", model);
        List<List<Map.Entry<String, Layer>>> blocks = new ArrayList<>();
        List<Map.Entry<String, Layer>> pending = new ArrayList<>();
        for (Map.Entry<String, Layer> c : children.entrySet()) {
            if (c.getValue() instanceof Dense && pending.stream().anyMatch(e -> e.getValue() instanceof Dense)) {
                blocks.add(pending);
                pending = new ArrayList<>();
            }
            pending.add(c);
        }
        if (pending.stream().anyMatch(e -> e.getValue() instanceof Dense) || !(model instanceof Sequential)) {
            blocks.add(pending);
        } else if (!blocks.isEmpty()) {
            blocks.get(blocks.size() - 1).addAll(pending);
        }
        return blocks;
    }

    /** Summed in Java, in order: ND4J's norm2 splits its sum by the OMP_NUM_THREADS the process started with. */
    private static double rms(INDArray a) {
        return Math.sqrt(java.util.Arrays.stream(a.dup('c').data().asDouble()).map(v -> v * v).sum() / a.length());
    }
}
