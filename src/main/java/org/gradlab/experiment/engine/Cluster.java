package org.gradlab.experiment.engine;

import java.io.IOException;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * Where a study's runs execute when not on this JVM's threads, and the filesystems its results
 * can go to from there. The core library knows no cluster: a module registers a {@link Provider}
 * with {@link ServiceLoader} (gradlab-spark registers {@code "spark"}) and {@link #provider} finds
 * it on the class path.
 *
 * <pre>{@code
 * try (Cluster spark = Cluster.provider("spark").orElseThrow().connect("local[2]")) {
 *     List<RunResult> results = Study.run(runs, new RunStore(spark.folder("hdfs://nn/studies/a/runs")), spark.runner(),
 *             false, Study.Listener.NONE);
 * }
 * }</pre>
 */
public interface Cluster extends AutoCloseable {
    /** The runner that sends each run to the cluster. */
    Study.Runner runner();

    /**
     * The folder at {@code uri} (a URI of a filesystem the cluster reaches, such as {@code hdfs://},
     * {@code s3a://} or {@code file://}), created if missing; an {@link IOException} if it cannot be
     * written.
     */
    RunStore.Folder folder(String uri) throws IOException;

    /** Leaves the cluster (stops what {@link Provider#connect} started). */
    @Override
    void close();

    /** Connects to one kind of cluster. */
    interface Provider {
        /** The kind, e.g. {@code spark}. */
        String name();

        /**
         * Connects to {@code master}: an {@link IllegalArgumentException} when it is not an address
         * of this kind, an {@link IOException} when nothing answers there or the connection fails
         * (messages of one line, which the caller prefixes with the address).
         */
        Cluster connect(String master) throws IOException;
    }

    /** The provider of clusters of the kind {@code kind} on the class path, if a module there has one. */
    static Optional<Provider> provider(String kind) {
        for (Provider p : ServiceLoader.load(Provider.class)) {
            if (p.name().equals(kind)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }
}
