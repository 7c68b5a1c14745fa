package org.gradlab.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code gradlab study --quick --spark local[2]} gives the local engine's results bit for bit:
 * runs.csv and summary.csv but their wall times, and every saved run's record but its wall time.
 */
class QuickStudyOnSparkTest {
    @TempDir
    Path dir;

    @Test
    void theQuickStudyOnLocal2IsTheLocalEnginesToTheLastBit() throws Exception {
        Path local = dir.resolve("local");
        Path spark = dir.resolve("spark");
        Studies.Run l = Studies.study("--quick", "--workers", "2", "--out", local.toString());
        assertEquals(0, l.code(), l.err());
        Studies.Run s = Studies.study("--quick", "--spark", "local[2]", "--out", spark.toString());
        assertEquals(0, s.code(), s.err());
        assertTrue(s.out().startsWith("study: 53 runs on Spark local[2] into " + spark), s.out());

        assertEquals(Studies.withoutSeconds(local.resolve("runs.csv")), Studies.withoutSeconds(spark.resolve("runs.csv")));
        assertEquals(Studies.withoutSeconds(local.resolve("summary.csv")), Studies.withoutSeconds(spark.resolve("summary.csv")));
        assertEquals(53, Studies.savedResults(spark.resolve("runs")).size());
        assertEquals(Studies.savedResults(local.resolve("runs")), Studies.savedResults(spark.resolve("runs")));
        assertEquals(Studies.files(local), Studies.files(spark), "the same report, charts and tables");

        String runs = Files.readString(spark.resolve("runs.csv"));
        Studies.Run again = Studies.study("--quick", "--spark", "local[2]", "--out", spark.toString());
        assertEquals(0, again.code(), again.err());
        assertTrue(again.out().contains("resuming: 53 of 53 runs are saved and verified; 0 to run"), again.out());
        assertEquals(runs, Files.readString(spark.resolve("runs.csv")), "saved runs are reused, wall times too");
    }
}
