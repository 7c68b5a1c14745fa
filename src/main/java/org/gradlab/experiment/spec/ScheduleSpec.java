package org.gradlab.experiment.spec;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.gradlab.schedule.Cyclic;
import org.gradlab.schedule.OneCycle;
import org.gradlab.schedule.Plateau;
import org.gradlab.schedule.Schedule;
import org.gradlab.train.Score;
import org.gradlab.train.TrainerBuilder;

/**
 * A learning rate over a run, as data: every PyTorch scheduler ({@code torch.optim.lr_scheduler}),
 * a warmup before any of them, SequentialLR and ChainedScheduler, and the plateau controller over
 * any of them. Durations are counted in the schedule's {@link Interval}: {@code epoch} (PyTorch's
 * {@code scheduler.step()} after each epoch, the rate constant within one) or {@code step} (after
 * each batch); OneCycle and Cyclic always count steps. A duration left out ({@code null}) means
 * "the rest of the run".
 */
public sealed interface ScheduleSpec permits ScheduleSpec.Constant, ScheduleSpec.StepLr, ScheduleSpec.MultiStep,
        ScheduleSpec.Exponential, ScheduleSpec.Linear, ScheduleSpec.ConstantFactor, ScheduleSpec.Polynomial,
        ScheduleSpec.Cosine, ScheduleSpec.WarmRestarts, ScheduleSpec.OneCycleSpec, ScheduleSpec.CyclicSpec,
        ScheduleSpec.Warmup, ScheduleSpec.Sequence, ScheduleSpec.Chained, ScheduleSpec.PlateauSpec {

    /** What a schedule's durations count. */
    enum Interval { EPOCH, STEP }

    /** Optimizer steps per epoch, and the steps the schedule runs for (the rest of the run). */
    record Timing(long stepsPerEpoch, long steps) {
        public Timing {
            if (stepsPerEpoch < 1 || steps < 1) {
                throw new IllegalArgumentException("timing: need stepsPerEpoch >= 1 and steps >= 1, got " + stepsPerEpoch
                        + " and " + steps);
            }
        }

        /** {@code n} durations of {@code interval} in steps. */
        long steps(long n, Interval interval) {
            return interval == Interval.EPOCH ? n * stepsPerEpoch : n;
        }

        /** The rest of the run in {@code interval}s (at least 1). */
        long rest(Interval interval) {
            return Math.max(1, interval == Interval.EPOCH ? (steps + stepsPerEpoch - 1) / stepsPerEpoch : steps);
        }

        /** The same epochs, {@code steps} long. */
        Timing withSteps(long n) {
            return new Timing(stepsPerEpoch, Math.max(1, n));
        }
    }

    /** The schedule for a run of {@code timing}. */
    Schedule build(Timing timing);

    /** The constant, starting or peak rate: the one number people compare schedules by. */
    double peakLr();

    /** The schedule's family as people name it ({@code fixed}, {@code warmup + cosine}, {@code onecycle}, {@code plateau}). */
    String family();

    /** The plateau controller of this schedule, or null ({@link PlateauSpec} is the only one that has one). */
    default PlateauSpec plateau() {
        return null;
    }

    /** Whether the schedule sets the momentum (OneCycle and Cyclic with momentum cycling). */
    default boolean cyclesMomentum() {
        return false;
    }

    /** {@code schedule} counted in {@code interval}s, as steps. */
    private static Schedule in(Interval interval, Timing t, Schedule schedule) {
        return interval == Interval.EPOCH ? schedule.perEpoch(t.stepsPerEpoch()) : schedule;
    }

    /** A constant rate: PyTorch without a scheduler. */
    @Kind("constant")
    record Constant(double lr) implements ScheduleSpec {
        @Override
        public Schedule build(Timing t) {
            return Schedule.constant(lr);
        }

        @Override
        public double peakLr() {
            return lr;
        }

        @Override
        public String family() {
            return "fixed";
        }
    }

    /** StepLR: {@code lr * gamma^floor(t / stepSize)}. */
    @Kind("step")
    record StepLr(double lr, long stepSize, @Default("0.1") double gamma, @Default("\"epoch\"") Interval interval)
            implements ScheduleSpec {
        @Override
        public Schedule build(Timing t) {
            return in(interval, t, Schedule.step(lr, stepSize, gamma));
        }

        @Override
        public double peakLr() {
            return lr;
        }

        @Override
        public String family() {
            return "step";
        }
    }

    /** MultiStepLR: {@code lr * gamma^(milestones passed)}. */
    @Kind("multistep")
    record MultiStep(double lr, long[] milestones, @Default("0.1") double gamma, @Default("\"epoch\"") Interval interval)
            implements ScheduleSpec {
        public MultiStep {
            milestones = milestones.clone();
        }

        @Override
        public Schedule build(Timing t) {
            return in(interval, t, Schedule.multiStep(lr, milestones, gamma));
        }

        @Override
        public double peakLr() {
            return lr;
        }

        @Override
        public String family() {
            return "multistep";
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof MultiStep m && lr == m.lr && gamma == m.gamma && interval == m.interval
                    && Arrays.equals(milestones, m.milestones);
        }

        @Override
        public int hashCode() {
            return Objects.hash(lr, gamma, interval, Arrays.hashCode(milestones));
        }

        @Override
        public String toString() {
            return "MultiStep[lr=" + lr + ", milestones=" + Arrays.toString(milestones) + ", gamma=" + gamma + ", interval="
                    + interval + "]";
        }
    }

    /** ExponentialLR: {@code lr * gamma^t}. */
    @Kind("exponential")
    record Exponential(double lr, double gamma, @Default("\"epoch\"") Interval interval) implements ScheduleSpec {
        @Override
        public Schedule build(Timing t) {
            return in(interval, t, Schedule.exponential(lr, gamma));
        }

        @Override
        public double peakLr() {
            return lr;
        }

        @Override
        public String family() {
            return "exponential";
        }
    }

    /** LinearLR: the factor moves linearly from {@code startFactor} to {@code endFactor} over {@code totalIters}. */
    @Kind("linear")
    record Linear(double lr, @Default("0.3333333333333333") double startFactor, @Default("1") double endFactor,
            @Default("5") long totalIters, @Default("\"epoch\"") Interval interval) implements ScheduleSpec {
        @Override
        public Schedule build(Timing t) {
            return in(interval, t, Schedule.linear(lr, startFactor, endFactor, totalIters));
        }

        @Override
        public double peakLr() {
            return lr * Math.max(startFactor, endFactor);
        }

        @Override
        public String family() {
            return "linear";
        }
    }

    /** ConstantLR: {@code lr * factor} for {@code totalIters}, then {@code lr}. */
    @Kind("constant_factor")
    record ConstantFactor(double lr, @Default("0.3333333333333333") double factor, @Default("5") long totalIters,
            @Default("\"epoch\"") Interval interval) implements ScheduleSpec {
        @Override
        public Schedule build(Timing t) {
            return in(interval, t, Schedule.constantFactor(lr, factor, totalIters));
        }

        @Override
        public double peakLr() {
            return lr;
        }

        @Override
        public String family() {
            return "constant factor";
        }
    }

    /** PolynomialLR: {@code lr * (1 - t / totalIters)^power}; {@code totalIters} null is the rest of the run. */
    @Kind("polynomial")
    record Polynomial(double lr, @Default("null") Long totalIters, @Default("1") double power,
            @Default("\"epoch\"") Interval interval) implements ScheduleSpec {
        @Override
        public Schedule build(Timing t) {
            return in(interval, t, Schedule.polynomial(lr, totalIters == null ? t.rest(interval) : totalIters, power));
        }

        @Override
        public double peakLr() {
            return lr;
        }

        @Override
        public String family() {
            return "polynomial";
        }
    }

    /** CosineAnnealingLR from {@code lr} to {@code etaMin} over {@code tMax} (null: the rest of the run). */
    @Kind("cosine")
    record Cosine(double lr, @Default("null") Long tMax, @Default("0") double etaMin, @Default("\"epoch\"") Interval interval)
            implements ScheduleSpec {
        @Override
        public Schedule build(Timing t) {
            return in(interval, t, Schedule.cosine(lr, tMax == null ? t.rest(interval) : tMax, etaMin));
        }

        @Override
        public double peakLr() {
            return lr;
        }

        @Override
        public String family() {
            return "cosine";
        }
    }

    /** CosineAnnealingWarmRestarts: cycles of {@code t0}, each {@code tMult} times the last. */
    @Kind("cosine_warm_restarts")
    record WarmRestarts(double lr, long t0, @Default("1") int tMult, @Default("0") double etaMin,
            @Default("\"epoch\"") Interval interval) implements ScheduleSpec {
        @Override
        public Schedule build(Timing t) {
            return in(interval, t, Schedule.cosineWarmRestarts(lr, t0, tMult, etaMin));
        }

        @Override
        public double peakLr() {
            return lr;
        }

        @Override
        public String family() {
            return "cosine warm restarts";
        }
    }

    /** OneCycleLR over {@code totalSteps} optimizer steps (null: the rest of the run), PyTorch's defaults. */
    @Kind("onecycle")
    record OneCycleSpec(double maxLr, @Default("null") Long totalSteps, @Default("0.3") double pctStart,
            @Default("\"cos\"") OneCycle.Anneal anneal, @Default("25") double divFactor, @Default("1e4") double finalDivFactor,
            @Default("false") boolean threePhase, @Default("true") boolean cycleMomentum,
            @Default("0.85") double baseMomentum, @Default("0.95") double maxMomentum) implements ScheduleSpec {

        /** PyTorch's OneCycleLR at {@code maxLr} over the whole run, with its defaults. */
        public static OneCycleSpec of(double maxLr) {
            return new OneCycleSpec(maxLr, null, 0.3, OneCycle.Anneal.COS, 25, 1e4, false, true, 0.85, 0.95);
        }

        /** The same without cycling the momentum. */
        public OneCycleSpec withoutMomentumCycling() {
            return new OneCycleSpec(maxLr, totalSteps, pctStart, anneal, divFactor, finalDivFactor, threePhase, false,
                    baseMomentum, maxMomentum);
        }

        @Override
        public Schedule build(Timing t) {
            return new OneCycle(maxLr, totalSteps == null ? t.steps() : totalSteps, pctStart, anneal, divFactor, finalDivFactor,
                    threePhase, cycleMomentum, baseMomentum, maxMomentum);
        }

        @Override
        public double peakLr() {
            return maxLr;
        }

        @Override
        public String family() {
            return cycleMomentum ? "onecycle" : "onecycle, momentum fixed";
        }

        @Override
        public boolean cyclesMomentum() {
            return cycleMomentum;
        }
    }

    /** CyclicLR between {@code baseLr} and {@code maxLr}, in optimizer steps. */
    @Kind("cyclic")
    record CyclicSpec(double baseLr, double maxLr, @Default("2000") long stepSizeUp, @Default("null") Long stepSizeDown,
            @Default("\"triangular\"") Cyclic.Mode mode, @Default("1") double gamma, @Default("true") boolean cycleMomentum,
            @Default("0.8") double baseMomentum, @Default("0.9") double maxMomentum) implements ScheduleSpec {
        @Override
        public Schedule build(Timing t) {
            return new Cyclic(baseLr, maxLr, stepSizeUp, stepSizeDown == null ? stepSizeUp : stepSizeDown, mode, gamma,
                    cycleMomentum, baseMomentum, maxMomentum);
        }

        @Override
        public double peakLr() {
            return maxLr;
        }

        @Override
        public String family() {
            return "cyclic";
        }

        @Override
        public boolean cyclesMomentum() {
            return cycleMomentum;
        }
    }

    /** A linear warmup of {@code length} to the first rate of {@code then}, which runs for the rest. */
    @Kind("warmup")
    record Warmup(long length, @Default("\"epoch\"") Interval interval, ScheduleSpec then) implements ScheduleSpec {
        public Warmup {
            if (length < 1) {
                throw new IllegalArgumentException("length must be >= 1, got " + length);
            }
            Objects.requireNonNull(then, "then");
            if (then instanceof PlateauSpec) {
                throw new IllegalArgumentException("then: put the warmup inside the plateau's base, not the plateau inside the warmup");
            }
        }

        @Override
        public Schedule build(Timing t) {
            long w = t.steps(length, interval);
            return then.build(t.withSteps(t.steps() - w)).withWarmup(w);
        }

        @Override
        public double peakLr() {
            return then.peakLr();
        }

        @Override
        public String family() {
            return "warmup + " + then.family();
        }

        @Override
        public boolean cyclesMomentum() {
            return then.cyclesMomentum();
        }
    }

    /** SequentialLR: {@code schedules[i]} from {@code milestones[i - 1]} on, each starting at its own step 0. */
    @Kind("sequence")
    record Sequence(List<ScheduleSpec> schedules, long[] milestones, @Default("\"epoch\"") Interval interval)
            implements ScheduleSpec {
        public Sequence {
            schedules = List.copyOf(schedules);
            milestones = milestones.clone();
            if (schedules.size() != milestones.length + 1) {
                throw new IllegalArgumentException("needs one milestone fewer than schedules, got " + schedules.size()
                        + " schedules and " + milestones.length + " milestones");
            }
            if (schedules.stream().anyMatch(PlateauSpec.class::isInstance)) {
                throw new IllegalArgumentException("schedules: a plateau goes around the whole schedule, not inside a sequence");
            }
        }

        @Override
        public Schedule build(Timing t) {
            long[] at = Arrays.stream(milestones).map(m -> t.steps(m, interval)).toArray();
            List<Schedule> parts = new ArrayList<>();
            for (int i = 0; i < schedules.size(); i++) {
                long from = i == 0 ? 0 : at[i - 1];
                long to = i < at.length ? at[i] : t.steps();
                parts.add(schedules.get(i).build(t.withSteps(to - from)));
            }
            return Schedule.sequence(parts, at);
        }

        @Override
        public double peakLr() {
            return schedules.stream().mapToDouble(ScheduleSpec::peakLr).max().orElseThrow();
        }

        @Override
        public String family() {
            return String.join(" then ", schedules.stream().map(ScheduleSpec::family).toList());
        }

        @Override
        public boolean cyclesMomentum() {
            return schedules.stream().anyMatch(ScheduleSpec::cyclesMomentum);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Sequence s && schedules.equals(s.schedules) && Arrays.equals(milestones, s.milestones)
                    && interval == s.interval;
        }

        @Override
        public int hashCode() {
            return Objects.hash(schedules, Arrays.hashCode(milestones), interval);
        }

        @Override
        public String toString() {
            return "Sequence[schedules=" + schedules + ", milestones=" + Arrays.toString(milestones) + ", interval=" + interval + "]";
        }
    }

    /** ChainedScheduler: {@code schedule}'s rate times {@code factor}'s (build the factor on a base rate of 1). */
    @Kind("chained")
    record Chained(ScheduleSpec schedule, ScheduleSpec factor) implements ScheduleSpec {
        public Chained {
            Objects.requireNonNull(schedule, "schedule");
            Objects.requireNonNull(factor, "factor");
            if (schedule instanceof PlateauSpec || factor instanceof PlateauSpec) {
                throw new IllegalArgumentException("a plateau goes around the whole schedule, not inside a chain");
            }
        }

        @Override
        public Schedule build(Timing t) {
            return schedule.build(t).times(factor.build(t));
        }

        @Override
        public double peakLr() {
            return schedule.peakLr() * factor.peakLr();
        }

        @Override
        public String family() {
            return schedule.family() + " x " + factor.family();
        }

        @Override
        public boolean cyclesMomentum() {
            return schedule.cyclesMomentum() || factor.cyclesMomentum();
        }
    }

    /**
     * ReduceLROnPlateau over any schedule: {@code base}'s rate times a multiplier cut by
     * {@code factor} whenever {@code metric} fails to improve for {@code patience} epochs
     * (PyTorch's defaults; the mode follows the metric: min for a loss).
     */
    @Kind("plateau")
    record PlateauSpec(ScheduleSpec base, @Default("\"test_loss\"") TrainerBuilder.Metric metric,
            @Default("0.1") double factor, @Default("10") int patience, @Default("1e-4") double threshold,
            @Default("\"rel\"") Plateau.ThresholdMode thresholdMode, @Default("0") int cooldown, @Default("0") double minLr,
            @Default("1e-8") double eps) implements ScheduleSpec {
        public PlateauSpec {
            Objects.requireNonNull(base, "base");
            Objects.requireNonNull(metric, "metric");
            if (base instanceof PlateauSpec) {
                throw new IllegalArgumentException("base: one plateau is enough");
            }
            new Plateau.Config(Plateau.Mode.MIN, factor, patience, threshold, thresholdMode, cooldown, minLr, eps);
        }

        /** The plateau's settings; the mode follows the metric (a loss, or a lower-is-better score: min). */
        public Plateau.Config config(Score score) {
            return new Plateau.Config(metric.mode(score), factor, patience, threshold, thresholdMode, cooldown, minLr, eps);
        }

        @Override
        public Schedule build(Timing t) {
            return base.build(t);
        }

        @Override
        public double peakLr() {
            return base.peakLr();
        }

        @Override
        public String family() {
            return base instanceof Constant ? "plateau" : "plateau over " + base.family();
        }

        @Override
        public PlateauSpec plateau() {
            return this;
        }

        @Override
        public boolean cyclesMomentum() {
            return base.cyclesMomentum();
        }
    }
}
