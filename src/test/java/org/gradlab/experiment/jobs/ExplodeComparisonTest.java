package org.gradlab.experiment.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.gradlab.diagnostics.Alarm;
import org.gradlab.diagnostics.Doctor;
import org.gradlab.nn.Backend;
import org.gradlab.train.Progress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.Table;

/** The explode study end to end: the doctor's verified top fix, applied automatically, trains the model. */
class ExplodeComparisonTest {
    @TempDir
    Path dir;

    @Test
    void theDoctorsTopVerifiedFixReaches85PercentAndTheLayerNormRunRaisesNoExplosionAlarm() throws Exception {
        Backend.pinCallingThread();
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        ExplodeComparison.Result r = ExplodeComparison.run(0, 2, dir, Progress.epochs(new PrintStream(log, true, StandardCharsets.UTF_8)));
        Table s = r.summary();
        System.out.println(s.print() + "\n" + r.diagnosis().verdict() + "\n" + r.diagnosis().ranking());
        assertEquals(6, s.rowCount(), s.print());

        // the fixed run really explodes, and the doctor recommends only fixes whose replay survived
        assertTrue(s.longColumn("first_non_finite_step").getLong(0) >= 0, s.print());
        Doctor.Diagnosis d = r.diagnosis();
        assertFalse(d.recommended().isEmpty(), d.ranking());
        for (Doctor.Fix f : d.recommended()) {
            assertTrue(f.outcome().finite() && f.outcome().endLoss() < 0.5 * f.outcome().startLoss()
                    && f.outcome().maxGradNorm() <= f.outcome().normBound(), f.outcome().evidence());
        }
        assertTrue(d.fixes().stream().anyMatch(f -> f.outcome() != null && !f.survived()), "some candidate failed its replay: "
                + d.ranking());
        // the cause it states is the one its best surviving fix proves, and the verdict cites that replay
        Doctor.Fix proof = d.recommended().stream().filter(f -> f.change().kind() != Doctor.Change.Kind.ADVICE).findFirst()
                .orElseThrow();
        assertEquals(Doctor.proves(proof.change().kind()), d.cause(), d.verdict());
        assertTrue(d.verdict().contains("Cause: " + d.cause() + ", shown by replay: " + proof.title()), d.verdict());
        assertTrue(d.fixes().stream().filter(f -> f.outcome() != null).allMatch(f -> f.outcome().fromStep() == 0
                || f.outcome().fromStep() == d.event().step()), "replays start at the step of the first explosion (or at 0)");

        // the sixth run applies the top verified fix from the first step
        String top = d.recommended().get(0).title();
        assertEquals(ExplodeComparison.AUTO_FIX + ": " + top, s.stringColumn("run").get(5));
        double accuracy = s.doubleColumn("test_accuracy").getDouble(5);
        assertTrue(accuracy >= 0.85, "the doctor's fix '" + top + "' reached " + accuracy);
        assertEquals(-1, s.longColumn("first_non_finite_step").getLong(5));

        // the LayerNorm run stays finite and bounded; a transient one-layer spike may still raise an
        // alarm (the detector is per layer), but far fewer than the exploding run's
        int lnRow = s.stringColumn("run").indexOf("fixed+layernorm");
        assertEquals(-1, s.longColumn("first_non_finite_step").getLong(lnRow), s.print());
        assertTrue(s.doubleColumn("max_grad_norm").getDouble(lnRow) < 10, s.print());
        List<Alarm> ln = r.monitors().get("fixed+layernorm").alarmList();
        List<Alarm> fixed = r.monitors().get("fixed").alarmList();
        assertTrue(explosions(ln) <= 2 && explosions(ln) < explosions(fixed), ln + " against " + fixed);

        String html = Files.readString(dir.resolve("comparison.html"));
        assertTrue(html.contains("first_non_finite_step") && html.split("data:image/png;base64").length == 4, "summary and three charts");
        String doctor = Files.readString(dir.resolve("doctor.md"));
        long alarmRows = r.monitors().get("fixed").alarmList().size();
        assertEquals(alarmRows + 1, Files.readAllLines(dir.resolve("fixed-alarms.csv")).size(), "every alarm in the CSV");
        assertTrue(doctor.contains("| verified |") && !doctor.contains("more rows"), doctor);
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("fixed  epoch  1"), log.toString(StandardCharsets.UTF_8));

        // as a reader sees them: 1280 px wide at most, every image loaded, no script errors (skipped without chromium)
        if (org.gradlab.plot.Browser.chromium().isPresent()) {
            for (String page : List.of("comparison.html", "doctor.html")) {
                org.gradlab.plot.Browser.Result b = org.gradlab.plot.Browser.render(dir.resolve(page),
                        org.gradlab.plot.Browser.SCREENSHOTS.resolve("explode-" + page.replace(".html", ".png")));
                assertTrue(b.problems().isEmpty(), page + ": " + b.problems() + " (screenshot " + b.screenshot() + ")");
                assertTrue(b.images() > 0, page + " shows its charts");
            }
        }
    }

    private static long explosions(List<Alarm> alarms) {
        return alarms.stream().filter(a -> a.kind() == Alarm.Kind.EXPLOSION).count();
    }
}
