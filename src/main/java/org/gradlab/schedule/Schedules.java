package org.gradlab.schedule;

import org.gradlab.Checks;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalDouble;
import java.util.function.LongToDoubleFunction;

/** The closed-form schedules behind {@link Schedule}'s factories; each formula is PyTorch's closed form. */
final class Schedules {
    private Schedules() {
    }

    record Constant(double lr) implements Schedule {
        @Override
        public double at(long k) {
            Checks.step(k);
            return lr;
        }
    }

    record StepDecay(double lr, long stepSize, double gamma) implements Schedule {
        @Override
        public double at(long k) {
            return lr * Math.pow(gamma, Checks.step(k) / stepSize);
        }
    }

    record MultiStep(double lr, long[] milestones, double gamma) implements Schedule {
        @Override
        public double at(long k) {
            Checks.step(k);
            int passed = 0;
            while (passed < milestones.length && milestones[passed] <= k) {
                passed++;
            }
            return lr * Math.pow(gamma, passed);
        }

        @Override
        public String toString() {
            return "MultiStep[lr=" + lr + ", milestones=" + Arrays.toString(milestones) + ", gamma=" + gamma + "]";
        }
    }

    record ConstantFactor(double lr, double factor, long totalIters) implements Schedule {
        @Override
        public double at(long k) {
            return Checks.step(k) < totalIters ? lr * factor : lr;
        }
    }

    record Linear(double lr, double startFactor, double endFactor, long totalIters) implements Schedule {
        @Override
        public double at(long k) {
            long t = Math.min(totalIters, Checks.step(k));
            return lr * (startFactor + (endFactor - startFactor) * t / totalIters);
        }
    }

    record Exponential(double lr, double gamma) implements Schedule {
        @Override
        public double at(long k) {
            return lr * Math.pow(gamma, Checks.step(k));
        }
    }

    record Polynomial(double lr, long totalIters, double power) implements Schedule {
        @Override
        public double at(long k) {
            long t = Math.min(totalIters, Checks.step(k));
            return lr * Math.pow(1.0 - (double) t / totalIters, power);
        }
    }

    record Cosine(double lr, long tMax, double etaMin) implements Schedule {
        @Override
        public double at(long k) {
            return etaMin + (lr - etaMin) * (1 + Math.cos(Math.PI * Checks.step(k) / tMax)) / 2;
        }
    }

    record WarmRestarts(double lr, long t0, int tMult, double etaMin) implements Schedule {
        @Override
        public double at(long k) {
            long tCur = Checks.step(k);
            long tI = t0;
            while (tCur >= tI) {   // integer cycle arithmetic, as PyTorch's step(): no float log at the boundaries
                tCur -= tI;
                tI *= tMult;
            }
            return etaMin + (lr - etaMin) * (1 + Math.cos(Math.PI * tCur / tI)) / 2;
        }
    }

    record Lambda(double lr, LongToDoubleFunction factor) implements Schedule {
        @Override
        public double at(long k) {
            return lr * factor.applyAsDouble(Checks.step(k));
        }
    }

    record Sequence(List<Schedule> schedules, long[] milestones) implements Schedule {
        @Override
        public double at(long k) {
            int i = index(Checks.step(k));
            return schedules.get(i).at(i == 0 ? k : k - milestones[i - 1]);
        }

        @Override
        public OptionalDouble momentumAt(long k) {
            int i = index(Checks.step(k));
            return schedules.get(i).momentumAt(i == 0 ? k : k - milestones[i - 1]);
        }

        private int index(long k) {
            int i = 0;
            while (i < milestones.length && milestones[i] <= k) {
                i++;
            }
            return i;
        }

        @Override
        public String toString() {
            return "Sequence[" + schedules + ", milestones=" + Arrays.toString(milestones) + "]";
        }
    }

    record Warmup(Schedule schedule, long steps) implements Schedule {
        @Override
        public double at(long k) {
            return Checks.step(k) < steps ? schedule.at(0) * (k + 1) / steps : schedule.at(k - steps);
        }

        @Override
        public OptionalDouble momentumAt(long k) {
            return schedule.momentumAt(Checks.step(k) < steps ? 0 : k - steps);
        }
    }

    record PerEpoch(Schedule schedule, long stepsPerEpoch) implements Schedule {
        @Override
        public double at(long k) {
            return schedule.at(Checks.step(k) / stepsPerEpoch);
        }

        @Override
        public OptionalDouble momentumAt(long k) {
            return schedule.momentumAt(Checks.step(k) / stepsPerEpoch);
        }
    }

    record Product(Schedule schedule, Schedule factor) implements Schedule {
        @Override
        public double at(long k) {
            return schedule.at(k) * factor.at(k);
        }

        @Override
        public OptionalDouble momentumAt(long k) {
            OptionalDouble m = schedule.momentumAt(k);
            return m.isPresent() ? m : factor.momentumAt(k);
        }
    }
}
