package org.gradlab;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Argument checks shared by the library: every message names who checks, the setting, the bad
 * value and what was expected, e.g. {@code "cosine: totalSteps must be > 0, got 0"}.
 */
public final class Checks {
    private Checks() {
    }

    /** Requires the input in the parameters' data type (float32 or float64). */
    public static void requireType(String who, INDArray input, INDArray param) {
        if (input.dataType() != param.dataType()) {
            throw new IllegalArgumentException(who + ": input is " + input.dataType() + " but the parameters are "
                    + param.dataType() + "; convert one with castTo(...) or to(...)");
        }
    }

    /** Requires a {@code [batch, features]} matrix. */
    public static void requireFeatures(String who, INDArray input, long features) {
        if (input.rank() != 2 || input.columns() != features) {
            throw new IllegalArgumentException(who + ": input must be [batch, " + features + "], got "
                    + Arrays.toString(input.shape()));
        }
    }

    /** Requires that {@code forward} ran before {@code backward}, with a gradient of the output's shape. */
    public static void requireBackward(String who, INDArray cached, INDArray gradOutput) {
        if (cached == null) {
            throw new IllegalStateException(who + ": backward called before forward");
        }
        if (!Arrays.equals(cached.shape(), gradOutput.shape())) {
            throw new IllegalArgumentException(who + ": gradient must have the output's shape "
                    + Arrays.toString(cached.shape()) + ", got " + Arrays.toString(gradOutput.shape()));
        }
    }

    public static int positive(String who, String what, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(who + ": " + what + " must be > 0, got " + value);
        }
        return value;
    }


    public static void rate(String who, String name, double v) {
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(who + ": " + name + " must be finite and > 0, got " + v);
        }
    }

    public static void positive(String who, String name, double v) {
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(who + ": " + name + " must be > 0, got " + v);
        }
    }

    public static void positive(String who, String name, long v) {
        if (v <= 0) {
            throw new IllegalArgumentException(who + ": " + name + " must be > 0, got " + v);
        }
    }

    public static void nonNegative(String who, String name, long v) {
        if (v < 0) {
            throw new IllegalArgumentException(who + ": " + name + " must be >= 0, got " + v);
        }
    }

    public static void inRange(String who, String name, double v, double lo, double hi) {
        if (!(v >= lo && v <= hi)) {
            throw new IllegalArgumentException(who + ": " + name + " must be in [" + lo + ", " + hi + "], got " + v);
        }
    }

    public static void increasing(String who, long[] milestones) {
        for (int i = 0; i < milestones.length; i++) {
            if (milestones[i] <= 0 || (i > 0 && milestones[i] <= milestones[i - 1])) {
                throw new IllegalArgumentException(who + ": milestones must be positive and strictly increasing, got "
                        + java.util.Arrays.toString(milestones));
            }
        }
    }

    /** Every schedule is defined for steps 0, 1, 2, ... only. */
    public static long step(long step) {
        if (step < 0) {
            throw new IllegalArgumentException("schedule: step must be >= 0, got " + step);
        }
        return step;
    }
}
