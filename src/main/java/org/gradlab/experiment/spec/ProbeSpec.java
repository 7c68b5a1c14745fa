package org.gradlab.experiment.spec;

import java.util.List;

/**
 * What a run measures besides training, on some of its seeds; measuring changes no training bit.
 * {@code sharpnessEvery}: the training loss's sharpness (and its stability limit) every so many
 * steps, on the first 128 training examples ({@code SharpnessCallback}; 0: never);
 * {@code jacobian}: the largest singular value of each layer's input-output Jacobian at
 * initialisation, on the first 32 training examples ({@code JacobianSpectrum}, in training mode);
 * {@code seeds}: the seeds of the run that measure (the others only train). In JSON:
 * {@code "probes": {"sharpnessEvery": 50, "seeds": [0]}}.
 *
 * @param sharpnessEvery steps between sharpness samples, 0 for none
 * @param jacobian       whether to measure the Jacobian spectrum at initialisation
 * @param seeds          the seeds that measure
 */
public record ProbeSpec(@Default("0") int sharpnessEvery, @Default("false") boolean jacobian, @Default("[0]") List<Long> seeds) {
    /** Nothing measured. */
    public static final ProbeSpec NONE = new ProbeSpec(0, false, List.of(0L));

    public ProbeSpec {
        if (sharpnessEvery < 0) {
            throw new IllegalArgumentException("probes: sharpnessEvery must be >= 0 (0: never), got " + sharpnessEvery);
        }
        seeds = seeds == null ? List.of(0L) : List.copyOf(seeds);
    }

    /** Every {@code n} steps, on seed 0. */
    public static ProbeSpec sharpness(int n) {
        return new ProbeSpec(n, false, List.of(0L));
    }

    /** The Jacobian spectrum at initialisation, on seed 0. */
    public static ProbeSpec jacobianAtInit() {
        return new ProbeSpec(0, true, List.of(0L));
    }

    /** Whether a run at {@code seed} samples the sharpness. */
    public boolean sharpnessAt(long seed) {
        return sharpnessEvery > 0 && seeds.contains(seed);
    }

    /** Whether a run at {@code seed} measures the Jacobian spectrum at initialisation. */
    public boolean jacobianAt(long seed) {
        return jacobian && seeds.contains(seed);
    }
}
