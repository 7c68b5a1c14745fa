package org.gradlab.experiment.spec;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.gradlab.data.Dataset;
import org.gradlab.data.Mnist;
import org.gradlab.data.TableData;

/**
 * A run's data as data: where the examples come from ({@link #source()}: read once and shared by
 * every run that names the same source), how they are split for a seed ({@link #split}), and the
 * batch size. Sources: the bundled digits, any IDX image/label pair (official MNIST,
 * Fashion-MNIST, EMNIST), a CSV file read with Tablesaw, or a dataset registered from Java
 * ({@link DataRegistry}: a Tablesaw table or arrays). Without a fixed test set the examples are
 * split with the run's seed, {@code train} for training (80% when left out) and the rest for
 * testing.
 */
public sealed interface DataSpec permits DataSpec.Digits, DataSpec.Idx, DataSpec.Csv, DataSpec.Registered {

    /** Examples per batch. */
    int batch();

    /** What {@link Source#read()} reads: equal sources read equal data, so a study reads each once. */
    Source source();

    /** The training and test parts for {@code seed} from the data {@code source()} read. */
    Dataset.Split split(Raw data, long seed);

    /** The data as read: every example, and the fixed test set when the source has one (else null). */
    record Raw(Dataset all, Dataset test) {
        public Raw {
            Objects.requireNonNull(all, "all");
            if (test != null && (test.inputSize() != all.inputSize() || test.numClasses() != all.numClasses())) {
                throw new IllegalArgumentException("the test set has " + test.inputSize() + " features and " + test.numClasses()
                        + " classes, the training set " + all.inputSize() + " and " + all.numClasses());
            }
        }

        /** The model shape these examples need. */
        public ModelSpec.Shape shape() {
            return new ModelSpec.Shape(all.inputSize(), all.numClasses());
        }
    }

    /** Something to read examples from. */
    interface Source {
        Raw read() throws IOException;
    }

    /** The seeded split of {@code all}: {@code train} examples (null: 80%) for training, the rest for testing. */
    private static Dataset.Split seeded(Dataset all, Integer train, long seed) {
        int n = train == null ? all.size() * 4 / 5 : train;
        if (n < 1 || n >= all.size()) {
            throw new IllegalArgumentException("data.train must be in [1, " + (all.size() - 1) + "] for " + all.size()
                    + " examples, got " + n);
        }
        return all.split(n, seed);
    }

    private static void requireBatch(int batch) {
        if (batch < 1 || batch > 65536) {
            throw new IllegalArgumentException("batch must be in [1, 65536], got " + batch);
        }
    }

    private static void requireTrain(Integer train) {
        if (train != null && train < 1) {
            throw new IllegalArgumentException("train must be >= 1, got " + train);
        }
    }

    /** The 10,000 MNIST digits bundled with gradlab (784 pixels / 255, 10 classes). */
    @Kind("digits")
    record Digits(@Default("8000") int train, @Default("32") int batch) implements DataSpec {
        /** The default: 8,000 for training, 2,000 for testing, batch 32. */
        public static final Digits DEFAULT = new Digits(8_000, 32);
        /** How many digits are bundled. */
        public static final int EXAMPLES = 10_000;
        /** Their shape: 28x28 pixels, 10 classes. */
        public static final ModelSpec.Shape SHAPE = new ModelSpec.Shape(784, 10);

        public Digits {
            if (train < 1 || train > EXAMPLES - 1) {
                throw new IllegalArgumentException("train must be in [1, " + (EXAMPLES - 1) + "], got " + train);
            }
            requireBatch(batch);
        }

        @Override
        public Source source() {
            return Bundled.DIGITS;
        }

        @Override
        public Dataset.Split split(Raw data, long seed) {
            return data.all().split(train, seed);
        }
    }

    /** The bundled digits as a source. */
    enum Bundled implements Source {
        DIGITS;

        @Override
        public Raw read() {
            return new Raw(Mnist.bundled(), null);
        }
    }

    /**
     * An IDX image/label pair (gzip or plain) of the MNIST layout, with an optional fixed test pair.
     *
     * @param images     the training images file
     * @param labels     the training labels file
     * @param testImages the test images, or null to split the training files with the seed
     * @param testLabels the test labels (with {@code testImages})
     * @param train      examples for training when there is no test pair (null: 80%)
     * @param batch      examples per batch
     */
    @Kind("idx")
    record Idx(Path images, Path labels, @Default("null") Path testImages, @Default("null") Path testLabels,
            @Default("null") Integer train, @Default("32") int batch) implements DataSpec {
        public Idx {
            Objects.requireNonNull(images, "images");
            Objects.requireNonNull(labels, "labels");
            if ((testImages == null) != (testLabels == null)) {
                throw new IllegalArgumentException("testImages and testLabels go together");
            }
            if (testImages != null && train != null) {
                throw new IllegalArgumentException("train: with a test pair every training example trains; leave train out");
            }
            requireTrain(train);
            requireBatch(batch);
        }

        @Override
        public Source source() {
            return new IdxSource(images, labels, testImages, testLabels);
        }

        @Override
        public Dataset.Split split(Raw data, long seed) {
            return data.test() != null ? new Dataset.Split(data.all(), data.test()) : seeded(data.all(), train, seed);
        }
    }

    /** The files of an {@link Idx} spec. */
    record IdxSource(Path images, Path labels, Path testImages, Path testLabels) implements Source {
        @Override
        public Raw read() throws IOException {
            return new Raw(Mnist.loadAny(images, labels), testImages == null ? null : Mnist.loadAny(testImages, testLabels));
        }
    }

    /**
     * A CSV file with a header row, read with Tablesaw: a label column (its distinct values are the
     * classes) and numeric feature columns, standardised with the training part's mean and
     * standard deviation.
     *
     * @param path        the file
     * @param label       the label column
     * @param features    the feature columns (empty: every other column)
     * @param train       examples for training (null: 80%)
     * @param batch       examples per batch
     * @param standardize whether to standardise the features on the training part
     */
    @Kind("csv")
    record Csv(Path path, String label, @Default("[]") List<String> features, @Default("null") Integer train,
            @Default("32") int batch, @Default("true") boolean standardize) implements DataSpec {
        public Csv {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(label, "label");
            features = List.copyOf(features);
            requireTrain(train);
            requireBatch(batch);
        }

        @Override
        public Source source() {
            return new CsvSource(path, label, features);
        }

        @Override
        public Dataset.Split split(Raw data, long seed) {
            Dataset.Split s = seeded(data.all(), train, seed);
            return standardize ? s.standardized() : s;
        }
    }

    /** The file and columns of a {@link Csv} spec. */
    record CsvSource(Path path, String label, List<String> features) implements Source {
        @Override
        public Raw read() throws IOException {
            return new Raw(TableData.readCsv(path, label, features), null);
        }
    }

    /** A dataset registered from Java under {@code name} ({@link DataRegistry}). */
    @Kind("registered")
    record Registered(String name, @Default("null") Integer train, @Default("32") int batch) implements DataSpec {
        public Registered {
            DataRegistry.require(name);
            requireTrain(train);
            requireBatch(batch);
        }

        @Override
        public Source source() {
            return new RegisteredSource(name);
        }

        @Override
        public Dataset.Split split(Raw data, long seed) {
            return seeded(data.all(), train, seed);
        }
    }

    /** The name of a {@link Registered} spec. */
    record RegisteredSource(String name) implements Source {
        @Override
        public Raw read() {
            return new Raw(DataRegistry.require(name), null);
        }
    }
}
