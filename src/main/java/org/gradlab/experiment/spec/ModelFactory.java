package org.gradlab.experiment.spec;

import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.gradlab.nn.Layer;
import org.gradlab.nn.Rng;

/**
 * A network a study can run that the spec types do not describe: a spec names it
 * ({@link ModelSpec.Registered}) and gives its arguments. Register one from Java with
 * {@link #register} or, so that other JVMs (a Spark executor) find it too, list the class in
 * {@code META-INF/services/org.gradlab.experiment.spec.ModelFactory}. A name is taken once: a
 * second factory under it is refused, so two studies in one JVM cannot swap each other's models.
 *
 * <pre>{@code
 * ModelFactory.register(new ModelFactory() {
 *     public String name() { return "wide"; }
 *     public Layer build(Map<String, Object> args, ModelSpec.Shape shape, Rng rng) {
 *         int width = ((Number) args.getOrDefault("width", 512L)).intValue();
 *         return Sequential.of(Dense.of(shape.features(), width, rng), Activation.relu(), Dense.of(width, shape.classes(), rng));
 *     }
 * });
 * // grid JSON: "model": {"kind": "registered", "name": "wide", "args": {"width": 1024}}
 * }</pre>
 */
public interface ModelFactory {

    /** The name specs use: 1 to 40 of [A-Za-z0-9_.-]. */
    String name();

    /**
     * The network for {@code shape}, weights drawn from {@code rng} (seeded with the run's seed);
     * {@code args} are the spec's JSON arguments as plain Java values (Long or Double numbers,
     * String, Boolean, List, Map). Throw {@link IllegalArgumentException} naming a bad argument.
     */
    Layer build(Map<String, Object> args, ModelSpec.Shape shape, Rng rng);

    /** Its parameter count (by default, counted on a model built with a throw-away generator). */
    default long paramCount(Map<String, Object> args, ModelSpec.Shape shape) {
        return build(args, shape, Rng.seeded(0)).paramCount();
    }

    /** Makes {@code factory} available to specs under its name; the same name twice is refused unless it is the same factory. */
    static void register(ModelFactory factory) {
        Objects.requireNonNull(factory, "factory");
        String name = factory.name();
        if (name == null || !Pattern.matches("[A-Za-z0-9_.-]{1,40}", name)) {
            throw new IllegalArgumentException("model factory: name must be 1 to 40 of [A-Za-z0-9_.-], got " + name);
        }
        ModelFactory before = Registry.FACTORIES.putIfAbsent(name, factory);
        if (before != null && before != factory) {
            throw new IllegalArgumentException("model factory: the name '" + name + "' is taken by " + before.getClass().getName());
        }
    }

    /** The factory registered as {@code name} (from Java or ServiceLoader), or an error listing the known names. */
    static ModelFactory require(String name) {
        ModelFactory f = Registry.lookup(name);
        if (f == null) {
            throw new IllegalArgumentException("name: no model factory is registered as '" + name + "' (known: "
                    + Registry.names() + "); register one with ModelFactory.register or META-INF/services");
        }
        return f;
    }

    /** The registered factories. */
    final class Registry {
        private static final Map<String, ModelFactory> FACTORIES = new ConcurrentHashMap<>();

        private Registry() {
        }

        static ModelFactory lookup(String name) {
            if (name == null) {
                return null;
            }
            ModelFactory f = FACTORIES.get(name);
            if (f == null) {
                for (ModelFactory s : ServiceLoader.load(ModelFactory.class)) {
                    FACTORIES.putIfAbsent(s.name(), s);
                }
                f = FACTORIES.get(name);
            }
            return f;
        }

        static java.util.List<String> names() {
            ServiceLoader.load(ModelFactory.class).forEach(s -> FACTORIES.putIfAbsent(s.name(), s));
            return FACTORIES.keySet().stream().sorted().toList();
        }
    }
}
