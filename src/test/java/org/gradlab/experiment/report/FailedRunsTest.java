package org.gradlab.experiment.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.gradlab.experiment.engine.RunResult;
import org.gradlab.experiment.engine.RunStore;
import org.gradlab.experiment.engine.Study;
import org.gradlab.experiment.spec.DataSpec;
import org.gradlab.experiment.spec.InitSpec;
import org.gradlab.experiment.spec.LossSpec;
import org.gradlab.experiment.spec.ModelSpec;
import org.gradlab.experiment.spec.OptimizerSpec;
import org.gradlab.experiment.spec.RunSpec;
import org.gradlab.experiment.spec.ScheduleSpec;
import org.gradlab.nn.Activation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.Table;

/** Valid specs that fail or blow up after the study started: the study goes on, and the report is written and lists them. */
class FailedRunsTest {
    @TempDir
    Path dir;

    private static ModelSpec.Mlp mlp(int depth, int width) {
        return new ModelSpec.Mlp(depth, width, Activation.Kind.RELU, InitSpec.of(InitSpec.Kind.HE_NORMAL), ModelSpec.Mlp.Norm.NONE,
                ModelSpec.Mlp.Block.PLAIN, 1);
    }

    private static RunSpec spec(String part, String config, ModelSpec model, DataSpec data, double lr) {
        return new RunSpec(part, config, model, OptimizerSpec.sgd(0.9), new ScheduleSpec.Constant(lr), List.of(), data,
                new LossSpec.CrossEntropy(0), 0, 1);
    }

    /**
     * A residual MLP with branch scale 100 is non-finite from its first steps: its layer trace
     * has nothing to draw (XChart: "Heat data cannot be empty!!!"), so the part gets no heatmap
     * and the report is written. A BatchNorm model on a CSV of 65 training rows at batch 32
     * (checked when its data is read) is recorded as failed with one line; the other runs go on.
     */
    @Test
    void aRunThatBlowsUpOrFailsIsRecordedAndTheReportListsIt() throws Exception {
        StringBuilder csv = new StringBuilder("a,b,c,label\n");
        for (int i = 0; i < 90; i++) {
            csv.append(String.format(Locale.ROOT, "%d,%d,%d,%s%n", i % 7, i % 5, i % 3, i % 2 == 0 ? "x" : "y"));
        }
        Path file = Files.writeString(dir.resolve("rows.csv"), csv);
        DataSpec rows = new DataSpec.Csv(file, "label", List.of(), 65, 32, true);
        List<RunSpec> runs = List.of(
                spec("wild", "res100", mlp(12, 128).withBlock(ModelSpec.Mlp.Block.RESIDUAL, 100), DataSpec.Digits.DEFAULT, 0.02),
                spec("wild", "ok", mlp(3, 16), new DataSpec.Digits(640, 32), 0.02),
                spec("rows", "bn", mlp(3, 8).withNorm(ModelSpec.Mlp.Norm.BATCHNORM), rows, 0.1),
                spec("rows", "plain", mlp(3, 8), rows, 0.1),
                spec("broken", "bn", mlp(3, 8).withNorm(ModelSpec.Mlp.Norm.BATCHNORM), rows, 0.1));
        List<RunResult> results = Study.run(runs, new RunStore(dir.resolve("runs")), Study.local(2), false, Study.Listener.NONE);

        RunResult res100 = results.get(0);
        assertTrue(res100.diverged() && !res100.failed(), "it trains, and diverges at once: " + res100.end());
        assertTrue(java.util.Arrays.stream(res100.layers().trace()).flatMapToDouble(java.util.Arrays::stream)
                .noneMatch(v -> Double.isFinite(v) && v > 0), "nothing finite to draw: " + java.util.Arrays.deepToString(res100.layers().trace()));
        String why = "run rows/bn/0: BatchNorm on 65 training examples at batch 32 leaves a last batch of 1 row, which BatchNorm "
                + "cannot normalise in training: choose a batch that does not (e.g. 33) or another number of training examples";
        assertEquals(why, results.get(2).end().failure());
        assertFalse(results.get(3).failed(), "the study went on");

        org.junit.jupiter.api.Assertions.assertDoesNotThrow(() -> org.gradlab.plot.StudyCharts.layerHeatmap(res100.layers().trace(), 1,
                "res100").image(), "a heatmap of nothing draws a figure that says so, not XChart's 'Heat data cannot be empty!!!'");

        StudyReport report = StudyReport.of(results);
        List<Path> written = report.write(dir);
        assertFalse(report.parts().get("wild").charts().containsKey("heatmap"), "no chart of nothing");
        assertTrue(written.contains(dir.resolve("report.html")));
        List<Path> charts = report.parts().values().stream().flatMap(p -> p.charts().keySet().stream()
                .flatMap(c -> java.util.stream.Stream.of(dir.resolve(p.name() + "-" + c + ".png"), dir.resolve(p.name() + "-" + c + ".svg"))))
                .toList();
        assertEquals(charts, written.stream().filter(f -> f.toString().endsWith(".png") || f.toString().endsWith(".svg")).toList(),
                "every chart as PNG and SVG, in the parts' order");
        String html = Files.readString(dir.resolve("report.html"));
        for (Path png : charts.stream().filter(f -> f.toString().endsWith(".png")).toList()) {
            assertTrue(html.contains("base64," + java.util.Base64.getEncoder().encodeToString(Files.readAllBytes(png)) + "\""),
                    png + " is the image the report shows");
        }
        String left = " could not run in 1 of 1 seed (left out of the tables, charts and comparisons): ";
        assertEquals(List.of("bn" + left + why), report.parts().get("rows").claims().stream().filter(c -> c.kind().equals("failed"))
                .map(Claim::text).toList());
        assertEquals(List.of("bn" + left + why.replace("rows/", "broken/")), report.parts().get("broken").claims().stream()
                .map(Claim::text).toList(), "a part where every run failed says only that");
        assertTrue(Files.readString(dir.resolve("report.html")).contains("bn" + left + "run rows/bn/0: BatchNorm on 65"));

        Table runsCsv = Table.read().csv(dir.resolve("runs.csv").toFile());
        assertEquals(why, runsCsv.stringColumn("failure").get(2));
        assertEquals("", runsCsv.stringColumn("failure").get(3));
        assertFalse(runsCsv.booleanColumn("collapsed").get(2), "a failed run did not collapse: it never trained");
        Table summary = Table.read().csv(dir.resolve("summary.csv").toFile());
        assertEquals(List.of("res100", "ok", "plain"), summary.stringColumn("config").asList(), "the summary is of the runs that trained");
    }
}
