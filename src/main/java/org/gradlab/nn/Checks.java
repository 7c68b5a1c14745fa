package org.gradlab.nn;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Argument checks shared by the layers; every message names the layer, the value and what was expected. */
final class Checks {
    private Checks() {
    }

    /** Requires the input in the parameters' data type (float32 or float64). */
    static void requireType(String who, INDArray input, INDArray param) {
        if (input.dataType() != param.dataType()) {
            throw new IllegalArgumentException(who + ": input is " + input.dataType() + " but the parameters are "
                    + param.dataType() + "; convert one with castTo(...) or to(...)");
        }
    }

    /** Requires a {@code [batch, features]} matrix. */
    static void requireFeatures(String who, INDArray input, long features) {
        if (input.rank() != 2 || input.columns() != features) {
            throw new IllegalArgumentException(who + ": input must be [batch, " + features + "], got "
                    + Arrays.toString(input.shape()));
        }
    }

    /** Requires that {@code forward} ran before {@code backward}, with a gradient of the output's shape. */
    static void requireBackward(String who, INDArray cached, INDArray gradOutput) {
        if (cached == null) {
            throw new IllegalStateException(who + ": backward called before forward");
        }
        if (!Arrays.equals(cached.shape(), gradOutput.shape())) {
            throw new IllegalArgumentException(who + ": gradient must have the output's shape "
                    + Arrays.toString(cached.shape()) + ", got " + Arrays.toString(gradOutput.shape()));
        }
    }

    static int positive(String who, String what, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(who + ": " + what + " must be > 0, got " + value);
        }
        return value;
    }

    /** The row-major index of the first element of {@code a} that {@code bad} accepts, or -1; reads the memory in place when it can. */
    static int firstWhere(INDArray a, java.util.function.DoublePredicate bad) {
        java.nio.FloatBuffer f = HostArrays.floatView(a);
        java.nio.DoubleBuffer d = f == null ? HostArrays.doubleView(a) : null;
        double[] v = f == null && d == null ? HostArrays.toDoubles(a) : null;
        int n = Math.toIntExact(a.length());
        for (int k = 0; k < n; k++) {
            if (bad.test(f != null ? f.get(k) : d != null ? d.get(k) : v[k])) {
                return k;
            }
        }
        return -1;
    }
}
