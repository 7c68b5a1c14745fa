package org.gradlab.experiment.spec;

import java.util.Map;
import org.gradlab.nn.Activation;
import org.gradlab.nn.Dense;
import org.gradlab.nn.Layer;
import org.gradlab.nn.Rng;
import org.gradlab.nn.Sequential;

/**
 * The model factory gradlab registers itself (through {@code META-INF/services}, as a user's
 * would be): {@code in -> width -> bottleneck -> width -> classes}, tanh between, PyTorch's init;
 * an example of {@link ModelSpec.Registered} that runs from the command line.
 *
 * <pre>"model": {"kind": "registered", "name": "bottleneck", "args": {"width": 64, "bottleneck": 4}}</pre>
 */
public final class Bottleneck implements ModelFactory {

    @Override
    public String name() {
        return "bottleneck";
    }

    @Override
    public Layer build(Map<String, Object> args, ModelSpec.Shape shape, Rng rng) {
        for (String k : args.keySet()) {
            if (!k.equals("width") && !k.equals("bottleneck")) {
                throw new IllegalArgumentException("args: unknown argument '" + k + "'; bottleneck takes width and bottleneck");
            }
        }
        int width = whole(args, "width", 64);
        int narrow = whole(args, "bottleneck", 8);
        return Sequential.of(
                Sequential.of(Dense.of(shape.features(), width, rng), Activation.tanh()),
                Sequential.of(Dense.of(width, narrow, rng), Activation.tanh()),
                Sequential.of(Dense.of(narrow, width, rng), Activation.tanh()),
                Dense.of(width, shape.classes(), rng));
    }

    @Override
    public long paramCount(Map<String, Object> args, ModelSpec.Shape shape) {
        long width = whole(args, "width", 64);
        long narrow = whole(args, "bottleneck", 8);
        return (shape.features() + 1) * width + (width + 1) * narrow + (narrow + 1) * width + (width + 1) * shape.classes();
    }

    private static int whole(Map<String, Object> args, String name, int fallback) {
        Object v = args.getOrDefault(name, (long) fallback);
        if (!(v instanceof Long n) || n < 1 || n > 4096) {
            throw new IllegalArgumentException("args." + name + " must be a whole number in [1, 4096], got " + v);
        }
        return n.intValue();
    }
}
