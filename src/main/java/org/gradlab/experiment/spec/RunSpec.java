package org.gradlab.experiment.spec;

import org.gradlab.experiment.engine.RunExecutor;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One training run of a study as plain data: which part and configuration it belongs to, the
 * model, optimizer, learning-rate schedule, gradient transforms, data, seed and epochs. It holds
 * no live objects, so it serialises to JSON as is (a grid file is a list of them without seed and
 * epochs) and a run can be executed anywhere from it alone ({@link RunExecutor#run}).
 *
 * @param part      the part of the study, e.g. {@code schedules}
 * @param config    the configuration's name, unique within the part, e.g. {@code onecycle_0.1}
 * @param model     the network
 * @param optimizer the update rule
 * @param schedule  the learning rate over the run
 * @param gradients the gradient transforms between backward and the update, in order
 * @param data      the digits and the batch size
 * @param seed      the seed of the model's init, the data split, dropout and the batch order
 * @param epochs    epochs to train
 */
public record RunSpec(String part, String config, Model model, Optim optimizer, Sched schedule, List<Grad> gradients,
        Data data, long seed, int epochs) {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.+-]{1,80}");

    public RunSpec {
        requireName("part", part);
        requireName("config", config);
        Objects.requireNonNull(model, config + ": model is missing");
        Objects.requireNonNull(optimizer, config + ": optimizer is missing");
        Objects.requireNonNull(schedule, config + ": schedule is missing");
        gradients = gradients == null ? List.of() : List.copyOf(gradients);
        data = data == null ? Data.DIGITS : data;
        if (epochs <= 0) {
            throw new IllegalArgumentException(config + ": epochs must be > 0, got " + epochs);
        }
    }

    /** This run with another seed. */
    public RunSpec withSeed(long s) {
        return new RunSpec(part, config, model, optimizer, schedule, gradients, data, s, epochs);
    }

    /** This run with another number of epochs. */
    public RunSpec withEpochs(int e) {
        return new RunSpec(part, config, model, optimizer, schedule, gradients, data, seed, e);
    }

    /** {@code part/config/seed}: unique within a study. */
    public String id() {
        return part + "/" + config + "/" + seed;
    }

    /** The run's file name in a study's {@code runs/} folder. */
    public String fileName() {
        return part + "__" + config + "__seed" + seed + ".json";
    }

    /**
     * The network.
     *
     * @param kind          {@code article} (784-64-64-10 with dropout, PyTorch's init; the other fields are
     *                      ignored), {@code mlp} ({@code depth} Linear layers 784 -> width -> ... -> 10, ReLU, no
     *                      dropout), or a recurrent classifier of the digits read as 28 rows of 28 pixels,
     *                      {@code rnn} (tanh), {@code gru} or {@code lstm}: one layer of {@code width} units,
     *                      its last hidden state into Linear(width, 10), PyTorch's init (init, norm, block and
     *                      depth are ignored)
     * @param init          {@code pytorch} (PyTorch's default), {@code he} (N(0, 2/fan_in)) or {@code A}
     *                      (N(0, (1.5 sqrt(2/fan_in))^2)); zero biases but for {@code pytorch}
     * @param norm          {@code none}, {@code layernorm} or {@code batchnorm} after every hidden Linear, before its ReLU
     * @param block         {@code plain}; {@code residual}: {@code h + a ReLU(Linear(h))} around each middle layer;
     *                      {@code residual_layernorm}: {@code h + ReLU(LayerNorm(Linear(h)))}
     * @param residualScale the {@code a} of {@code residual}
     * @param depth         Linear layers in all (at least 2)
     * @param width         hidden units
     */
    public record Model(String kind, String init, String norm, String block, double residualScale, int depth, int width) {
        static final Set<String> KINDS = Set.of("article", "mlp", "rnn", "gru", "lstm");
        static final Set<String> RECURRENT = Set.of("rnn", "gru", "lstm");
        static final Set<String> INITS = Set.of("pytorch", "he", "A");
        static final Set<String> NORMS = Set.of("none", "layernorm", "batchnorm");
        static final Set<String> BLOCKS = Set.of("plain", "residual", "residual_layernorm");

        public Model {
            requireOneOf("model.kind", kind, KINDS);
            init = init == null ? "pytorch" : init;
            norm = norm == null ? "none" : norm;
            block = block == null ? "plain" : block;
            requireOneOf("model.init", init, INITS);
            requireOneOf("model.norm", norm, NORMS);
            requireOneOf("model.block", block, BLOCKS);
            if (kind.equals("mlp") && (depth < 2 || depth > 100)) {
                throw new IllegalArgumentException("model.depth must be in [2, 100], got " + depth);
            }
            if ((kind.equals("mlp") || RECURRENT.contains(kind)) && (width < 1 || width > 4096)) {
                throw new IllegalArgumentException("model.width must be in [1, 4096], got " + width);
            }
            if (!Double.isFinite(residualScale) || (block.equals("residual") && residualScale == 0)) {
                throw new IllegalArgumentException("model.residualScale must be finite"
                        + (block.equals("residual") ? " and non-zero for a residual block" : "") + ", got " + residualScale);
            }
        }

        /** The article's model. */
        public static Model article() {
            return new Model("article", "pytorch", "none", "plain", 1, 4, 64);
        }

        /** The study's deep MLP: 12 Linear layers of 128 units with {@code init}, plain blocks, no normalisation. */
        public static Model deep(String init) {
            return new Model("mlp", init, "none", "plain", 1, 12, 128);
        }

        /** A recurrent classifier ({@code rnn}, {@code gru} or {@code lstm}) of {@code hidden} units. */
        public static Model recurrent(String kind, int hidden) {
            if (!RECURRENT.contains(kind)) {
                throw new IllegalArgumentException("model.kind must be one of " + RECURRENT.stream().sorted().toList()
                        + " for a recurrent model, got '" + kind + "'");
            }
            return new Model(kind, "pytorch", "none", "plain", 1, 2, hidden);
        }

        /** Whether this is a recurrent classifier (rnn, gru or lstm). */
        public boolean hasCell() {
            return RECURRENT.contains(kind);
        }

        public Model withNorm(String n) {
            return new Model(kind, init, n, block, residualScale, depth, width);
        }

        public Model withBlock(String b, double scale) {
            return new Model(kind, init, norm, b, scale, depth, width);
        }
    }

    /**
     * The update rule.
     *
     * @param kind     {@code adam} (PyTorch's defaults) or {@code sgd}
     * @param momentum SGD's momentum (no Nesterov, no dampening); ignored by Adam
     */
    public record Optim(String kind, double momentum) {
        public Optim {
            requireOneOf("optimizer.kind", kind, Set.of("adam", "sgd"));
            if (!(momentum >= 0 && momentum < 1)) {
                throw new IllegalArgumentException("optimizer.momentum must be in [0, 1), got " + momentum);
            }
        }

        public static Optim adam() {
            return new Optim("adam", 0);
        }

        public static Optim sgdMomentum() {
            return new Optim("sgd", 0.9);
        }
    }

    /**
     * The learning rate over the run, {@code lr} being the constant or peak rate.
     *
     * @param kind          {@code constant}; {@code warmup_cosine}: linear warmup over the first epoch,
     *                      then cosine to 0; {@code multistep}: x0.1 after epochs 5 and 8;
     *                      {@code onecycle}: PyTorch's OneCycleLR over the whole run; {@code plateau}:
     *                      x0.1 whenever an epoch's mean training loss fails to improve by 1e-4 relative
     *                      (patience 0)
     * @param lr            the constant, starting or peak rate
     * @param cycleMomentum whether {@code onecycle} cycles momentum (0.95 to 0.85); null means true
     */
    public record Sched(String kind, double lr, Boolean cycleMomentum) {
        static final Set<String> KINDS = Set.of("constant", "warmup_cosine", "multistep", "onecycle", "plateau");

        public Sched {
            requireOneOf("schedule.kind", kind, KINDS);
            cycleMomentum = cycleMomentum == null || cycleMomentum;
            if (!(lr > 0) || lr > 100) {
                throw new IllegalArgumentException("schedule.lr must be in (0, 100], got " + lr);
            }
        }

        public static Sched of(String kind, double lr) {
            return new Sched(kind, lr, true);
        }
    }

    /**
     * A gradient transform.
     *
     * @param kind      {@code norm} (global L2-norm clipping), {@code value} (element clamp) or
     *                  {@code agc} (adaptive clipping, eps 1e-3)
     * @param threshold the max norm, the clip value, or AGC's clipping factor
     */
    public record Grad(String kind, double threshold) {
        public Grad {
            requireOneOf("gradients.kind", kind, Set.of("norm", "value", "agc"));
            if (!(threshold > 0) || Double.isInfinite(threshold)) {
                throw new IllegalArgumentException("gradients.threshold must be finite and > 0, got " + threshold);
            }
        }
    }

    /**
     * The data: the bundled 10,000 digits (pixels / 255), split {@code train} / the rest with the run's seed.
     *
     * @param source {@code digits}
     * @param train  training examples
     * @param batch  batch size
     */
    public record Data(String source, int train, int batch) {
        static final Data DIGITS = new Data("digits", 8_000, 32);

        public Data {
            requireOneOf("data.source", source, Set.of("digits"));
            if (train < 1 || train > 9_999) {
                throw new IllegalArgumentException("data.train must be in [1, 9999], got " + train);
            }
            if (batch < 1 || batch > train) {
                throw new IllegalArgumentException("data.batch must be in [1, " + train + "], got " + batch);
            }
        }

        /** Optimizer steps per epoch. */
        public int stepsPerEpoch() {
            return (train + batch - 1) / batch;
        }
    }

    private static void requireName(String what, String v) {
        if (v == null || !NAME.matcher(v).matches()) {
            throw new IllegalArgumentException(what + " must be 1 to 80 of [A-Za-z0-9_.+-], got "
                    + (v == null ? "nothing" : "'" + v + "'"));
        }
    }

    private static void requireOneOf(String what, String v, Set<String> allowed) {
        if (v == null || !allowed.contains(v)) {
            throw new IllegalArgumentException(what + " must be one of " + allowed.stream().sorted().toList() + ", got "
                    + (v == null ? "nothing" : "'" + v + "'"));
        }
    }
}
