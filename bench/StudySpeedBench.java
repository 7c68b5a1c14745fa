import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.List;
import java.util.Locale;
import org.gradlab.experiment.engine.RunExecutor;
import org.gradlab.experiment.engine.RunResult;
import org.gradlab.experiment.spec.DataSpec;
import org.gradlab.experiment.spec.Design;
import org.gradlab.experiment.spec.RunSpec;
import org.gradlab.nn.Backend;

/**
 * gradlab's side of bench/study-speed.sh: runs one configuration of the study's default design
 * ({@code part/config}, e.g. {@code rnn/gru_sgd0.2}) as the study runs it ({@link RunExecutor#run}:
 * the digits split 8,000/2,000 by the seed, batch 32, the design's epochs, per-step gradient
 * statistics and per-epoch evaluation), once per seed, on this thread alone: ND4J and OpenBLAS on
 * one thread, and no diagnostics handed to a second core (every core is declared a trainer).
 * Prints one line per run: {@code RUN seed wall_s thread_cpu_s test_accuracy}.
 *
 *   java -cp target/notebook/classpath.jar bench/StudySpeedBench.java rnn/gru_sgd0.2 [seeds...]
 */
public class StudySpeedBench {
    public static void main(String[] args) throws java.io.IOException {
        if (args.length < 1 || !args[0].contains("/")) {
            System.err.println("usage: StudySpeedBench PART/CONFIG [SEED...]");
            System.exit(2);
        }
        String part = args[0].substring(0, args[0].indexOf('/'));
        String config = args[0].substring(args[0].indexOf('/') + 1);
        List<RunSpec> configs = Design.parts().get(part);
        RunSpec spec = configs == null ? null
                : configs.stream().filter(c -> c.config().equals(config)).findFirst().orElse(null);
        if (spec == null) {
            System.err.println("StudySpeedBench: no configuration " + args[0] + " in the study's design");
            System.exit(2);
        }
        Backend.pinCallingThread();
        ThreadMXBean clock = ManagementFactory.getThreadMXBean();
        DataSpec.Raw data = spec.data().source().read();
        for (int i = 1; i < Math.max(2, args.length); i++) {
            long seed = args.length > 1 ? Long.parseLong(args[i]) : 0;
            RunSpec run = spec.withSeed(seed);
            long wall = System.nanoTime();
            long cpu = clock.getCurrentThreadCpuTime();
            RunResult r = RunExecutor.run(run, run.data().split(data, seed));
            System.out.printf(Locale.ROOT, "RUN %d %.3f %.3f %.4f%n", seed, (System.nanoTime() - wall) / 1e9,
                    (clock.getCurrentThreadCpuTime() - cpu) / 1e9, r.testAccuracy());
        }
    }
}
