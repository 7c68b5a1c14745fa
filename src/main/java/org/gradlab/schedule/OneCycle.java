package org.gradlab.schedule;

import org.gradlab.Checks;
import java.util.OptionalDouble;

/**
 * OneCycleLR (Smith and Topin 2018), PyTorch's semantics: the rate rises from
 * {@code maxLr / divFactor} to {@code maxLr} over the first {@code pctStart} of the steps, then
 * anneals to {@code maxLr / divFactor / finalDivFactor}; with {@code threePhase} it first comes
 * back down to the initial rate and only then anneals. Momentum moves inversely between
 * {@code maxMomentum} and {@code baseMomentum}. Made by {@link Schedule#oneCycle}.
 *
 * <p>PyTorch's {@code OneCycleLR} computes each step from {@code last_epoch} (it is not
 * chainable), with the same phase boundaries and annealing formulas as here, so every setting
 * (pct_start, div_factor, final_div_factor, three_phase, anneal_strategy, base/max momentum)
 * agrees with its traces to about 1e-16.
 *
 * <pre>{@code Schedule.oneCycle(1.0, 1000).withPctStart(0.25).withAnneal(OneCycle.Anneal.LINEAR);}</pre>
 */
public record OneCycle(double maxLr, long totalSteps, double pctStart, Anneal anneal, double divFactor,
        double finalDivFactor, boolean threePhase, boolean cycleMomentum, double baseMomentum, double maxMomentum)
        implements Schedule {

    /** How each phase moves between its end points. */
    public enum Anneal {
        /** {@code end + (start - end) (1 + cos(pi pct)) / 2}. */
        COS,
        /** {@code start + (end - start) pct}. */
        LINEAR;

        double between(double start, double end, double pct) {
            return this == COS ? end + (start - end) / 2.0 * (Math.cos(Math.PI * pct) + 1) : (end - start) * pct + start;
        }
    }

    public OneCycle {
        Checks.rate("oneCycle", "maxLr", maxLr);
        Checks.positive("oneCycle", "totalSteps", totalSteps);
        if (!(pctStart > 0 && pctStart < 1)) {
            throw new IllegalArgumentException("oneCycle: pctStart must be in (0, 1), got " + pctStart);
        }
        java.util.Objects.requireNonNull(anneal, "anneal");
        Checks.positive("oneCycle", "divFactor", divFactor);
        Checks.positive("oneCycle", "finalDivFactor", finalDivFactor);
        Checks.inRange("oneCycle", "baseMomentum", baseMomentum, 0, maxMomentum);
        Checks.inRange("oneCycle", "maxMomentum", maxMomentum, baseMomentum, 1);
    }

    public OneCycle withPctStart(double pct) {
        return new OneCycle(maxLr, totalSteps, pct, anneal, divFactor, finalDivFactor, threePhase, cycleMomentum,
                baseMomentum, maxMomentum);
    }

    public OneCycle withAnneal(Anneal a) {
        return new OneCycle(maxLr, totalSteps, pctStart, a, divFactor, finalDivFactor, threePhase, cycleMomentum,
                baseMomentum, maxMomentum);
    }

    public OneCycle withDivFactors(double div, double finalDiv) {
        return new OneCycle(maxLr, totalSteps, pctStart, anneal, div, finalDiv, threePhase, cycleMomentum,
                baseMomentum, maxMomentum);
    }

    public OneCycle withThreePhase() {
        return new OneCycle(maxLr, totalSteps, pctStart, anneal, divFactor, finalDivFactor, true, cycleMomentum,
                baseMomentum, maxMomentum);
    }

    /** Momentum cycles between {@code base} and {@code max}. */
    public OneCycle withMomentum(double base, double max) {
        return new OneCycle(maxLr, totalSteps, pctStart, anneal, divFactor, finalDivFactor, threePhase, true, base, max);
    }

    /** Leaves momentum alone (for optimizers without one, such as Adagrad). */
    public OneCycle withoutMomentumCycling() {
        return new OneCycle(maxLr, totalSteps, pctStart, anneal, divFactor, finalDivFactor, threePhase, false,
                baseMomentum, maxMomentum);
    }

    public double initialLr() {
        return maxLr / divFactor;
    }

    public double minLr() {
        return initialLr() / finalDivFactor;
    }

    @Override
    public double at(long step) {
        Phase p = phase(step);
        double[] lr = threePhase
                ? new double[] {initialLr(), maxLr, initialLr(), minLr()}
                : new double[] {initialLr(), maxLr, minLr()};
        return anneal.between(lr[p.index], lr[p.index + 1], p.pct);
    }

    @Override
    public OptionalDouble momentumAt(long step) {
        if (!cycleMomentum) {
            return OptionalDouble.empty();
        }
        Phase p = phase(step);
        double[] m = threePhase
                ? new double[] {maxMomentum, baseMomentum, maxMomentum, maxMomentum}
                : new double[] {maxMomentum, baseMomentum, maxMomentum};
        return OptionalDouble.of(anneal.between(m[p.index], m[p.index + 1], p.pct));
    }

    private record Phase(int index, double pct) {
    }

    /** PyTorch's phase boundaries: pct*T - 1, (2*pct*T - 2 with three phases), T - 1, as floats. */
    private Phase phase(long step) {
        Checks.step(step);
        if (step > totalSteps) {
            throw new IllegalArgumentException("oneCycle: step " + step + " is past totalSteps " + totalSteps);
        }
        double[] ends = threePhase
                ? new double[] {pctStart * totalSteps - 1, 2 * pctStart * totalSteps - 2, totalSteps - 1}
                : new double[] {pctStart * totalSteps - 1, totalSteps - 1};
        double start = 0;
        for (int i = 0; i < ends.length; i++) {
            if (step <= ends[i] || i == ends.length - 1) {
                return new Phase(i, (step - start) / (ends[i] - start));
            }
            start = ends[i];
        }
        throw new AssertionError("unreachable");
    }
}
