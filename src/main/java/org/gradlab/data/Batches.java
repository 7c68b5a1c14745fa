package org.gradlab.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.gradlab.host.Blas;
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
        int[] order = order(data, batchSize, rng);
        List<Batch> out = new ArrayList<>((order.length + batchSize - 1) / batchSize);
        for (int start = 0; start < order.length; start += batchSize) {
            int[] idx = Arrays.copyOfRange(order, start, Math.min(order.length, start + batchSize));
            Batch b = new Batch(Blas.reuse(null, data.features().dataType(), idx.length, data.inputSize()),
                    Blas.reuse(null, data.features().dataType(), idx.length, data.numClasses()), new int[idx.length]);
            gather(data, order, start, b);
            out.add(b);
        }
        return out;
    }

    /**
     * The same batches as {@link #epoch} (the order drawn now, so {@code rng} advances the same
     * way), gathered one at a time into arrays reused for every batch of the same size: each
     * batch is valid until the iterator moves on. Training loops use this to allocate nothing per
     * step.
     */
    public static Iterable<Batch> reusing(Dataset data, int batchSize, Rng rng) {
        return reusing(data, batchSize, rng, 0);
    }

    /**
     * As {@link #reusing(Dataset, int, Rng)}, starting at batch {@code fromBatch} of the epoch (a
     * run resumed mid-epoch): the order is drawn whole, the batches before it are not gathered.
     */
    public static Iterable<Batch> reusing(Dataset data, int batchSize, Rng rng, int fromBatch) {
        int[] order = order(data, batchSize, rng);
        if (fromBatch < 0 || (long) fromBatch * batchSize > order.length) {
            throw new IllegalArgumentException("batches: fromBatch must be in [0, "
                    + (order.length + batchSize - 1) / batchSize + "], got " + fromBatch);
        }
        int first = fromBatch * batchSize;
        return () -> new java.util.Iterator<>() {
            private int start = first;
            private Batch full;
            private Batch tail;

            @Override
            public boolean hasNext() {
                return start < order.length;
            }

            @Override
            public Batch next() {
                if (!hasNext()) {
                    throw new java.util.NoSuchElementException("batches: the epoch has " + order.length + " examples");
                }
                int size = Math.min(batchSize, order.length - start);
                Batch b = size == batchSize ? (full = full != null ? full : allocate(data, size))
                        : (tail = tail != null ? tail : allocate(data, size));
                gather(data, order, start, b);
                start += size;
                return b;
            }
        };
    }

    private static int[] order(Dataset data, int batchSize, Rng rng) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batches: batchSize must be > 0, got " + batchSize);
        }
        return rng == null ? permutationIdentity(data.size()) : permutation(data.size(), rng);
    }

    private static Batch allocate(Dataset data, int size) {
        return new Batch(Blas.reuse(null, data.features().dataType(), size, data.inputSize()),
                Blas.reuse(null, data.features().dataType(), size, data.numClasses()), new int[size]);
    }

    /** Copies examples {@code order[start..start + b.size())} into {@code b}'s arrays. */
    private static void gather(Dataset data, int[] order, int start, Batch b) {
        int n = b.size();
        int[] idx = Arrays.copyOfRange(order, start, start + n);
        for (int i = 0; i < n; i++) {
            b.labels()[i] = data.labels()[idx[i]];
        }
        data.rowsInto(idx, b.features());
        data.oneHotInto(idx, b.targets());
    }

    private static int[] permutationIdentity(int n) {
        int[] p = new int[n];
        Arrays.setAll(p, i -> i);
        return p;
    }
}
