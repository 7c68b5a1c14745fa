package org.gradlab.nn;

import java.util.random.RandomGenerator;

/**
 * A small, fast, seedable random generator whose whole state is one {@code long}, so it can be
 * saved in a checkpoint and restored exactly.
 *
 * <p>The algorithm is SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number
 * generators", OOPSLA 2014). Every other method ({@link #nextDouble()}, {@link #nextGaussian()},
 * bounded ints) comes from {@link RandomGenerator}'s defaults and so depends only on the
 * sequence of {@link #nextLong()} values.
 *
 * <pre>{@code
 * Rng rng = Rng.seeded(42);
 * Dense layer = Dense.of(784, 64, rng);
 * Rng dropoutRng = rng.split();
 * }</pre>
 */
public final class Rng implements RandomGenerator {
    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;
    private long state;

    private Rng(long state) {
        this.state = state;
    }

    /** A generator seeded with {@code seed}; equal seeds give equal sequences. */
    public static Rng seeded(long seed) {
        return new Rng(seed);
    }

    @Override
    public long nextLong() {
        long z = (state += GOLDEN_GAMMA);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** A new generator seeded from this one, for a component that needs a stream of its own. */
    public Rng split() {
        return new Rng(nextLong());
    }

    /** The whole state: {@code restore(state())} rewinds this generator to now. */
    public long state() {
        return state;
    }

    /** Sets the state saved by {@link #state()}. */
    public void restore(long savedState) {
        this.state = savedState;
    }
}
