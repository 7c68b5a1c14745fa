package org.gradlab.spark;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.SparkConf;
import org.gradlab.cli.Main;

/**
 * The study as a Spark application: {@code gradlab study} with the master spark-submit was given.
 *
 * <pre>
 * spark-submit --master spark://HOST:7077 --class org.gradlab.spark.SparkStudy gradlab-spark-job.jar \
 *     --quick --out hdfs://NAMENODE/studies/quick
 * </pre>
 *
 * Takes the study's options ({@code --parts}, {@code --configs}, {@code --seeds}, {@code --epochs},
 * {@code --quick}, {@code --grid}, {@code --out DIR-OR-URI}, {@code --fresh}); the driver saves each
 * run as it arrives, resumes a killed study from the runs saved, and makes the report as
 * {@code ./gradlab study} does. Exit codes are the command line's: 0 done, 1 failed, 2 bad usage.
 */
public final class SparkStudy {
    private SparkStudy() {
    }

    public static void main(String[] args) {
        String master = new SparkConf(true).get("spark.master", null);
        if (master == null) {
            System.err.println("gradlab: SparkStudy runs under spark-submit --master MASTER --class org.gradlab.spark.SparkStudy "
                    + "JOB_JAR [options]; on this machine: ./gradlab study --spark local[2] [options]");
            System.exit(2);
        }
        List<String> all = new ArrayList<>(List.of("study", "--spark", master));
        all.addAll(Arrays.asList(args));
        int code = Main.run(all.toArray(String[]::new), System.out, System.err);
        if (code != 0) {
            System.exit(code);
        }
    }
}
