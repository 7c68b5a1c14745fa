import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.gradlab.experiment.engine.RunStore;
import org.gradlab.experiment.engine.Study;
import org.gradlab.experiment.spec.DataSpec;
import org.gradlab.experiment.spec.LossSpec;
import org.gradlab.experiment.spec.ModelSpec;
import org.gradlab.experiment.spec.OptimizerSpec;
import org.gradlab.experiment.spec.RunSpec;
import org.gradlab.experiment.spec.ScheduleSpec;
import org.gradlab.spark.SparkCluster;

/**
 * What a Spark task adds to a run: N tiny runs (the article's model, one step of 32 digits, then
 * the test pass) on the local engine with one worker and on Spark's local[1], each saved as a study
 * saves it; the difference per run is the overhead of a task (the spec and the result as JSON, the
 * scheduling, the driver's handling). Rounds alternate the two, the first round warms both up and
 * is not counted. Started by bench/spark.sh:
 *   java -cp "spark/target/gradlab-spark.jar:spark/target/lib/*" [Spark's JVM options] bench/SparkOverhead.java [N] [ROUNDS]
 */
public class SparkOverhead {
    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        List<RunSpec> runs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            runs.add(new RunSpec("tiny", String.format(Locale.ROOT, "t%04d", i), ModelSpec.article(), OptimizerSpec.sgd(0),
                    new ScheduleSpec.Constant(0.01), List.of(), new DataSpec.Digits(32, 32), new LossSpec.CrossEntropy(0), 0, 1));
        }
        Path tmp = Files.createTempDirectory("gradlab-overhead");
        List<Double> local = new ArrayList<>();
        List<Double> spark = new ArrayList<>();
        try (SparkCluster cluster = SparkCluster.connect("local[1]")) {
            for (int r = 0; r <= rounds; r++) {
                double l = time(runs, new RunStore(tmp.resolve("local" + r)), Study.local(1));
                double s = time(runs, new RunStore(tmp.resolve("spark" + r)), cluster.runner());
                System.out.printf(Locale.ROOT, "round %d%s: %d tiny runs, local engine %.1f ms/run, Spark local[1] %.1f ms/run%n", r,
                        r == 0 ? " (warm-up)" : "", n, l, s);
                if (r > 0) {
                    local.add(l);
                    spark.add(s);
                }
            }
        }
        double l = median(local);
        double s = median(spark);
        System.out.printf(Locale.ROOT, "overhead per task: %.1f ms (median of %d rounds: %.1f ms/run on Spark local[1], %.1f ms/run "
                + "on the local engine)%n", s - l, rounds, s, l);
    }

    private static double time(List<RunSpec> runs, RunStore store, Study.Runner runner) throws Exception {
        long start = System.nanoTime();
        Study.run(runs, store, runner, true, Study.Listener.NONE);
        return (System.nanoTime() - start) / 1e6 / runs.size();
    }

    private static double median(List<Double> xs) {
        List<Double> s = xs.stream().sorted().toList();
        return s.size() % 2 == 1 ? s.get(s.size() / 2) : (s.get(s.size() / 2 - 1) + s.get(s.size() / 2)) / 2;
    }
}
