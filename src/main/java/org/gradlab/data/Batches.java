package org.gradlab.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.gradlab.nn.Rng;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Minibatches over a {@link Dataset}: reshuffled every epoch from a seeded {@link Rng} (or kept in
 * order), the last batch smaller when the size does not divide evenly (PyTorch's
 * {@code DataLoader(shuffle=True, drop_last=False)}).
 */
public final class Batches {
    private Batches() {
    }

    /** One minibatch: inputs {@code [b, d]}, one-hot targets {@code [b, classes]} and the labels. */
    public record Batch(INDArray features, INDArray targets, int[] labels) {
        public int size() {
            return labels.length;
        }
    }

    /** A uniformly random permutation of {@code 0..n-1} (Fisher-Yates). */
    public static int[] permutation(int n, Rng rng) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /** This epoch's batches in shuffled order ({@code rng} advances), or in order when {@code rng} is null. */
    public static List<Batch> epoch(Dataset data, int batchSize, Rng rng) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batches: batchSize must be > 0, got " + batchSize);
        }
        int n = data.size();
        int[] order = rng == null ? permutationIdentity(n) : permutation(n, rng);
        List<Batch> out = new ArrayList<>((n + batchSize - 1) / batchSize);
        for (int start = 0; start < n; start += batchSize) {
            int[] idx = Arrays.copyOfRange(order, start, Math.min(n, start + batchSize));
            int[] labels = new int[idx.length];
            for (int i = 0; i < idx.length; i++) {
                labels[i] = data.labels()[idx[i]];
            }
            out.add(new Batch(data.features().getRows(idx), data.oneHot(idx), labels));
        }
        return out;
    }

    private static int[] permutationIdentity(int n) {
        int[] p = new int[n];
        Arrays.setAll(p, i -> i);
        return p;
    }
}
