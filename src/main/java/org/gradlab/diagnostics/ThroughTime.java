package org.gradlab.diagnostics;

import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.gradlab.nn.Layer;
import org.gradlab.nn.Loss;
import org.gradlab.nn.Recurrent;
import org.nd4j.linalg.api.ndarray.INDArray;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.numbers.NumberColumnFormatter;

/**
 * How the gradient travels back through time in a model's recurrent layers: the norm of
 * {@code dL/dh_t} (over the batch) reaching each step's hidden state in one backward pass. With
 * the loss on the last step only (a sequence classifier), the norm at distance {@code k} from the
 * end is the gradient after {@code k} multiplications by the recurrent Jacobian, so it shrinks
 * geometrically when the Jacobian contracts (vanishing) and grows when it expands (exploding);
 * Bengio, Simard and Frasconi 1994, Pascanu, Mikolov and Bengio 2013.
 *
 * <pre>{@code
 * Table t = ThroughTime.measure(model, Loss.crossEntropy(), batch.features(), batch.targets());
 * System.out.println(t.print());                      // layer, level, step, distance, grad_norm, vs_last
 * System.out.println(ThroughTime.growthPerStep(t));  // e.g. 0.83: the gradient loses 17% per step back
 * XYChart chart = ThroughTimeChart.of(t);            // org.gradlab.plot
 * }</pre>
 */
public final class ThroughTime {
    private ThroughTime() {
    }

    /**
     * Runs {@code model} forward and backward on one batch (without updating it; parameter
     * gradients are overwritten as by a training step's backward) and tabulates the gradient
     * norms through time of every recurrent layer.
     */
    public static Table measure(Layer model, Loss loss, INDArray features, INDArray targets) {
        INDArray out = model.forward(features);
        model.backward(loss.evaluate(out, targets).gradient());
        return table(model);
    }

    /**
     * The gradient norms through time of every recurrent layer of {@code model} in its last
     * backward pass (e.g. right after a trainer's step): one row per layer of each stack and step,
     * with columns {@code layer} (the recurrent layer's name in the model, e.g. {@code "1"}),
     * {@code level} (its place in the stack, 0 at the bottom), {@code step}, {@code distance}
     * (steps before the last), {@code grad_norm} and {@code vs_last} (the norm over the last
     * step's).
     */
    public static Table table(Layer model) {
        Map<String, Recurrent> recurrent = recurrentLayers(model);
        if (recurrent.isEmpty()) {
            throw new IllegalArgumentException("ThroughTime: the model has no recurrent layer (Rnn, Gru, Lstm)");
        }
        StringColumn name = StringColumn.create("layer");
        IntColumn level = IntColumn.create("level");
        IntColumn step = IntColumn.create("step");
        IntColumn distance = IntColumn.create("distance");
        DoubleColumn norm = DoubleColumn.create("grad_norm");
        DoubleColumn vsLast = DoubleColumn.create("vs_last");
        recurrent.forEach((n, r) -> {
            double[][] norms = r.hiddenGradNorms();
            if (norms.length == 0) {
                throw new IllegalArgumentException("ThroughTime: recurrent layer " + n + " has not run backward yet");
            }
            for (int l = 0; l < norms.length; l++) {
                int time = norms[l].length;
                double last = norms[l][time - 1];
                for (int t = 0; t < time; t++) {
                    name.append(n);
                    level.append(l);
                    step.append(t);
                    distance.append(time - 1 - t);
                    norm.append(norms[l][t]);
                    vsLast.append(norms[l][t] / last);
                }
            }
        });
        NumberColumnFormatter fourDigits = new NumberColumnFormatter(new DecimalFormat("0.000E0", DecimalFormatSymbols.getInstance(Locale.ROOT)));
        norm.setPrintFormatter(fourDigits);   // norms span many decades once gradients explode or vanish
        vsLast.setPrintFormatter(fourDigits);
        return Table.create("gradient norm through time", name, level, step, distance, norm, vsLast);
    }

    /**
     * The geometric mean factor by which the norm changes per step back in time, from the last
     * step to the first, over the top recurrent layer of the table's first recurrent stack:
     * {@code (norm_0 / norm_{T-1})^(1 / (T - 1))}; below 1 the gradient vanishes with distance,
     * above 1 it explodes. NaN for a single step or a zero norm.
     */
    public static double growthPerStep(Table throughTime) {
        String first = throughTime.stringColumn("layer").get(0);
        Table own = throughTime.where(throughTime.stringColumn("layer").isEqualTo(first));
        int top = (int) own.intColumn("level").max();
        Table rows = own.where(own.intColumn("level").isEqualTo(top));
        int time = rows.rowCount();
        double first0 = rows.doubleColumn("grad_norm").get(0);
        double last = rows.doubleColumn("grad_norm").get(time - 1);
        return time < 2 || last == 0 ? Double.NaN : Math.pow(first0 / last, 1.0 / (time - 1));
    }

    /** Every recurrent layer in {@code model}, by its full name ({@code ""} for the model itself). */
    private static Map<String, Recurrent> recurrentLayers(Layer model) {
        Map<String, Recurrent> out = new LinkedHashMap<>();
        List<Map.Entry<String, Layer>> todo = new ArrayList<>(List.of(Map.entry("", model)));
        while (!todo.isEmpty()) {
            Map.Entry<String, Layer> e = todo.remove(0);
            if (e.getValue() instanceof Recurrent r) {
                out.put(e.getKey(), r);
            }
            List<Map.Entry<String, Layer>> children = new ArrayList<>();
            e.getValue().children().forEach((n, c) -> children.add(Map.entry(e.getKey().isEmpty() ? n : e.getKey() + "." + n, c)));
            todo.addAll(0, children);
        }
        return out;
    }
}
