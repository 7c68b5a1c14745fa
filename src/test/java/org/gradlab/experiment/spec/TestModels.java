package org.gradlab.experiment.spec;

import java.util.Map;
import org.gradlab.data.TableData;
import org.gradlab.nn.Activation;
import org.gradlab.nn.Dense;
import org.gradlab.nn.Layer;
import org.gradlab.nn.Rng;
import org.gradlab.nn.Sequential;

/** A model factory and a dataset the tests register: a one-hidden-layer net of {@code width} tanh units. */
public final class TestModels implements ModelFactory {
    public static final String NAME = "test-wide";
    public static final String DATA = "test-xor";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Layer build(Map<String, Object> args, ModelSpec.Shape shape, Rng rng) {
        Object w = args.getOrDefault("width", 32L);
        if (!(w instanceof Long width) || width < 1 || width > 4096) {
            throw new IllegalArgumentException("width must be a whole number in [1, 4096], got " + w);
        }
        return Sequential.of(Dense.of(shape.features(), width.intValue(), rng), Activation.tanh(),
                Dense.of(width.intValue(), shape.classes(), rng));
    }

    /** Registers the factory and a 400-example XOR dataset (idempotent). */
    public static synchronized void register() {
        ModelFactory.register(INSTANCE);
        double[][] x = new double[400][2];
        int[] y = new int[400];
        Rng rng = Rng.seeded(1);
        for (int i = 0; i < x.length; i++) {
            x[i][0] = rng.nextDouble(-1, 1);
            x[i][1] = rng.nextDouble(-1, 1);
            y[i] = x[i][0] * x[i][1] > 0 ? 1 : 0;
        }
        if (XOR == null) {
            XOR = TableData.of(x, y);
        }
        DataRegistry.register(DATA, XOR);
    }

    private static final TestModels INSTANCE = new TestModels();
    private static org.gradlab.data.Dataset XOR;
}
