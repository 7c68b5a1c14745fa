package org.gradlab.diagnostics;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The curvature evidence the {@link Doctor} cites when it names a cause: the network's Jacobian
 * spectrum at initialisation ({@link JacobianSpectrum}: how much the layers stretch a signal, and
 * so a gradient, on their way through the depth) and the sharpness just before the event against
 * the stability limit of the rate and optimizer the run used ({@link SharpnessCallback.Sample}).
 * Either may be missing (null). {@code FixReplay} measures both: the spectrum on a freshly built
 * model, the sharpness at the last healthy state its replays start from.
 *
 * @param atInit      the Jacobian spectrum at initialisation, or null
 * @param beforeEvent the sharpness at the last healthy step before the event, or null
 */
public record Curvature(JacobianSpectrum.Result atInit, SharpnessCallback.Sample beforeEvent) {
    /** Nothing measured. */
    public static final Curvature NONE = new Curvature(null, null);

    /** The same with the sharpness before the event. */
    public Curvature withSharpness(SharpnessCallback.Sample s) {
        return new Curvature(atInit, s);
    }

    /**
     * The evidence in words, the kind that bears on {@code cause} first (the Jacobian for the
     * initialisation, vanishing gradients and the structure; the sharpness for the rate and
     * gradient spikes); empty when nothing was measured.
     */
    public String words(Doctor.Cause cause) {
        List<String> parts = new ArrayList<>();
        String j = jacobianWords();
        String s = sharpnessWords();
        boolean depth = cause == Doctor.Cause.INITIALISATION || cause == Doctor.Cause.VANISHING || cause == Doctor.Cause.STRUCTURE;
        for (String w : depth ? new String[] {j, s} : new String[] {s, j}) {
            if (w != null) {
                parts.add(w);
            }
        }
        return String.join(" ", parts);
    }

    /**
     * "At initialisation the whole network's input-output Jacobian has largest singular value 893
     * (1 keeps a perturbation's scale): about 1.76 per Linear layer over 12, so gradients grow
     * with depth."
     */
    String jacobianWords() {
        if (atInit == null) {
            return null;
        }
        double network = atInit.network();
        long dense = atInit.table().stringColumn("kind").asList().stream().filter(k -> k.contains("Dense(")).count();
        double perLayer = dense > 0 ? Math.pow(network, 1.0 / dense) : Double.NaN;
        String trend = network > 10 ? "so the signal, and the gradient, grow with depth"
                : network < 0.1 ? "so the signal, and the gradient, shrink with depth" : "close to keeping their scale";
        return String.format(Locale.ROOT, "Jacobian at initialisation: the whole network's largest singular value is %s (1 keeps "
                + "a perturbation's scale), about %s per Linear layer over %d, %s.", Tables.g3(network), Tables.g3(perLayer), dense,
                trend);
    }

    /** "Sharpness at step 120, before the event: 45.1, 2.37 times the stability limit 19.0 of rate 0.2 with this optimizer." */
    String sharpnessWords() {
        if (beforeEvent == null) {
            return null;
        }
        boolean adam = !Double.isNaN(beforeEvent.adamThreshold());
        double value = adam ? beforeEvent.adamSharpness() : beforeEvent.sharpness();
        double limit = adam ? beforeEvent.adamThreshold()
                : Double.isNaN(beforeEvent.sgdThreshold()) ? beforeEvent.gdThreshold() : beforeEvent.sgdThreshold();
        double over = value / limit;
        return String.format(Locale.ROOT, "%s at step %d, before the event: %s, %s times the stability limit %s of rate %s with "
                + "this optimizer (%s).", adam ? "Adam's preconditioned sharpness" : "Sharpness", beforeEvent.step(),
                Tables.g3(value), Tables.g3(over), Tables.g3(limit), Tables.g3(beforeEvent.lr()),
                over >= 1 ? "past the edge of stability: a step this large grows along the sharpest direction"
                        : "inside the edge of stability on this batch");
    }
}
