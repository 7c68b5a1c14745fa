package org.gradlab.schedule;

/** Argument checks for schedules: every message names the schedule, the setting and the value. */
final class Check {
    private Check() {
    }

    static void rate(String who, String name, double v) {
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(who + ": " + name + " must be finite and > 0, got " + v);
        }
    }

    static void positive(String who, String name, double v) {
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(who + ": " + name + " must be > 0, got " + v);
        }
    }

    static void positive(String who, String name, long v) {
        if (v <= 0) {
            throw new IllegalArgumentException(who + ": " + name + " must be > 0, got " + v);
        }
    }

    static void nonNegative(String who, String name, long v) {
        if (v < 0) {
            throw new IllegalArgumentException(who + ": " + name + " must be >= 0, got " + v);
        }
    }

    static void inRange(String who, String name, double v, double lo, double hi) {
        if (!(v >= lo && v <= hi)) {
            throw new IllegalArgumentException(who + ": " + name + " must be in [" + lo + ", " + hi + "], got " + v);
        }
    }

    static void increasing(String who, long[] milestones) {
        for (int i = 0; i < milestones.length; i++) {
            if (milestones[i] <= 0 || (i > 0 && milestones[i] <= milestones[i - 1])) {
                throw new IllegalArgumentException(who + ": milestones must be positive and strictly increasing, got "
                        + java.util.Arrays.toString(milestones));
            }
        }
    }

    /** Every schedule is defined for steps 0, 1, 2, ... only. */
    static long step(long step) {
        if (step < 0) {
            throw new IllegalArgumentException("schedule: step must be >= 0, got " + step);
        }
        return step;
    }
}
