package org.gradlab.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.gradlab.cli.Main;
import org.gradlab.experiment.spec.DataSpec;
import org.gradlab.experiment.spec.Design;
import org.gradlab.experiment.spec.LossSpec;
import org.gradlab.experiment.spec.ModelSpec;
import org.gradlab.experiment.spec.OptimizerSpec;
import org.gradlab.experiment.spec.RunSpec;
import org.gradlab.experiment.spec.ScheduleSpec;
import org.gradlab.experiment.spec.SpecCodec;

/** What the tests share: the command line in this JVM, small grids, results without their wall times. */
final class Studies {
    private Studies() {
    }

    /** A command's exit code and what it printed. */
    record Run(int code, String out, String err) {
    }

    /** {@code gradlab study ARGS} in this JVM. */
    static Run study(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        List<String> all = new ArrayList<>(List.of("study"));
        all.addAll(List.of(args));
        int code = Main.run(all.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** A run on {@code train} digits (the rest for testing), batch 32, seed 0. */
    static RunSpec spec(String part, String config, ModelSpec model, OptimizerSpec optimizer, double lr, int train, int epochs) {
        return new RunSpec(part, config, model, optimizer, new ScheduleSpec.Constant(lr), List.of(), new DataSpec.Digits(train, 32),
                new LossSpec.CrossEntropy(0), 0, epochs);
    }

    /** Small runs of a few seconds each: the article's model and a deep one that explodes, with and without clipping. */
    static List<RunSpec> smallGrid(int train, int epochs) {
        RunSpec deep = spec("deep", "A_none", ModelSpec.deep(Design.initA()), OptimizerSpec.sgd(0.9), 0.02, train, epochs);
        return List.of(
                spec("tiny", "adam", ModelSpec.article(), OptimizerSpec.adam(), 1e-3, train, epochs),
                spec("tiny", "sgd", ModelSpec.article(), OptimizerSpec.sgd(0.9), 0.05, train, epochs),
                deep,
                new RunSpec("deep", "A_norm_1", deep.model(), deep.optimizer(), deep.schedule(), List.of(Design.norm(1)), deep.data(),
                        deep.loss(), 0, epochs));
    }

    /** Writes {@code runs} as a grid file (specs without their seeds). */
    static Path grid(Path file, List<RunSpec> runs) throws IOException {
        ArrayNode a = SpecCodec.JSON.createArrayNode();
        for (RunSpec r : runs) {
            ObjectNode n = (ObjectNode) SpecCodec.encode(r);
            n.remove("seed");
            a.add(n);
        }
        return Files.writeString(file, SpecCodec.JSON.writeValueAsString(a));
    }

    /** A CSV file without its {@code seconds} column (wall times differ between any two executions). */
    static String withoutSeconds(Path csv) throws IOException {
        List<String> lines = Files.readAllLines(csv);
        int col = List.of(lines.get(0).split(",", -1)).indexOf("seconds");
        StringBuilder b = new StringBuilder();
        for (String line : lines) {
            List<String> cells = new ArrayList<>(List.of(line.split(",", -1)));
            cells.remove(col);
            b.append(String.join(",", cells)).append('\n');
        }
        return b.toString();
    }

    /** Each saved run of a study folder's {@code runs/}, by file name: its result as JSON without its wall time. */
    static TreeMap<String, String> savedResults(Path runs) throws IOException {
        TreeMap<String, String> all = new TreeMap<>();
        try (Stream<Path> files = Files.list(runs)) {
            for (Path f : files.toList()) {
                JsonNode result = SpecCodec.JSON.readTree(Files.readString(f)).get("result");
                ((ObjectNode) result).remove("seconds");
                all.put(f.getFileName().toString(), result.toString());
            }
        }
        return all;
    }

    /** Every file under {@code dir}, relative, sorted. */
    static List<String> files(Path dir) throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            return all.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString()).sorted().toList();
        }
    }
}
