package org.gradlab.diagnostics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.gradlab.nn.Activation;
import org.gradlab.nn.BatchNorm;
import org.gradlab.nn.Dense;
import org.gradlab.nn.Dropout;
import org.gradlab.nn.Gru;
import org.gradlab.nn.LastStep;
import org.gradlab.nn.Layer;
import org.gradlab.nn.LayerNorm;
import org.gradlab.nn.Lstm;
import org.gradlab.nn.Residual;
import org.gradlab.nn.Rng;
import org.gradlab.nn.Rnn;
import org.gradlab.nn.Scale;
import org.gradlab.nn.Sequences;
import org.gradlab.nn.Sequential;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A float64 copy of a model for measurements that must not touch it: the same layers, parameter
 * values, buffers (BatchNorm's running statistics) and generator states, in the {@link Regime}
 * asked for. The original is only read: its parameters, gradients, buffers, generators, mode and
 * forward caches stay as they were, bit for bit.
 *
 * <p>The copy is built layer by layer from each kind's public description (a Dense's sizes, an
 * activation's kind, a dropout's rate and generator state, a normalisation's eps and momentum,
 * ...). A layer kind not listed in {@link #copy} (the guards, user-defined layers) is refused with
 * an {@link IllegalArgumentException} naming it.
 */
final class Twin {
    private final Layer model;
    private final Map<Rng, Long> rngStates = new LinkedHashMap<>();

    private Twin(Layer model) {
        this.model = model;
        model.namedRngs().values().forEach(r -> rngStates.put(r, r.state()));
    }

    /** A float64 copy of {@code model} in {@code regime}; {@code who} names the caller in messages. */
    static Twin of(String who, Layer model, Regime regime) {
        Objects.requireNonNull(regime, who + ": regime");
        Layer copy = copy(who, model).to(DataType.DOUBLE);
        Map<String, INDArray> state = new LinkedHashMap<>();
        model.namedParams().forEach((n, p) -> state.put(n, p.value().castTo(DataType.DOUBLE)));
        model.namedBuffers().forEach((n, b) -> state.put(n, b.castTo(DataType.DOUBLE)));
        copy.loadStateDict(state);
        copy.setTraining(regime == Regime.TRAINING);
        return new Twin(copy);
    }

    /** The float64 copy. */
    Layer model() {
        return model;
    }

    /**
     * Rewinds the copy's generators to the state they were copied with, so every forward pass in
     * the training regime draws the same dropout masks (the ones the original would draw next).
     */
    void rewind() {
        rngStates.forEach(Rng::restore);
    }

    /** A fresh layer of {@code layer}'s kind and settings (parameter values are loaded afterwards). */
    private static Layer copy(String who, Layer layer) {
        Rng unused = Rng.seeded(0);
        if (layer instanceof Sequential s) {
            List<Layer> layers = new ArrayList<>();
            s.layers().forEach(l -> layers.add(copy(who, l)));
            return Sequential.of(layers);
        } else if (layer instanceof Dense d) {
            return Dense.of(d.in(), d.out(), unused);
        } else if (layer instanceof Activation a) {
            return Activation.of(a.kind());
        } else if (layer instanceof Dropout d) {
            return Dropout.of(d.p(), Rng.seeded(d.rng().state()));
        } else if (layer instanceof Scale s) {
            return Scale.of(s.factor());
        } else if (layer instanceof Residual r) {
            return Residual.of(copy(who, r.block()));
        } else if (layer instanceof BatchNorm b) {
            return BatchNorm.of(b.features(), b.eps(), b.momentum());
        } else if (layer instanceof LayerNorm l) {
            return LayerNorm.of(l.features(), l.eps());
        } else if (layer instanceof Rnn r) {
            return Rnn.of(r.nonlinearity(), r.in(), r.hidden(), r.layers(), unused);
        } else if (layer instanceof Gru r) {
            return Gru.of(r.in(), r.hidden(), r.layers(), unused);
        } else if (layer instanceof Lstm r) {
            return Lstm.of(r.in(), r.hidden(), r.layers(), unused);
        } else if (layer instanceof LastStep) {
            return LastStep.of();
        } else if (layer instanceof Sequences s) {
            return Sequences.rows(s.width());
        }
        throw new IllegalArgumentException(who + ": cannot copy layer " + layer + " (" + layer.getClass().getName()
                + ") into float64; supported are Sequential, Dense, Activation, Dropout, Scale, Residual, BatchNorm, "
                + "LayerNorm, Rnn, Gru, Lstm, Sequences and LastStep (measure the model inside a guard)");
    }
}
