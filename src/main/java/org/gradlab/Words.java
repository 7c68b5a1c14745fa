package org.gradlab;

/** Words for people, shared by every package: a count with its noun ("1 seed", "3 seeds"). */
public final class Words {
    private Words() {
    }

    /** {@code n} and its noun: "1 seed", "3 seeds", "0 seeds". */
    public static String count(long n, String noun) {
        return n + " " + noun(n, noun);
    }

    /** The noun for {@code n} of it: {@code noun} for 1, with an "s" otherwise ("seed", "seeds"). */
    public static String noun(long n, String noun) {
        return n == 1 ? noun : noun + "s";
    }
}
