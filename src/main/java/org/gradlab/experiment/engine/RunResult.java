package org.gradlab.experiment.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.gradlab.diagnostics.Failure;
import org.gradlab.diagnostics.Forecaster;
import org.gradlab.diagnostics.SharpnessCallback;
import org.gradlab.experiment.spec.RunSpec;

/**
 * What one run of a study recorded, in named groups. Gradient norms are global L2 norms over all
 * parameter gradients, measured after backward and before any clipping; a non-finite norm counts
 * as above every threshold. Steps are counted from 0; -1 means "never".
 *
 * @param spec    the run
 * @param end     how it ended: accuracy, losses per epoch, divergence, failure
 * @param norms   its gradient norms: at step 0, median, largest, first steps above thresholds, clipping
 * @param layers  per Linear layer and through time: where the gradient went
 * @param series  per-step series for charts
 * @param seconds wall time of the run
 * @param watch   what the forecaster read at every step, and what the spec's probes measured
 */
public record RunResult(RunSpec spec, End end, Norms norms, Layers layers, Series series, double seconds, Watch watch) {

    /** Below this final test accuracy a run has collapsed (chance is 0.1 on ten classes). */
    public static final double COLLAPSE_ACCURACY = 0.2;
    /** Below this (and at or above {@link #COLLAPSE_ACCURACY}) a run has degraded; at or above it, it trained. */
    public static final double TRAINED_ACCURACY = 0.8;
    /** A grad norm above this is an explosion. */
    public static final double EXPLOSION_NORM = 1e3;

    public RunResult {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(end, "end");
        Objects.requireNonNull(norms, "norms");
        Objects.requireNonNull(layers, "layers");
        Objects.requireNonNull(series, "series");
        Objects.requireNonNull(watch, "watch");
    }

    /** A run recorded without the forecaster's signals or probes (made-up runs, runs that could not train). */
    public RunResult(RunSpec spec, End end, Norms norms, Layers layers, Series series, double seconds) {
        this(spec, end, norms, layers, series, seconds, Watch.NONE);
    }

    /**
     * How a run ended.
     *
     * @param testAccuracy      final test accuracy (of the model as it was when the run stopped)
     * @param trainLoss         the last finished epoch's mean training loss (NaN if none finished)
     * @param epochTestAccuracy test accuracy after each finished epoch
     * @param epochTrainLoss    mean training loss of each finished epoch
     * @param divergedAt        the first step whose training loss was not finite (the run stopped there), or -1
     * @param lossSpikes        batch losses more than 1.5 nats above the median of the previous 50
     * @param failure           why the run could not be trained (one line), or null when it ran
     */
    public record End(double testAccuracy, double trainLoss, double[] epochTestAccuracy, double[] epochTrainLoss,
            long divergedAt, int lossSpikes, String failure) {
        public End {
            required(epochTestAccuracy, "epochTestAccuracy");
            required(epochTrainLoss, "epochTrainLoss");
        }
    }

    /**
     * The global gradient norm over the run.
     *
     * @param step0        at step 0
     * @param median       the median over the steps taken
     * @param max          the largest (infinite if one was not finite)
     * @param firstOver10  the first step above 10, or -1
     * @param firstOver100 the first step above 100, or -1
     * @param firstOver1e3 the first step above 1e3, or -1
     * @param clippedShare the share of steps a gradient transform changed
     */
    public record Norms(double step0, double median, double max, long firstOver10, long firstOver100, long firstOver1e3,
            double clippedShare) {
    }

    /**
     * Per Linear layer (and through time, for a recurrent model).
     *
     * @param names           the Linear layers' parameter prefixes, input to output
     * @param step0           each one's gradient norm (weight and bias) at step 0
     * @param atExplosion     each one's gradient norm at the first step above 1e3 (empty if never)
     * @param activationRatio at init, on the first 256 training examples in training mode: the norm of the last
     *                        hidden block's output over the first's
     * @param traceStride     steps per column of {@code trace}
     * @param trace           per window of {@code traceStride} steps, each layer's largest gradient norm
     * @param throughTime     for a recurrent model, the norm of dL/dh_t at each time step (top layer) in step 0's
     *                        backward pass; else empty
     */
    public record Layers(List<String> names, double[] step0, double[] atExplosion, double activationRatio, int traceStride,
            double[][] trace, double[] throughTime) {
        public Layers {
            names = List.copyOf(required(names, "names"));
            required(step0, "step0");
            required(atExplosion, "atExplosion");
            required(throughTime, "throughTime");
            for (double[] column : required(trace, "trace")) {
                required(column, "trace column");
            }
        }
    }

    /**
     * Per-step series.
     *
     * @param gradNorms the grad norm of every step taken
     * @param lrs       the learning rate of every step taken
     */
    public record Series(double[] gradNorms, double[] lrs) {
        public Series {
            required(gradNorms, "gradNorms");
            required(lrs, "lrs");
        }
    }

    /** {@code value}, or a {@link NullPointerException} naming it (a saved run with a null series is not a run result). */
    private static <T> T required(T value, String name) {
        return Objects.requireNonNull(value, () -> name + " is null, expected an array");
    }

    /**
     * What the {@link Forecaster} read, per step, and what the spec's probes measured.
     *
     * @param losses       the batch loss of every step taken (empty when not recorded)
     * @param updateRatios the largest update/weight ratio of a weight matrix at every step taken (NaN without an update)
     * @param sharpness    the sharpness samples, when the spec's probes ask for them
     * @param jacobian     the Jacobian spectrum at initialisation, when the spec's probes ask for it (else empty)
     */
    public record Watch(double[] losses, double[] updateRatios, List<SharpnessCallback.Sample> sharpness, Spectrum jacobian) {
        /** Nothing recorded. */
        public static final Watch NONE = new Watch(new double[0], new double[0], List.of(), Spectrum.NONE);

        public Watch {
            required(losses, "losses");
            required(updateRatios, "updateRatios");
            sharpness = List.copyOf(required(sharpness, "sharpness"));
            Objects.requireNonNull(jacobian, "jacobian");
        }
    }

    /**
     * The largest singular value of each leaf layer's input-output Jacobian at initialisation, and
     * of the network up to it ({@code JacobianSpectrum}'s {@code sigma_max} and {@code network_upto}).
     *
     * @param layers      each leaf layer's path in the model, input to output
     * @param kinds       each one's kind ({@code Dense}, {@code Activation}, ...)
     * @param sigmaMax    each one's largest singular value at its own input
     * @param networkUpTo the network's first layers up to each one, together
     */
    public record Spectrum(List<String> layers, List<String> kinds, double[] sigmaMax, double[] networkUpTo) {
        /** Not measured. */
        public static final Spectrum NONE = new Spectrum(List.of(), List.of(), new double[0], new double[0]);

        public Spectrum {
            layers = List.copyOf(required(layers, "layers"));
            kinds = List.copyOf(required(kinds, "kinds"));
            required(sigmaMax, "sigmaMax");
            required(networkUpTo, "networkUpTo");
            if (kinds.size() != layers.size() || sigmaMax.length != layers.size() || networkUpTo.length != layers.size()) {
                throw new IllegalArgumentException("spectrum: " + layers.size() + " layers need as many kinds and values, got "
                        + kinds.size() + ", " + sigmaMax.length + " and " + networkUpTo.length);
            }
        }
    }

    /** The forecaster's signals at every step taken (empty when the run did not record them). */
    public List<Forecaster.Signals> signals() {
        double[] loss = watch.losses();
        if (loss.length != series.gradNorms().length) {
            return List.of();
        }
        List<SharpnessCallback.Sample> samples = watch.sharpness();
        List<Forecaster.Signals> out = new ArrayList<>(loss.length);
        int next = 0;
        for (int s = 0; s < loss.length; s++) {
            double sharp = Double.NaN;
            if (next < samples.size() && samples.get(next).step() == s) {
                sharp = samples.get(next++).overLimit();
            }
            out.add(new Forecaster.Signals(s, loss[s], series.gradNorms()[s], series.lrs()[s], watch.updateRatios()[s], sharp));
        }
        return out;
    }

    /** The forecasts {@link Forecaster.Config#defaults()} raise on this run's signals (what its forecaster raised). */
    public List<Forecaster.Forecast> forecasts() {
        return Forecaster.replay(Forecaster.Config.defaults(), signals());
    }

    /** The first forecast's step, or -1 (also when the run did not record its signals). */
    public long firstForecastStep() {
        List<Forecaster.Forecast> f = forecasts();
        return f.isEmpty() ? -1 : f.get(0).step();
    }

    /** When and how the run failed ({@link Failure}), empty for a healthy run and one without recorded losses. */
    public Optional<Failure> failure() {
        if (failed() || watch.losses().length != series.gradNorms().length) {
            return Optional.empty();
        }
        return Failure.of(watch.losses(), series.gradNorms());
    }

    /** Whether the run could not be trained at all (a spec the data or memory refused); see {@link End#failure()}. */
    public boolean failed() {
        return end.failure() != null;
    }

    /** Final test accuracy. */
    public double testAccuracy() {
        return end.testAccuracy();
    }

    /** Whether the training loss became non-finite. */
    public boolean diverged() {
        return end.divergedAt() >= 0;
    }

    /** Whether the final test accuracy is below {@link #COLLAPSE_ACCURACY} (or not a number), diverged or not; never for a failed run. */
    public boolean collapsed() {
        return !failed() && !(end.testAccuracy() >= COLLAPSE_ACCURACY);
    }

    /** Whether a grad norm went above {@link #EXPLOSION_NORM}, or the run diverged. */
    public boolean exploded() {
        return norms.firstOver1e3() >= 0 || diverged();
    }

    /** The run's one outcome: diverged, collapsed, degraded or trained (a failed run has none: null). */
    public Outcome outcome() {
        if (failed()) {
            return null;
        }
        if (diverged()) {
            return Outcome.DIVERGED;
        }
        return collapsed() ? Outcome.COLLAPSED : end.testAccuracy() < TRAINED_ACCURACY ? Outcome.DEGRADED : Outcome.TRAINED;
    }

    /** The outcomes of a run, worst first. */
    public enum Outcome {
        /** The training loss became non-finite. */
        DIVERGED,
        /** Final test accuracy below 0.20. */
        COLLAPSED,
        /** Final test accuracy in [0.20, 0.80). */
        DEGRADED,
        /** Final test accuracy 0.80 or more. */
        TRAINED;

        /** The lower-case name people read. */
        public String word() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
