package org.gradlab.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.TaskKilled;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.gradlab.experiment.engine.RunResult;
import org.gradlab.experiment.engine.RunStore;
import org.gradlab.experiment.engine.Study;
import org.gradlab.experiment.report.StudyTables;
import org.gradlab.experiment.spec.RunSpec;
import org.gradlab.experiment.spec.SpecCodec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A study on Spark in this JVM ({@code local[N]}): Hadoop URIs, bad input, killed tasks, executors without natives. */
class SparkStudyTest {
    @TempDir
    Path dir;

    @Test
    void aHadoopUriOutGetsEachRunAtomicallyAndTheReportAndResumes() throws Exception {
        Path grid = Studies.grid(dir.resolve("grid.json"), Studies.smallGrid(320, 1));
        Path out = dir.resolve("uri");
        String uri = "file://" + out;
        Studies.Run s = Studies.study("--grid", grid.toString(), "--seeds", "0,1", "--spark", "local[2]", "--out", uri);
        assertEquals(0, s.code(), s.err());
        assertTrue(s.out().contains("files to " + uri + ": report.html, conclusions.json, runs.csv"), s.out());
        List<String> files = Studies.files(out);
        assertEquals(8, files.stream().filter(f -> f.startsWith("runs/") && f.endsWith(".json")).count(), files.toString());
        assertTrue(files.containsAll(List.of("runs.csv", "summary.csv", "report.html", "deep-heatmap.png")), files.toString());
        assertTrue(files.stream().noneMatch(f -> f.endsWith(".tmp") || f.endsWith(".crc") || f.contains("/.")),
                "no temporaries, no Hadoop checksum files: " + files);

        Path local = dir.resolve("local");
        Studies.Run l = Studies.study("--grid", grid.toString(), "--seeds", "0,1", "--workers", "1", "--out", local.toString());
        assertEquals(0, l.code(), l.err());
        assertEquals(Studies.withoutSeconds(local.resolve("runs.csv")), Studies.withoutSeconds(out.resolve("runs.csv")));
        assertEquals(Studies.savedResults(local.resolve("runs")), Studies.savedResults(out.resolve("runs")));

        Path tampered = out.resolve("runs/tiny__adam__seed0.json");          // a saved run changed behind the study's back
        Files.writeString(tampered, Files.readString(tampered).replaceFirst("\"seconds\":", "\"seconds\":1"));
        Studies.Run again = Studies.study("--grid", grid.toString(), "--seeds", "0,1,2", "--spark", "local[2]", "--out", uri);
        assertEquals(0, again.code(), again.err());
        assertTrue(again.out().contains("file:" + tampered + ": checksum does not match its content; running tiny/adam/0 again"),
                again.out());
        assertTrue(again.out().contains("resuming: 7 of 12 runs are saved and verified; 5 to run"), again.out());
        assertEquals(Studies.savedResults(local.resolve("runs")).get("tiny__adam__seed0.json"),
                Studies.savedResults(out.resolve("runs")).get("tiny__adam__seed0.json"), "run again, to the same result");
    }

    @Test
    void badMasterUnreachableClusterAndUnwritableUriAreOneLineNamingTheValue() throws Exception {
        String out = dir.resolve("out").toString();
        Studies.Run r = Studies.study("--parts", "baseline", "--spark", "local[two]", "--out", out);
        assertEquals(2, r.code(), r.err());
        assertEquals("gradlab: --spark local[two]: not a Spark master URL; expected local, local[N], local[*], local[N,RETRIES], "
                + "spark://HOST:PORT, yarn or k8s://URL", r.err().lines().findFirst().orElse(""));

        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();       // closed again: nothing listens there
        }
        r = Studies.study("--parts", "baseline", "--spark", "spark://127.0.0.1:" + port, "--out", out);
        assertEquals(1, r.code(), r.err());
        assertEquals("gradlab: --spark spark://127.0.0.1:" + port + ": no Spark master answers at 127.0.0.1:" + port
                + " (Connection refused)", r.err().strip());
        assertFalse(Files.exists(dir.resolve("out")), "nothing written");

        Path file = Files.writeString(dir.resolve("a-file"), "keep");
        for (Map.Entry<String, String> bad : Map.of(
                "file:///proc/gradlab/study", "cannot create file:/proc/gradlab/study",
                "file://" + file, "file:" + file + " is a file, expected a folder",
                "nope://host/study", "No FileSystem for scheme \"nope\"").entrySet()) {
            r = Studies.study("--parts", "baseline", "--spark", "local[1]", "--out", bad.getKey());
            assertEquals(1, r.code(), r.err());         // a folder that cannot be used, as a local one
            assertEquals("gradlab: --out " + bad.getKey() + " is not writable (" + bad.getValue() + ")",
                    r.err().lines().findFirst().orElse(""));
            assertEquals("", r.out(), "no run started");
        }
        assertEquals("keep", Files.readString(file));
    }

    @Test
    void aTaskKilledMidRunIsRetriedAndGivesTheSameResult() throws Exception {
        List<RunSpec> runs = List.of(Studies.spec("tiny", "long", org.gradlab.experiment.spec.ModelSpec.article(),
                org.gradlab.experiment.spec.OptimizerSpec.adam(), 1e-3, 8000, 24));
        List<RunResult> local = Study.run(runs, new RunStore(dir.resolve("local")), Study.local(1), false, Study.Listener.NONE);

        Map<Integer, Object> ends = new ConcurrentHashMap<>();
        boolean[] killedRunning = new boolean[1];
        List<RunResult> spark;
        try (SparkCluster cluster = SparkCluster.connect("local[1]")) {
            cluster.context().addSparkListener(new SparkListener() {
                @Override
                public void onTaskStart(SparkListenerTaskStart start) {
                    if (start.taskInfo().attemptNumber() == 0) {
                        long id = start.taskInfo().taskId();
                        Thread killer = new Thread(() -> {
                            try {
                                Thread.sleep(500);          // mid-run: 24 epochs of 8,000 digits train for about 3 s here
                            } catch (InterruptedException e) {
                                return;
                            }
                            killedRunning[0] = cluster.context().killTaskAttempt(id, true, "killed by the test");
                        });
                        killer.setDaemon(true);
                        killer.start();
                    }
                }

                @Override
                public void onTaskEnd(SparkListenerTaskEnd end) {
                    ends.put(end.taskInfo().attemptNumber(), end.reason());
                }
            });
            spark = Study.run(runs, new RunStore(dir.resolve("spark")), cluster.runner(), false, Study.Listener.NONE);
        }
        assertTrue(killedRunning[0], "the first attempt was running when it was killed");
        assertTrue(ends.get(0) instanceof TaskKilled k && k.reason().equals("killed by the test"), "attempt 0: " + ends.get(0));
        assertEquals("Success", String.valueOf(ends.get(1)), "attempt 1");
        assertEquals(tableWithoutSeconds(local), tableWithoutSeconds(spark));
        assertEquals(Studies.savedResults(dir.resolve("local")), Studies.savedResults(dir.resolve("spark")));
    }

    @Test
    void anExecutorWithoutNativesForItsPlatformRecordsTheRunAsFailedInOneLine() throws Exception {
        assertNull(Natives.missing(Natives.platform(), getClass().getClassLoader()), "this JVM has its natives");
        RunSpec spec = Studies.spec("tiny", "adam", org.gradlab.experiment.spec.ModelSpec.article(),
                org.gradlab.experiment.spec.OptimizerSpec.adam(), 1e-3, 320, 1);
        RunResult r = RunTask.run(SpecCodec.write(spec), () -> false, "linux-arm64");
        assertTrue(r.failed());
        assertEquals("executor platform linux-arm64: the job jar has no ND4J natives for it (no "
                + "org/nd4j/linalg/cpu/nativecpu/bindings/linux-arm64, org/bytedeco/openblas/linux-arm64, "
                + "org/bytedeco/javacpp/linux-arm64); build the job jar with -Dextra.platform=linux-arm64 (README, \"More than "
                + "one machine\")", r.end().failure());
        RunStore store = new RunStore(dir);
        store.save(SpecCodec.read(SpecCodec.write(r), RunResult.class));          // as the driver gets it
        assertEquals(r.end().failure(), store.find(spec).result().end().failure(), "saved and verified as a failed run");
    }

    private static String tableWithoutSeconds(List<RunResult> results) {
        var t = StudyTables.runs(results);
        t.removeColumns("seconds");
        return t.write().toString("csv");
    }
}
