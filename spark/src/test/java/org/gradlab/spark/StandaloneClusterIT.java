package org.gradlab.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.gradlab.experiment.engine.RunResult;
import org.gradlab.experiment.engine.RunStore;
import org.gradlab.experiment.engine.Study;
import org.gradlab.experiment.spec.RunSpec;
import org.gradlab.experiment.spec.SpecCodec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real standalone cluster on this machine: Spark's own Master and two Workers (one core each) in
 * child JVMs on 127.0.0.1, started from a Spark installation without gradlab or ND4J
 * (target/spark-home), and the study submitted the way people do, SparkSubmit (spark-submit's
 * main class) with the job jar. One Worker is killed mid-study, and the study completes on the
 * other with the local engine's results; an executor that believes it runs on another platform
 * records its run as failed, in one line, and the study completes.
 */
class StandaloneClusterIT {
    /** The JVM options spark-submit's launcher gives a driver (the pom's spark.jvm.options). */
    private static final List<String> DRIVER_OPTIONS = List.of("-XX:+IgnoreUnrecognizedVMOptions",
            "--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED", "--add-opens=java.base/java.io=ALL-UNNAMED",
            "--add-opens=java.base/java.net=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED", "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED", "--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens=java.base/sun.nio.cs=ALL-UNNAMED",
            "--add-opens=java.base/sun.security.action=ALL-UNNAMED", "--add-opens=java.base/sun.util.calendar=ALL-UNNAMED",
            "-Dio.netty.tryReflectionSetAccessible=true");
    private static final long START_SECONDS = 120;
    private static final long BORN = System.nanoTime();

    @TempDir
    static Path dir;
    static Path sparkHome;
    static String master;
    static Process masterProcess;
    static final List<Process> workers = new ArrayList<>();

    @BeforeAll
    static void startCluster() throws Exception {
        sparkHome = Path.of(System.getProperty("gradlab.sparkHome"));
        assertTrue(Files.isDirectory(sparkHome.resolve("jars")), sparkHome + "/jars: built by the pom (it-spark-home)");
        int port = freePort();
        master = "spark://127.0.0.1:" + port;
        masterProcess = daemon("master", List.of("org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port",
                String.valueOf(port), "--webui-port", String.valueOf(freePort())));
        for (int w = 1; w <= 2; w++) {
            workers.add(daemon("worker" + w, List.of("org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1", "--cores", "1",
                    "--memory", "2g", "--webui-port", String.valueOf(freePort()), "--work-dir", dir.resolve("work" + w).toString(),
                    master)));
        }
        await("two Workers registered with the Master", () -> log("master").split("Registering worker", -1).length - 1 >= 2);
        say("a Master and two Workers are up");
    }

    @AfterAll
    static void stopCluster() {
        for (Process p : workers) {
            stop(p);
        }
        if (masterProcess != null) {
            stop(masterProcess);
        }
    }

    @Test
    void aStudyCompletesWhenAWorkerIsKilledMidStudyWithTheLocalEnginesResults() throws Exception {
        List<RunSpec> runs = new ArrayList<>();
        for (RunSpec r : Studies.smallGrid(1000, 6)) {
            runs.add(r);
            runs.add(r.withSeed(1));
        }
        Path grid = Studies.grid(dir.resolve("grid.json"), Studies.smallGrid(1000, 6));
        Path out = dir.resolve("study");
        Process driver = submit("study", List.of(), "--grid", grid.toString(), "--seeds", "0,1", "--out", "file://" + out);
        // a Worker dies with its executor, as when its machine goes (SIGKILL), once the first run is
        // saved, while others run: the Worker of the executor that started the latest task, so one the
        // driver knows and must miss (a Worker whose executor was still starting could die unnoticed
        // while the other executor ran every task, as happened when a run took well under a second)
        await("a first run saved", () -> count(out.resolve("runs")) >= 1 || !driver.isAlive());
        assertTrue(count(out.resolve("runs")) < runs.size(), "the study is still running when the Worker dies");
        String busy = last(log("study"), "Starting task \\S+ in stage \\S+ \\(TID \\d+\\) \\([^,]+,\\s*executor (\\d+),");
        Process dying = null;
        for (int w = 0; w < workers.size(); w++) {
            if (busy != null && busy.equals(last(log("worker" + (w + 1)), "Asked to launch executor \\S+/(\\d+) for"))) {
                dying = workers.get(w);
            }
        }
        assertTrue(dying != null, "a Worker runs executor " + busy + ", which started the latest task:\n" + tail("study"));
        List<ProcessHandle> executors = dying.descendants().toList();
        assertFalse(executors.isEmpty(), "the Worker runs an executor of the study");
        dying.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        executors.forEach(ProcessHandle::destroyForcibly);
        say("killed a Worker and its executor " + busy + ", " + count(out.resolve("runs")) + " of " + runs.size() + " runs saved");

        assertTrue(driver.waitFor(START_SECONDS * 3, TimeUnit.SECONDS), "the study ends; its log:\n" + tail("study"));
        assertEquals(0, driver.exitValue(), tail("study"));
        String log = log("study");
        assertTrue(log.matches("(?s).*Lost executor \\d+ on 127\\.0\\.0\\.1.*"), "the driver lost the killed Worker's executor:\n"
                + tail("study"));
        assertTrue(log.contains("study: " + runs.size() + " runs on Spark " + master + " into file://" + out), tail("study"));
        assertTrue(Files.isRegularFile(out.resolve("report.html")), tail("study"));
        say("the study on the cluster is done");

        Path local = dir.resolve("local");
        List<RunResult> expected = Study.run(runs, new RunStore(local), Study.local(1), false, Study.Listener.NONE);
        assertEquals(runs.size(), expected.size());
        say("the same runs on the local engine are done");
        assertEquals(Studies.savedResults(local), Studies.savedResults(out.resolve("runs")), "each run as the local engine made it");
    }

    @Test
    void anExecutorOfAnotherPlatformRecordsItsRunAsFailedAndTheStudyCompletes() throws Exception {
        RunSpec one = Studies.smallGrid(320, 1).get(0);
        Path grid = Studies.grid(dir.resolve("one.json"), List.of(one));
        Path out = dir.resolve("arm");
        Process driver = submit("arm", List.of("--conf", "spark.executor.extraJavaOptions=-Dorg.bytedeco.javacpp.platform=linux-arm64"),
                "--grid", grid.toString(), "--out", out.toString());
        assertTrue(driver.waitFor(START_SECONDS * 2, TimeUnit.SECONDS), "the study ends; its log:\n" + tail("arm"));
        assertEquals(0, driver.exitValue(), tail("arm"));
        say("the study on an arm64-pretending executor is done");
        String reason = "executor platform linux-arm64: the job jar has no ND4J natives for it";
        // the status line names the failed run (cut at 120 columns); the conclusions give the whole reason
        assertTrue(log("arm").contains(one.id() + " failed: executor platform linux-arm64"), tail("arm"));
        assertTrue(java.nio.file.Files.readString(out.resolve("conclusions.json")).contains(reason), tail("arm"));
        RunStore.Found saved = new RunStore(out.resolve("runs")).find(one);
        assertTrue(saved.present() && saved.result().failed() && saved.result().end().failure().startsWith(reason),
                String.valueOf(saved));
    }

    /** spark-submit of the job jar to the cluster: {@code spark-submit --master M [conf] --class SparkStudy JAR ARGS}. */
    private static Process submit(String name, List<String> conf, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("org.apache.spark.deploy.SparkSubmit", "--master", master,
                "--conf", "spark.ui.enabled=false", "--conf", "spark.executor.memory=1g", "--conf", "spark.cores.max=2"));
        command.addAll(conf);
        command.addAll(List.of("--class", SparkStudy.class.getName(), System.getProperty("gradlab.jobJar")));
        command.addAll(List.of(args));
        return java(name, "-Xmx768m", command);
    }

    /** A Master or Worker: little work, so the quick compiler only and a small heap, for a faster start on two cores. */
    private static Process daemon(String name, List<String> command) throws IOException {
        return java(name, "-Xmx256m -XX:TieredStopAtLevel=1", command);
    }

    /** A JVM on the Spark installation's jars, its output in {@code NAME.log}. */
    private static Process java(String name, String options, List<String> mainAndArgs) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC"));
        command.addAll(List.of(options.split(" ")));
        command.addAll(DRIVER_OPTIONS);
        command.addAll(List.of("-cp", sparkHome.resolve("jars") + File.separator + "*"));
        command.addAll(mainAndArgs);
        ProcessBuilder b = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve(name + ".log").toFile());
        Map<String, String> env = b.environment();
        env.put("SPARK_HOME", sparkHome.toString());
        env.put("SPARK_SCALA_VERSION", "2.13");
        env.put("SPARK_LOCAL_IP", "127.0.0.1");
        return b.start();
    }

    /** Progress for the build's log, with the seconds since the test class loaded. */
    private static void say(String what) {
        System.out.printf(java.util.Locale.ROOT, "StandaloneClusterIT: %s (%.1f s)%n", what, (System.nanoTime() - BORN) / 1e9);
    }

    /** Group 1 of the last match of {@code regex} in {@code text}, or null. */
    private static String last(String text, String regex) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(regex).matcher(text);
        String found = null;
        while (m.find()) {
            found = m.group(1);
        }
        return found;
    }

    private static String log(String name) {
        try {
            return Files.readString(dir.resolve(name + ".log"));
        } catch (IOException e) {
            return "";
        }
    }

    private static String tail(String name) {
        List<String> lines = log(name).lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    }

    private static long count(Path runs) {
        if (!Files.isDirectory(runs)) {
            return 0;
        }
        try (Stream<Path> files = Files.list(runs)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".json") && !f.getFileName().toString().startsWith("."))
                    .count();
        } catch (IOException e) {
            return 0;
        }
    }

    private static void await(String what, BooleanSupplier done) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_SECONDS);
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > end) {
                fail("waited " + START_SECONDS + " s for " + what + "; master log:\n" + tail("master"));
            }
            Thread.sleep(200);
        }
    }

    /** Ends a process and everything it started (a Worker's executors). */
    private static void stop(Process p) {
        List<ProcessHandle> children = p.descendants().toList();
        p.destroy();
        try {
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        children.forEach(ProcessHandle::destroyForcibly);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
