package org.gradlab.experiment.spec;

import java.util.List;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.gradlab.nn.Layer;
import org.gradlab.optim.Adagrad;
import org.gradlab.optim.Adam;
import org.gradlab.optim.AdamW;
import org.gradlab.optim.Optimizer;
import org.gradlab.optim.RmsProp;
import org.gradlab.optim.Sgd;
import org.gradlab.optim.UpdateRule;

/**
 * An optimizer as data: every rule of {@code org.gradlab.optim} with every argument (PyTorch's
 * names and defaults), and parameter groups ({@link GroupSpec}) that give some parameters another
 * weight decay or rate. The learning rate is the schedule's ({@link ScheduleSpec}).
 */
public sealed interface OptimizerSpec permits OptimizerSpec.SgdSpec, OptimizerSpec.AdamSpec, OptimizerSpec.AdamWSpec,
        OptimizerSpec.RmsPropSpec, OptimizerSpec.AdagradSpec {

    /** The update rule. */
    UpdateRule<? extends Record> rule();

    /** The parameter groups, first match wins. */
    List<GroupSpec> groups();

    /** The optimizer for {@code model}. */
    default Optimizer build(Layer model) {
        Optimizer o = Optimizer.of(rule());
        return groups().isEmpty() ? o : o.withGroups(groups().stream().map(g -> g.build(model)).toArray(Optimizer.Group[]::new));
    }

    /** Whether the rule has a momentum (SGD's, RMSprop's, Adam's beta1) a cycling schedule can set; Adagrad has none. */
    default boolean cyclesMomentum() {
        return true;
    }

    /** PyTorch's Adam with its defaults. */
    static AdamSpec adam() {
        return SpecCodec.defaults(AdamSpec.class);
    }

    /** SGD with {@code momentum}, no dampening, no Nesterov, no weight decay. */
    static SgdSpec sgd(double momentum) {
        return new SgdSpec(momentum, 0, 0, false, List.of());
    }

    /**
     * Some parameters trained with their own weight decay and rate multiplier.
     *
     * @param select      {@code bias_and_norm} (biases and the parameters of normalisation layers) or
     *                    {@code regex:PATTERN} over full parameter names ({@code regex:^0\\.})
     * @param weightDecay the group's weight decay, or null for the rule's
     * @param lrScale     the group's rate multiplier, finite and >= 0
     */
    record GroupSpec(String select, @Default("null") Double weightDecay, @Default("1") double lrScale) {
        public GroupSpec {
            Objects.requireNonNull(select, "select");
            if (!select.equals("bias_and_norm")) {
                if (!select.startsWith("regex:")) {
                    throw new IllegalArgumentException("select must be 'bias_and_norm' or 'regex:PATTERN', got '" + select + "'");
                }
                try {
                    Pattern.compile(select.substring("regex:".length()));
                } catch (PatternSyntaxException e) {
                    throw new IllegalArgumentException("select: not a regular expression: " + e.getDescription());
                }
            }
            if (weightDecay != null && !(weightDecay >= 0 && Double.isFinite(weightDecay))) {
                throw new IllegalArgumentException("weightDecay must be finite and >= 0, got " + weightDecay);
            }
            if (!(lrScale >= 0) || Double.isInfinite(lrScale)) {
                throw new IllegalArgumentException("lrScale must be finite and >= 0, got " + lrScale);
            }
        }

        Optimizer.Group build(Layer model) {
            Optimizer.Group g = select.equals("bias_and_norm") ? Optimizer.Group.noWeightDecay(model)
                    : Optimizer.Group.of(select, Pattern.compile(select.substring("regex:".length())).asPredicate());
            g = new Optimizer.Group(select, g.members(), weightDecay == null ? (select.equals("bias_and_norm")
                    ? g.weightDecay() : OptionalDouble.empty()) : OptionalDouble.of(weightDecay), lrScale);
            return g;
        }
    }

    /** PyTorch's SGD. */
    @Kind("sgd")
    record SgdSpec(@Default("0") double momentum, @Default("0") double dampening, @Default("0") double weightDecay,
            @Default("false") boolean nesterov, @Default("[]") List<GroupSpec> groups) implements OptimizerSpec {
        public SgdSpec {
            new Sgd(momentum, dampening, weightDecay, nesterov);
            groups = List.copyOf(groups);
        }

        @Override
        public UpdateRule<Sgd.State> rule() {
            return new Sgd(momentum, dampening, weightDecay, nesterov);
        }
    }

    /** PyTorch's Adam (L2 weight decay added to the gradient). */
    @Kind("adam")
    record AdamSpec(@Default("0.9") double beta1, @Default("0.999") double beta2, @Default("1e-8") double eps,
            @Default("0") double weightDecay, @Default("false") boolean amsgrad, @Default("[]") List<GroupSpec> groups)
            implements OptimizerSpec {
        public AdamSpec {
            new Adam(beta1, beta2, eps, weightDecay, amsgrad);
            groups = List.copyOf(groups);
        }

        @Override
        public UpdateRule<Adam.State> rule() {
            return new Adam(beta1, beta2, eps, weightDecay, amsgrad);
        }
    }

    /** PyTorch's AdamW (decoupled weight decay, 0.01 by default). */
    @Kind("adamw")
    record AdamWSpec(@Default("0.9") double beta1, @Default("0.999") double beta2, @Default("1e-8") double eps,
            @Default("0.01") double weightDecay, @Default("false") boolean amsgrad, @Default("[]") List<GroupSpec> groups)
            implements OptimizerSpec {
        public AdamWSpec {
            new AdamW(new Adam(beta1, beta2, eps, 0, amsgrad), weightDecay);
            groups = List.copyOf(groups);
        }

        @Override
        public UpdateRule<Adam.State> rule() {
            return new AdamW(new Adam(beta1, beta2, eps, 0, amsgrad), weightDecay);
        }
    }

    /** PyTorch's RMSprop. */
    @Kind("rmsprop")
    record RmsPropSpec(@Default("0.99") double alpha, @Default("1e-8") double eps, @Default("0") double weightDecay,
            @Default("0") double momentum, @Default("false") boolean centered, @Default("[]") List<GroupSpec> groups)
            implements OptimizerSpec {
        public RmsPropSpec {
            new RmsProp(alpha, eps, weightDecay, momentum, centered);
            groups = List.copyOf(groups);
        }

        @Override
        public UpdateRule<RmsProp.State> rule() {
            return new RmsProp(alpha, eps, weightDecay, momentum, centered);
        }
    }

    /** PyTorch's Adagrad (no momentum to cycle). */
    @Kind("adagrad")
    record AdagradSpec(@Default("0") double lrDecay, @Default("0") double weightDecay,
            @Default("0") double initialAccumulatorValue, @Default("1e-10") double eps, @Default("[]") List<GroupSpec> groups)
            implements OptimizerSpec {
        public AdagradSpec {
            new Adagrad(lrDecay, weightDecay, initialAccumulatorValue, eps);
            groups = List.copyOf(groups);
        }

        @Override
        public UpdateRule<Adagrad.State> rule() {
            return new Adagrad(lrDecay, weightDecay, initialAccumulatorValue, eps);
        }

        @Override
        public boolean cyclesMomentum() {
            return false;
        }
    }
}
