package org.gradlab.optim;

/** Hyper-parameter checks whose messages name the optimizer, the setting and the value. */
final class Hyper {
    private Hyper() {
    }

    static void nonNegative(String who, String name, double v) {
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(who + ": " + name + " must be finite and >= 0, got " + v);
        }
    }

    static void inUnitInterval(String who, String name, double v) {
        if (!(v >= 0 && v < 1)) {
            throw new IllegalArgumentException(who + ": " + name + " must be in [0, 1), got " + v);
        }
    }
}
