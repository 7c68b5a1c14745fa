package org.gradlab.spark;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.gradlab.experiment.engine.Cluster;
import org.gradlab.experiment.engine.RunStore;
import org.gradlab.experiment.engine.Study;

/**
 * A Spark cluster for studies: the {@link Cluster} {@code ./gradlab study --spark MASTER} and
 * {@link SparkStudy} (spark-submit) connect to. It starts a {@link SparkContext} on the master
 * (spark-submit's settings, {@code spark.*} system properties, apply), sends runs through a
 * {@link SparkRunner} and reaches Hadoop's filesystems with the context's Hadoop configuration.
 *
 * <p>Defaults it adds when they are not set: the app name {@code gradlab study}; no console
 * progress bar (the study prints its own line); {@code OMP_NUM_THREADS=1} for executors; on a
 * {@code local} master, the driver on 127.0.0.1; on a cluster, the job jar the launcher names
 * ({@code -Dgradlab.jobJar}) as {@code spark.jars} when spark-submit has not set it.
 */
public final class SparkCluster implements Cluster {
    private static final Pattern LOCAL = Pattern.compile("local(\\[(\\d+|\\*)(,\\d+)?])?");
    private static final Pattern STANDALONE = Pattern.compile("spark://([^,/:]+:\\d+)(,[^,/:]+:\\d+)*");
    private static final Pattern OTHER = Pattern.compile("yarn|k8s://\\S+|local-cluster\\[\\d+,\\d+,\\d+]");
    /** How long a standalone master has to accept a connection before it counts as unreachable. */
    private static final int REACH_MILLIS = 5_000;

    private final SparkContext sc;
    private final boolean owned;

    private SparkCluster(SparkContext sc, boolean owned) {
        this.sc = sc;
        this.owned = owned;
    }

    /**
     * Starts a context on {@code master}: an {@link IllegalArgumentException} when it is not a
     * Spark master URL, an {@link IOException} when no standalone master answers there or Spark
     * does not start (each one line).
     */
    public static SparkCluster connect(String master) throws IOException {
        check(master);
        reach(master);
        SparkConf conf = new SparkConf(true).setMaster(master);
        conf.setIfMissing("spark.app.name", "gradlab study");
        conf.setIfMissing("spark.ui.showConsoleProgress", "false");
        conf.setIfMissing("spark.executorEnv.OMP_NUM_THREADS", "1");
        if (LOCAL.matcher(master).matches()) {
            conf.setIfMissing("spark.driver.host", "127.0.0.1");
            conf.setIfMissing("spark.driver.bindAddress", "127.0.0.1");
        } else if (!conf.contains("spark.jars") && System.getProperty("gradlab.jobJar") != null) {
            conf.set("spark.jars", System.getProperty("gradlab.jobJar"));
        }
        try {
            return new SparkCluster(new SparkContext(conf), true);
        } catch (Exception e) {     // SparkException is checked but undeclared
            String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
            throw new IOException("Spark did not start (" + m + ")", e);
        }
    }

    /** A cluster on a context someone else started and stops (a notebook's): {@link #close} leaves it running. */
    public static SparkCluster on(SparkContext sc) {
        return new SparkCluster(Objects.requireNonNull(sc, "sc"), false);
    }

    /** Its context. */
    public SparkContext context() {
        return sc;
    }

    @Override
    public Study.Runner runner() {
        return SparkRunner.on(sc);
    }

    @Override
    public RunStore.Folder folder(String uri) throws IOException {
        return HadoopFolder.open(uri, sc.hadoopConfiguration());
    }

    /** Stops the context if {@link #connect} started it. */
    @Override
    public void close() {
        if (owned) {
            sc.stop();
        }
    }

    /** {@code Spark MASTER}. */
    @Override
    public String toString() {
        return "Spark " + sc.master();
    }

    /** An {@link IllegalArgumentException} unless {@code master} is a master URL Spark takes. */
    static void check(String master) {
        if (master == null || !(LOCAL.matcher(master).matches() || STANDALONE.matcher(master).matches()
                || OTHER.matcher(master).matches())) {
            throw new IllegalArgumentException("not a Spark master URL; expected local, local[N], local[*], local[N,RETRIES], "
                    + "spark://HOST:PORT, yarn or k8s://URL");
        }
        Matcher m = LOCAL.matcher(master);
        if (m.matches() && "0".equals(m.group(2))) {
            throw new IllegalArgumentException("local[0] has no cores; expected local[N] with N >= 1");
        }
    }

    /** An {@link IOException} when {@code master} is standalone and none of its masters accepts a connection. */
    static void reach(String master) throws IOException {
        if (!master.startsWith("spark://")) {
            return;
        }
        List<String> failures = new ArrayList<>();
        for (String hostPort : master.substring("spark://".length()).split(",")) {
            int colon = hostPort.lastIndexOf(':');
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1))),
                        REACH_MILLIS);
                return;
            } catch (IOException e) {
                failures.add(hostPort + " (" + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()) + ")");
            }
        }
        throw new IOException("no Spark master answers at " + String.join(", ", failures));
    }

    /** Registered with {@link java.util.ServiceLoader}: {@code Cluster.provider("spark")}. */
    public static final class Provider implements Cluster.Provider {
        @Override
        public String name() {
            return "spark";
        }

        @Override
        public Cluster connect(String master) throws IOException {
            return SparkCluster.connect(master);
        }
    }
}
