package org.gradlab.schedule;

import org.gradlab.Checks;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalDouble;
import java.util.function.LongToDoubleFunction;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.LongColumn;
import tech.tablesaw.api.Table;

/**
 * A learning rate as a pure function of the optimizer step (0-based): no hidden state, so a
 * schedule can be previewed, tabulated, charted and resumed from any step.
 *
 * <p>Every PyTorch scheduler has a factory here with the same semantics: {@code at(k)} is the
 * rate PyTorch uses for optimizer step {@code k} in the loop {@code opt.step(); sched.step()}
 * (checked against PyTorch's traces in {@code src/test/resources/golden/schedules.json}). gradlab computes
 * each rate in closed form. PyTorch's own values for its chainable schedulers come from recursive
 * updates, which drift from the closed form in the last bits (at most 2e-15 absolute, 2e-14
 * relative on the traces); the closed form is what lets a schedule be evaluated at any step
 * without replaying the ones before. PyTorch computes OneCycleLR and CyclicLR from the step too,
 * with the same formulas, so those agree to the last bit or two.
 *
 * <pre>{@code
 * Schedule s = Schedule.cosine(0.1, 900, 1e-4).withWarmup(100);   // linear warmup, then cosine
 * double lr = s.at(step);
 * Table preview = s.table(1000);
 * }</pre>
 *
 * <table>
 * <caption>PyTorch scheduler to gradlab factory</caption>
 * <tr><th>torch.optim.lr_scheduler</th><th>gradlab</th></tr>
 * <tr><td>(none: constant lr)</td><td>{@link #constant}</td></tr>
 * <tr><td>StepLR</td><td>{@link #step}</td></tr>
 * <tr><td>MultiStepLR</td><td>{@link #multiStep}</td></tr>
 * <tr><td>ConstantLR</td><td>{@link #constantFactor}</td></tr>
 * <tr><td>LinearLR</td><td>{@link #linear}</td></tr>
 * <tr><td>ExponentialLR</td><td>{@link #exponential}</td></tr>
 * <tr><td>PolynomialLR</td><td>{@link #polynomial}</td></tr>
 * <tr><td>CosineAnnealingLR</td><td>{@link #cosine}</td></tr>
 * <tr><td>CosineAnnealingWarmRestarts</td><td>{@link #cosineWarmRestarts}</td></tr>
 * <tr><td>OneCycleLR</td><td>{@link #oneCycle}</td></tr>
 * <tr><td>CyclicLR</td><td>{@link #cyclic}</td></tr>
 * <tr><td>LambdaLR</td><td>{@link #lambda}</td></tr>
 * <tr><td>SequentialLR</td><td>{@link #sequence}</td></tr>
 * <tr><td>ChainedScheduler</td><td>{@link #times(Schedule)}</td></tr>
 * <tr><td>ReduceLROnPlateau</td><td>{@link Plateau}, a multiplier on any schedule</td></tr>
 * </table>
 */
@FunctionalInterface
public interface Schedule {

    /** The learning rate in effect for optimizer step {@code step} (0-based). */
    double at(long step);

    /**
     * The momentum (SGD's momentum, Adam's beta1) this schedule cycles at {@code step}, or empty
     * when it leaves momentum alone. Only {@link #oneCycle} and {@link #cyclic} cycle it.
     */
    default OptionalDouble momentumAt(long step) {
        return OptionalDouble.empty();
    }

    // ---------------------------------------------------------------- factories

    /** The same rate at every step. */
    static Schedule constant(double lr) {
        Checks.rate("constant", "lr", lr);
        return new Schedules.Constant(lr);
    }

    /** StepLR: {@code lr * gamma^floor(k / stepSize)}. */
    static Schedule step(double lr, long stepSize, double gamma) {
        Checks.rate("step", "lr", lr);
        Checks.positive("step", "stepSize", stepSize);
        Checks.positive("step", "gamma", gamma);
        return new Schedules.StepDecay(lr, stepSize, gamma);
    }

    /** MultiStepLR: {@code lr * gamma^(number of milestones <= k)}; milestones strictly increasing. */
    static Schedule multiStep(double lr, long[] milestones, double gamma) {
        Checks.rate("multiStep", "lr", lr);
        Checks.positive("multiStep", "gamma", gamma);
        Checks.increasing("multiStep", milestones);
        return new Schedules.MultiStep(lr, milestones.clone(), gamma);
    }

    /** ConstantLR: {@code lr * factor} for the first {@code totalIters} steps, then {@code lr}. */
    static Schedule constantFactor(double lr, double factor, long totalIters) {
        Checks.rate("constantFactor", "lr", lr);
        Checks.inRange("constantFactor", "factor", factor, 0, 1);
        Checks.nonNegative("constantFactor", "totalIters", totalIters);
        return new Schedules.ConstantFactor(lr, factor, totalIters);
    }

    /** LinearLR: factor moves linearly from {@code startFactor} to {@code endFactor} over {@code totalIters} steps. */
    static Schedule linear(double lr, double startFactor, double endFactor, long totalIters) {
        Checks.rate("linear", "lr", lr);
        if (!(startFactor > 0 && startFactor <= 1)) {
            throw new IllegalArgumentException("linear: startFactor must be in (0, 1], got " + startFactor);
        }
        Checks.inRange("linear", "endFactor", endFactor, 0, 1);
        Checks.positive("linear", "totalIters", totalIters);
        return new Schedules.Linear(lr, startFactor, endFactor, totalIters);
    }

    /** ExponentialLR: {@code lr * gamma^k}. */
    static Schedule exponential(double lr, double gamma) {
        Checks.rate("exponential", "lr", lr);
        Checks.positive("exponential", "gamma", gamma);
        return new Schedules.Exponential(lr, gamma);
    }

    /** PolynomialLR: {@code lr * (1 - min(k, totalIters) / totalIters)^power}. */
    static Schedule polynomial(double lr, long totalIters, double power) {
        Checks.rate("polynomial", "lr", lr);
        Checks.positive("polynomial", "totalIters", totalIters);
        Checks.positive("polynomial", "power", power);
        return new Schedules.Polynomial(lr, totalIters, power);
    }

    /**
     * CosineAnnealingLR: {@code etaMin + (lr - etaMin) (1 + cos(pi k / tMax)) / 2} (Loshchilov and
     * Hutter 2017, without restarts). Past {@code tMax} it keeps following the cosine, back up
     * towards {@code lr}, as PyTorch does; use {@link #sequence} to hold it instead.
     */
    static Schedule cosine(double lr, long tMax, double etaMin) {
        Checks.rate("cosine", "lr", lr);
        Checks.positive("cosine", "tMax", tMax);
        Checks.inRange("cosine", "etaMin", etaMin, 0, lr);
        return new Schedules.Cosine(lr, tMax, etaMin);
    }

    /**
     * CosineAnnealingWarmRestarts (SGDR, Loshchilov and Hutter 2017): cosine cycles from {@code lr}
     * to {@code etaMin}, the first {@code t0} steps long, each next one {@code tMult} times longer.
     */
    static Schedule cosineWarmRestarts(double lr, long t0, int tMult, double etaMin) {
        Checks.rate("cosineWarmRestarts", "lr", lr);
        Checks.positive("cosineWarmRestarts", "t0", t0);
        Checks.positive("cosineWarmRestarts", "tMult", tMult);
        Checks.inRange("cosineWarmRestarts", "etaMin", etaMin, 0, lr);
        return new Schedules.WarmRestarts(lr, t0, tMult, etaMin);
    }

    /**
     * OneCycleLR (Smith and Topin 2018) with PyTorch's defaults: from {@code maxLr / 25} up to
     * {@code maxLr} over the first 30% of {@code totalSteps}, then cosine down to
     * {@code maxLr / 25 / 1e4}; momentum cycles inversely between 0.95 and 0.85. Steps
     * {@code 0..totalSteps} are defined; later ones are an error, as in PyTorch. Adjust with the
     * returned record's {@code with...} methods.
     */
    static OneCycle oneCycle(double maxLr, long totalSteps) {
        return new OneCycle(maxLr, totalSteps, 0.3, OneCycle.Anneal.COS, 25, 1e4, false, true, 0.85, 0.95);
    }

    /**
     * CyclicLR (Smith 2017), triangular: from {@code baseLr} up to {@code maxLr} in
     * {@code stepSizeUp} steps and back down in as many; momentum cycles inversely between 0.9
     * and 0.8. Other modes and settings through the returned record's {@code with...} methods.
     */
    static Cyclic cyclic(double baseLr, double maxLr, long stepSizeUp) {
        return new Cyclic(baseLr, maxLr, stepSizeUp, stepSizeUp, Cyclic.Mode.TRIANGULAR, 1.0, true, 0.8, 0.9);
    }

    /** LambdaLR: {@code lr * factor(k)} for any function of the step. */
    static Schedule lambda(double lr, LongToDoubleFunction factor) {
        Checks.rate("lambda", "lr", lr);
        java.util.Objects.requireNonNull(factor, "factor");
        return new Schedules.Lambda(lr, factor);
    }

    /**
     * SequentialLR: {@code schedules.get(i)} runs between {@code milestones[i-1]} and
     * {@code milestones[i]}, each restarted from its own step 0 at its milestone, as PyTorch does.
     */
    static Schedule sequence(List<Schedule> schedules, long... milestones) {
        if (schedules.size() != milestones.length + 1) {
            throw new IllegalArgumentException("sequence: needs one milestone fewer than schedules, got "
                    + schedules.size() + " schedules and " + milestones.length + " milestones");
        }
        Checks.increasing("sequence", milestones);
        return new Schedules.Sequence(List.copyOf(schedules), milestones.clone());
    }

    // ---------------------------------------------------------------- composition

    /**
     * This schedule after a linear warmup of {@code steps} steps: {@code at(0) * (k + 1) / steps}
     * for {@code k < steps}, then {@code at(k - steps)}. The first step already trains (no step at
     * rate 0) and the schedule after the warmup starts from its own step 0, so a cosine over the
     * remaining {@code T - steps} steps ends where a run of {@code T} steps does.
     */
    default Schedule withWarmup(long steps) {
        Checks.positive("withWarmup", "steps", steps);
        return new Schedules.Warmup(this, steps);
    }

    /**
     * This schedule stepped once per epoch of {@code stepsPerEpoch} optimizer steps, as a PyTorch
     * scheduler whose {@code step()} is called after each epoch: step {@code k} gets this schedule's
     * value at {@code k / stepsPerEpoch}, e.g. {@code Schedule.cosine(0.1, 10, 0).perEpoch(250)} is
     * CosineAnnealingLR with T_max 10 epochs.
     */
    default Schedule perEpoch(long stepsPerEpoch) {
        Checks.positive("perEpoch", "stepsPerEpoch", stepsPerEpoch);
        return stepsPerEpoch == 1 ? this : new Schedules.PerEpoch(this, stepsPerEpoch);
    }

    /** A constant multiple of this schedule, e.g. {@code base.times(0.1)}. */
    default Schedule times(double factor) {
        Checks.positive("times", "factor", factor);
        return times(new Schedules.Constant(factor));
    }

    /**
     * The product of this schedule and {@code factor}, step by step: PyTorch's ChainedScheduler.
     * Build the factor with a base rate of 1, e.g.
     * {@code Schedule.exponential(0.1, 0.95).times(Schedule.linear(1, 0.1, 1, 10))} is
     * {@code ChainedScheduler([ExponentialLR(opt, 0.95), LinearLR(opt, 0.1, total_iters=10)])} on lr 0.1.
     * Momentum, if either cycles it, comes from this schedule first.
     */
    default Schedule times(Schedule factor) {
        java.util.Objects.requireNonNull(factor, "factor");
        return new Schedules.Product(this, factor);
    }

    // ---------------------------------------------------------------- preview

    /** The rates of steps {@code 0..steps-1}. */
    default double[] values(long steps) {
        Checks.positive("values", "steps", steps);
        double[] v = new double[Math.toIntExact(steps)];
        Arrays.setAll(v, this::at);
        return v;
    }

    /** A preview table: step, lr and, when this schedule cycles it, momentum. */
    default Table table(long steps) {
        double[] lr = values(steps);
        long[] step = new long[lr.length];
        Arrays.setAll(step, i -> i);
        Table t = Table.create(toString(), LongColumn.create("step", step), DoubleColumn.create("lr", lr));
        if (momentumAt(0).isPresent()) {
            double[] m = new double[lr.length];
            Arrays.setAll(m, i -> momentumAt(i).orElseThrow());
            t.addColumns(DoubleColumn.create("momentum", m));
        }
        return t;
    }
}
