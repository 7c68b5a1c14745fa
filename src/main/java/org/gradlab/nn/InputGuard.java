package org.gradlab.nn;

import org.gradlab.host.HostArrays;
import java.util.Locale;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The input filter: a layer that checks every feature of a batch before the network sees it. A
 * value that is NaN, infinite or outside {@code [low, high]} is either rejected, with an
 * {@link IllegalArgumentException} naming the batch row and the feature, or clamped into the
 * range, by {@link Policy}. NaN has no nearest value in a range, so it is rejected under either
 * policy. A clean batch passes through untouched (one read of the batch, no copy).
 * Backward passes the gradient through, zero where a value was clamped (the derivative of
 * clamping).
 *
 * <pre>{@code
 * Sequential model = Sequential.of(InputGuard.range(0, 1, InputGuard.Policy.REJECT), Dense.of(784, 10, rng));
 * }</pre>
 */
public final class InputGuard implements Layer {

    /** What to do with a value outside the range. */
    public enum Policy {
        /** Throw, naming the batch row and the feature. */
        REJECT,
        /** Replace it by the nearest bound. */
        CLAMP
    }

    private final double low;
    private final double high;
    private final Policy policy;
    private INDArray mask;
    private boolean seen;

    private InputGuard(double low, double high, Policy policy) {
        if (!(low <= high)) {
            throw new IllegalArgumentException("input guard: need low <= high, got " + low + " and " + high);
        }
        if (policy == Policy.CLAMP && !(Double.isFinite(low) && Double.isFinite(high))) {
            throw new IllegalArgumentException("input guard: clamping needs finite bounds, got [" + low + ", " + high + "]");
        }
        this.low = low;
        this.high = high;
        this.policy = java.util.Objects.requireNonNull(policy, "policy");
    }

    /** Rejects batches holding NaN or infinity. */
    public static InputGuard finite() {
        return new InputGuard(Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY, Policy.REJECT);
    }

    /** Rejects or clamps values outside {@code [low, high]}; always rejects NaN. */
    public static InputGuard range(double low, double high, Policy policy) {
        return new InputGuard(low, high, policy);
    }

    @Override
    public INDArray forward(INDArray x) {
        if (x.rank() != 2) {
            throw new IllegalArgumentException("input guard: input must be [batch, features], got "
                    + java.util.Arrays.toString(x.shape()));
        }
        seen = true;
        mask = null;
        int cols = Math.toIntExact(x.columns());
        int bad = HostArrays.firstWhere(x, e -> Double.isNaN(e)
                || policy == Policy.REJECT && !(e >= low && e <= high && Double.isFinite(e)));
        if (bad >= 0) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "input guard: batch row %d, feature %d is %s; expected a finite value in [%s, %s]",
                    bad / cols, bad % cols, x.getDouble(bad / cols, bad % cols), low, high));
        }
        if (policy == Policy.REJECT || HostArrays.firstWhere(x, e -> e < low || e > high) < 0) {
            return x;
        }
        int n = Math.toIntExact(x.length());
        double[] clamped = HostArrays.toDoubles(x);
        double[] keep = new double[n];
        for (int k = 0; k < n; k++) {
            keep[k] = clamped[k] < low || clamped[k] > high ? 0 : 1;
            clamped[k] = Math.min(high, Math.max(low, clamped[k]));
        }
        mask = HostArrays.fromDoubles(keep, x.shape(), x.dataType());
        return HostArrays.fromDoubles(clamped, x.shape(), x.dataType());
    }

    @Override
    public INDArray backward(INDArray gradOutput) {
        if (!seen) {
            throw new IllegalStateException("input guard: backward called before forward");
        }
        return mask == null ? gradOutput : gradOutput.mul(mask);
    }

    @Override
    public String toString() {
        return policy == Policy.REJECT && Double.isInfinite(low) && Double.isInfinite(high) ? "InputGuard(finite)"
                : "InputGuard([" + low + ", " + high + "], " + policy + ")";
    }
}
