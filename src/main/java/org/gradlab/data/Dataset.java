package org.gradlab.data;

import java.util.Arrays;
import org.gradlab.host.Blas;
import org.gradlab.host.HostArrays;
import org.gradlab.nn.Rng;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Examples for classification: {@code features} {@code [n, d]} and integer class labels in
 * {@code [0, numClasses)}.
 *
 * <pre>{@code
 * Dataset.Split split = Mnist.bundled().split(8_000, 42);
 * }</pre>
 */
public record Dataset(INDArray features, int[] labels, int numClasses) {

    /** A training part and a held-out test part. */
    public record Split(Dataset train, Dataset test) {

        /**
         * Both parts with every feature standardised by the training part's mean and standard
         * deviation (a constant feature is only centred), so nothing of the test part leaks into
         * the scaling.
         */
        public Split standardized() {
            INDArray f = train.features();
            INDArray mean = f.mean(0);
            INDArray std = f.std(false, 0);
            std = std.add(std.eq(0).castTo(std.dataType()));      // 0 -> 1: constant features are only centred
            return new Split(train.scaled(mean, std), test.scaled(mean, std));
        }
    }

    /** {@code (x - mean) / std} per feature. */
    private Dataset scaled(INDArray mean, INDArray std) {
        return new Dataset(features.subRowVector(mean).diviRowVector(std), labels, numClasses);
    }

    public Dataset {
        if (features.rank() != 2) {
            throw new IllegalArgumentException("Dataset: features must be [n, d], got " + Arrays.toString(features.shape()));
        }
        if (features.rows() != labels.length) {
            throw new IllegalArgumentException("Dataset: " + features.rows() + " feature rows but " + labels.length + " labels");
        }
        if (numClasses < 2) {
            throw new IllegalArgumentException("Dataset: numClasses must be >= 2, got " + numClasses);
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= numClasses) {
                throw new IllegalArgumentException("Dataset: label " + labels[i] + " at index " + i
                        + " is outside [0, " + numClasses + ")");
            }
        }
        if (!allFinite(features)) {
            throw new IllegalArgumentException("Dataset: features contain NaN or infinite values");
        }
    }

    /** Whether every feature is finite; float32 is read in chunks, without ND4J's full-size boolean masks. */
    private static boolean allFinite(INDArray f) {
        if (!Blas.isFloat(f)) {
            return !f.isR() || !(f.isNaN().any() || f.isInfinite().any());
        }
        long n = f.length();
        float[] chunk = Blas.staging(0, (int) Math.min(n, 1 << 16));
        for (long at = 0; at < n; at += chunk.length) {
            int len = (int) Math.min(chunk.length, n - at);
            Blas.read(f, at, chunk, len);
            float acc = 0;
            for (int i = 0; i < len; i++) {
                acc += chunk[i] * 0f;      // 0 for finite values, NaN for NaN and infinities
            }
            if (acc != 0) {
                return false;
            }
        }
        return true;
    }

    public int size() {
        return labels.length;
    }

    public int inputSize() {
        return features.columns();
    }

    /** The examples at {@code indices}, in that order. */
    public Dataset select(int[] indices) {
        int[] l = new int[indices.length];
        for (int i = 0; i < indices.length; i++) {
            if (indices[i] < 0 || indices[i] >= labels.length) {
                throw new IllegalArgumentException("select: index " + indices[i] + " (at position " + i + ") is outside [0, "
                        + labels.length + ")");
            }
            l[i] = labels[indices[i]];
        }
        return new Dataset(HostArrays.rows(features, indices), l, numClasses);
    }

    /** The same examples with features of another type (e.g. DOUBLE). */
    public Dataset castTo(DataType type) {
        return new Dataset(features.castTo(type), labels, numClasses);
    }

    /** One-hot targets {@code [indices.length, numClasses]} of the features' type for the labels at {@code indices}. */
    public INDArray oneHot(int[] indices) {
        INDArray t = Nd4j.create(features.dataType(), indices.length, numClasses);
        oneHotInto(indices, t);
        return t;
    }

    /** Writes the one-hot targets of the labels at {@code indices} into {@code into} ({@code [indices.length, numClasses]}). */
    void oneHotInto(int[] indices, INDArray into) {
        int n = indices.length * numClasses;
        if (Blas.isFloat(into)) {
            float[] t = Blas.staging(0, n);
            Arrays.fill(t, 0, n, 0f);
            for (int i = 0; i < indices.length; i++) {
                t[i * numClasses + labels[indices[i]]] = 1f;
            }
            Blas.write(t, into);
        } else {
            into.assign(0);
            for (int i = 0; i < indices.length; i++) {
                into.putScalar(i, labels[indices[i]], 1.0);
            }
        }
    }

    /** Copies the feature rows at {@code indices} into {@code into} ({@code [indices.length, d]}), row by row in memory. */
    void rowsInto(int[] indices, INDArray into) {
        if (!HostArrays.rowsInto(features, indices, into)) {
            into.assign(features.getRows(indices));
        }
    }

    /** A seeded random split into {@code trainSize} training examples and the rest for testing. */
    public Split split(int trainSize, long seed) {
        if (trainSize <= 0 || trainSize >= size()) {
            throw new IllegalArgumentException("split: trainSize must be in [1, " + (size() - 1) + "], got " + trainSize);
        }
        int[] perm = Batches.permutation(size(), Rng.seeded(seed));
        return new Split(select(Arrays.copyOfRange(perm, 0, trainSize)), select(Arrays.copyOfRange(perm, trainSize, size())));
    }

    /** The default 80/20 split (8,000/2,000 for the bundled digits). */
    public Split split(long seed) {
        return split(size() * 4 / 5, seed);
    }

    /** Examples per class, indexed by class. */
    public int[] classCounts() {
        int[] c = new int[numClasses];
        for (int l : labels) {
            c[l]++;
        }
        return c;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Dataset d && numClasses == d.numClasses && Arrays.equals(labels, d.labels)
                && features.equals(d.features);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(labels) + numClasses;
    }

    @Override
    public String toString() {
        return "Dataset(" + size() + " x " + inputSize() + ", " + numClasses + " classes)";
    }
}
