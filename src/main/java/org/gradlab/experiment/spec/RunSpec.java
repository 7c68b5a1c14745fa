package org.gradlab.experiment.spec;

import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One training run of a study as typed data: which part and configuration it belongs to, the
 * model, optimizer, learning-rate schedule, gradient transforms, data, loss, seed and epochs. It
 * holds no live objects, so it goes through {@link SpecCodec} as is (a grid file is a list of
 * them without seeds) and a run can be executed anywhere from it alone.
 *
 * <pre>{@code
 * RunSpec spec = new RunSpec("mine", "he_norm_5",
 *         ModelSpec.deep(InitSpec.of(InitSpec.Kind.HE_NORMAL)), OptimizerSpec.sgd(0.9),
 *         new ScheduleSpec.Constant(0.1), List.of(new TransformSpec.GlobalNorm(5, 2, Clip.NonFinite.PROPAGATE)),
 *         DataSpec.Digits.DEFAULT, new LossSpec.CrossEntropy(0), 0, 3);
 * }</pre>
 *
 * @param part      the part of the study, e.g. {@code schedules}
 * @param config    the configuration's name, unique within the part, e.g. {@code onecycle_0.1}: for people;
 *                  conclusions read the spec's structure, never its name
 * @param model     the network
 * @param optimizer the update rule
 * @param schedule  the learning rate over the run
 * @param gradients the gradient transforms between backward and the update, in order
 * @param data      the examples, their split and the batch size
 * @param loss      the training loss
 * @param seed      the seed of the model's init, the data split, dropout and the batch order
 * @param epochs    epochs to train, 1 to {@value #MAX_EPOCHS}
 * @param probes    what the run measures besides training (sharpness, Jacobian spectra), on which seeds; it changes
 *                  no training bit
 */
public record RunSpec(String part, String config, ModelSpec model, OptimizerSpec optimizer, ScheduleSpec schedule,
        @Default("[]") List<TransformSpec> gradients, @Default("{\"kind\": \"digits\"}") DataSpec data,
        @Default("{\"kind\": \"cross_entropy\"}") LossSpec loss, @Default("0") long seed, @Default("10") int epochs,
        @Default("{}") ProbeSpec probes) {

    /** The most epochs a run may ask for. */
    public static final int MAX_EPOCHS = 1000;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.+-]{1,80}");

    public RunSpec {
        requireName("part", part);
        requireName("config", config);
        if (part.contains("__") || config.contains("__")) {
            throw new IllegalArgumentException((part.contains("__") ? "part '" + part : "config '" + config)
                    + "' holds '__', which separates the part from the configuration in file names");
        }
        Objects.requireNonNull(model, "model is missing");
        Objects.requireNonNull(optimizer, "optimizer is missing");
        Objects.requireNonNull(schedule, "schedule is missing");
        gradients = gradients == null ? List.of() : List.copyOf(gradients);
        data = data == null ? DataSpec.Digits.DEFAULT : data;
        loss = loss == null ? new LossSpec.CrossEntropy(0) : loss;
        probes = probes == null ? ProbeSpec.NONE : probes;
        if (epochs < 1 || epochs > MAX_EPOCHS) {
            throw new IllegalArgumentException("epochs must be in [1, " + MAX_EPOCHS + "], got " + epochs);
        }
        if (schedule.cyclesMomentum() && !optimizer.cyclesMomentum()) {
            throw new IllegalArgumentException("schedule: it cycles momentum but the optimizer has none; set cycleMomentum "
                    + "false");
        }
    }

    /** A run that measures nothing besides training ({@link ProbeSpec#NONE}). */
    public RunSpec(String part, String config, ModelSpec model, OptimizerSpec optimizer, ScheduleSpec schedule,
            List<TransformSpec> gradients, DataSpec data, LossSpec loss, long seed, int epochs) {
        this(part, config, model, optimizer, schedule, gradients, data, loss, seed, epochs, ProbeSpec.NONE);
    }

    /** This run with another seed. */
    public RunSpec withSeed(long s) {
        return new RunSpec(part, config, model, optimizer, schedule, gradients, data, loss, s, epochs, probes);
    }

    /** This run with another number of epochs. */
    public RunSpec withEpochs(int e) {
        return new RunSpec(part, config, model, optimizer, schedule, gradients, data, loss, seed, e, probes);
    }

    /** This run measuring {@code p} besides training. */
    public RunSpec withProbes(ProbeSpec p) {
        return new RunSpec(part, config, model, optimizer, schedule, gradients, data, loss, seed, epochs, p);
    }

    /** {@code part/config/seed}: unique within a study. */
    public String id() {
        return part + "/" + config + "/" + seed;
    }

    /** The run's file name in a study's {@code runs/} folder: unique, since names cannot hold {@code __}. */
    public String fileName() {
        return part + "__" + config + "__seed" + seed + ".json";
    }

    /** Whether the run clips its gradients (any transform but a guard or a shadow). */
    public boolean clips() {
        return gradients.stream().anyMatch(g -> !(g instanceof TransformSpec.SkipNonFinite || g instanceof TransformSpec.Shadow));
    }

    /** This run without its gradient transforms: the unclipped twin a clip is compared with. */
    public RunSpec unclipped() {
        return new RunSpec(part, config, model, optimizer, schedule, List.of(), data, loss, seed, epochs, probes);
    }

    private static void requireName(String what, String v) {
        if (v == null || !NAME.matcher(v).matches()) {
            throw new IllegalArgumentException(what + " must be 1 to 80 of [A-Za-z0-9_.+-], got "
                    + (v == null ? "nothing" : "'" + v + "'"));
        }
    }
}
