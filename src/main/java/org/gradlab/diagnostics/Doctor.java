package org.gradlab.diagnostics;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.gradlab.nn.BatchNorm;
import org.gradlab.nn.Dense;
import org.gradlab.nn.LayerNorm;
import org.gradlab.nn.Layer;
import org.gradlab.nn.Residual;
import tech.tablesaw.api.Table;

/**
 * Reads a {@link Monitor}'s record of a run and says what happened, where and when, and which
 * fixes are most likely to help, each with the evidence from the run: lower or warm up the
 * learning rate, clip at a recommended threshold, change the initialisation, add normalisation
 * or residual connections, clean the data.
 *
 * <pre>{@code
 * Doctor.Diagnosis d = Doctor.diagnose(monitor, model);
 * System.out.println(d.markdown());
 * Files.writeString(Path.of("doctor.html"), d.html());
 * }</pre>
 */
public final class Doctor {
    private Doctor() {
    }

    /** A suggested change, its score (higher first) and the evidence for it. */
    public record Fix(String title, double score, String evidence) {
    }

    /**
     * The diagnosis: a one-line verdict, the event it hinges on (null for a healthy run), the
     * ranked fixes, and the tables behind them (alarms; per-parameter statistics at the event).
     */
    public record Diagnosis(String verdict, Alarm event, List<Fix> fixes, Table alarms, Table layersAtEvent) {

        public String markdown() {
            StringBuilder sb = new StringBuilder("# gradlab doctor\n\n**Verdict:** ").append(verdict).append("\n\n");
            if (!fixes.isEmpty()) {
                sb.append("## Fixes, most likely first\n\n");
                for (int i = 0; i < fixes.size(); i++) {
                    sb.append(i + 1).append(". **").append(fixes.get(i).title()).append("** — ")
                            .append(fixes.get(i).evidence()).append('\n');
                }
                sb.append('\n');
            }
            sb.append("## Alarms\n\n").append(markdownTable(alarms, 20));
            if (layersAtEvent.rowCount() > 0) {
                sb.append("\n## Parameters at step ").append(event.step()).append("\n\n").append(markdownTable(layersAtEvent, 50));
            }
            return sb.toString();
        }

        public String html() {
            StringBuilder sb = new StringBuilder("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                    + "<title>gradlab doctor</title><style>body{font-family:sans-serif;max-width:60em;margin:2em auto}"
                    + "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em}</style></head><body>\n"
                    + "<h1>gradlab doctor</h1>\n<p><b>Verdict:</b> ").append(escape(verdict)).append("</p>\n");
            if (!fixes.isEmpty()) {
                sb.append("<h2>Fixes, most likely first</h2>\n<ol>\n");
                fixes.forEach(f -> sb.append("<li><b>").append(escape(f.title())).append("</b> — ")
                        .append(escape(f.evidence())).append("</li>\n"));
                sb.append("</ol>\n");
            }
            sb.append("<h2>Alarms</h2>\n").append(htmlTable(alarms, 20));
            if (layersAtEvent.rowCount() > 0) {
                sb.append("<h2>Parameters at step ").append(event.step()).append("</h2>\n").append(htmlTable(layersAtEvent, 50));
            }
            return sb.append("</body></html>\n").toString();
        }
    }

    /** Diagnoses the run {@code monitor} watched on {@code model}. */
    public static Diagnosis diagnose(Monitor monitor, Layer model) {
        List<StepRecord> steps = monitor.stepRecords();
        if (steps.isEmpty()) {
            throw new IllegalArgumentException("doctor: the monitor recorded no steps; attach it with Trainer.Builder.monitor(...)");
        }
        List<Alarm> alarms = monitor.alarmList();
        // the root event: the earliest non-finite value, explosion or loss spike (in that order on one
        // step); only without any of those, the first vanishing gradient
        List<Alarm.Kind> order = List.of(Alarm.Kind.NON_FINITE, Alarm.Kind.EXPLOSION, Alarm.Kind.LOSS_SPIKE);
        Alarm event = alarms.stream().filter(a -> order.contains(a.kind()))
                .min(Comparator.comparingLong(Alarm::step).thenComparing(a -> order.indexOf(a.kind())))
                .or(() -> alarms.stream().filter(a -> a.kind() == Alarm.Kind.VANISHING).findFirst())
                .orElse(null);
        Table layersAtEvent = event == null ? monitor.layers().emptyCopy()
                : monitor.layers().where(monitor.layers().longColumn("step").isEqualTo(event.step()));
        if (event == null) {
            String ratio = alarms.stream().anyMatch(a -> a.kind() == Alarm.Kind.UPDATE_RATIO)
                    ? " Some update/weight ratios left the healthy band; see the alarms." : "";
            return new Diagnosis(String.format(Locale.ROOT, "healthy: %d steps without explosion, loss spike, "
                    + "vanishing or non-finite gradients.%s", steps.size(), ratio), null, List.of(), monitor.alarms(), layersAtEvent);
        }
        List<Fix> fixes = new ArrayList<>();
        Evidence ev = new Evidence(monitor, model, event);
        if (event.kind() == Alarm.Kind.VANISHING) {
            vanishingFixes(ev, fixes);
        } else {
            explosionFixes(ev, fixes);
        }
        fixes.sort(Comparator.comparingDouble(Fix::score).reversed());
        String later = alarms.stream().filter(a -> a.kind() == Alarm.Kind.NON_FINITE && a.step() > event.step()).findFirst()
                .map(a -> " The run turned non-finite later, at step " + a.step() + ".").orElse("");
        return new Diagnosis(verdict(event, steps.size()) + later, event, fixes, criticalFirst(monitor.alarms()), layersAtEvent);
    }

    /** Alarms with the update/weight-ratio ones (often many) after the others. */
    private static Table criticalFirst(Table alarms) {
        Table ratio = alarms.where(alarms.stringColumn("kind").isEqualTo(Alarm.Kind.UPDATE_RATIO.name()));
        return alarms.where(alarms.stringColumn("kind").isNotEqualTo(Alarm.Kind.UPDATE_RATIO.name())).append(ratio);
    }

    private static String verdict(Alarm e, int steps) {
        String what = switch (e.kind()) {
            case NON_FINITE -> "the run produced non-finite values";
            case EXPLOSION -> "the gradients exploded";
            case LOSS_SPIKE -> "the loss spiked";
            case VANISHING -> "the gradients vanished";
            case UPDATE_RATIO -> "updates left the healthy band";
        };
        return String.format(Locale.ROOT, "%s at step %d of %d, in %s. %s.", what, e.step(), steps, e.layer(), e.message());
    }

    /** What the run tells about the event: rates, norms before it, structure. */
    private record Evidence(Monitor monitor, Layer model, Alarm event, double lrAtEvent, double firstLr,
            boolean warmup, double clippedShare, int dense, boolean normalised, double depthRatio) {
        Evidence(Monitor monitor, Layer model, Alarm event) {
            this(monitor, model, event, lrAt(monitor, event.step()), monitor.stepRecords().get(0).lr(), hasWarmup(monitor),
                    monitor.stepRecords().stream().filter(StepRecord::clipped).count() / (double) monitor.stepRecords().size(),
                    count(model, Dense.class), count(model, BatchNorm.class) + count(model, LayerNorm.class)
                            + count(model, Residual.class) > 0, Doctor.depthRatio(monitor));
        }

        double[] normsBefore() {
            return monitor.stepRecords().stream().filter(s -> s.step() < event.step()).mapToDouble(StepRecord::gradNorm)
                    .filter(Double::isFinite).toArray();
        }
    }

    private static void explosionFixes(Evidence ev, List<Fix> fixes) {
        Alarm e = ev.event();
        if (e.kind() == Alarm.Kind.NON_FINITE && e.message().contains("data")) {
            fixes.add(new Fix("Clean the data", 10, "the non-finite values at step " + e.step()
                    + " were already in the batch's input features; no training setting fixes that. "
                    + "gradlab's Dataset rejects NaN at construction, so look at how the batch was built."));
        }
        boolean early = e.step() < Math.max(50, ev.monitor().stepRecords().size() / 5);
        if (!ev.warmup()) {
            fixes.add(new Fix("Warm up the learning rate", early ? 3.0 : 2.0, String.format(Locale.ROOT,
                    "the run started at its full rate %.3g and the trouble came at step %d%s; a linear warmup "
                            + "(Schedule.withWarmup) lets the weights settle before full-size steps",
                    ev.firstLr(), e.step(), early ? ", early in the run" : "")));
        }
        fixes.add(new Fix("Lower the learning rate", 2.4, String.format(Locale.ROOT,
                "the rate at step %d was %.3g; try a third to a tenth of it, or find one with LrFinder", e.step(), ev.lrAtEvent())));
        double[] before = ev.normsBefore();
        if (before.length >= 5) {
            ClipAdvisor.Advice a = ClipAdvisor.advise(before);
            double spike = ev.monitor().stepRecords().stream().filter(r -> r.step() == e.step())
                    .mapToDouble(StepRecord::gradNorm).findFirst().orElse(Double.NaN);
            double ratio = spike / a.threshold();
            fixes.add(new Fix(String.format(Locale.ROOT, "Clip the global gradient norm at %.3g", a.threshold()),
                    ev.clippedShare() > 0 ? 1.5 : Double.isFinite(ratio) && ratio > 10 ? 2.8 : 2.2,
                    String.format(Locale.ROOT, "the norm's 90th percentile over the %d steps before was %.3g (it would "
                            + "have clipped %.0f%% of them)%s%s", a.steps(), a.threshold(), 100 * a.fractionClipped(),
                            Double.isFinite(ratio) ? String.format(Locale.ROOT, "; the global norm at step %d was %.3g, "
                                    + "%.1fx that", e.step(), spike, ratio) : "",
                            ev.clippedShare() > 0 ? String.format(Locale.ROOT, "; clipping was already on for %.0f%% of "
                                    + "steps, so tighten it or combine it with a lower rate", 100 * ev.clippedShare()) : "")));
        }
        if (Double.isFinite(ev.depthRatio()) && (ev.depthRatio() > 100 || ev.depthRatio() < 0.01)) {
            fixes.add(new Fix("Change the initialisation", early ? 2.3 : 1.6, String.format(Locale.ROOT,
                    "at the first step the first layer's gradient norm was %.3g times the last one's: the "
                            + "initialisation does not keep signals at one scale through the depth; use Init.heNormal() "
                            + "for ReLU or Init.xavierUniform() for tanh", ev.depthRatio())));
        }
        if (ev.dense() >= 4 && !ev.normalised()) {
            fixes.add(new Fix("Add normalisation or residual connections", 1.8 + (ev.dense() >= 8 ? 0.6 : 0),
                    String.format(Locale.ROOT, "the model stacks %d dense layers without BatchNorm, LayerNorm or "
                            + "Residual; they keep activations and gradients at a steady scale through the depth", ev.dense())));
        }
    }

    private static void vanishingFixes(Evidence ev, List<Fix> fixes) {
        fixes.add(new Fix("Use ReLU or GELU instead of saturating activations", 2.5,
                "sigmoid and tanh multiply every gradient by at most 1/4 and 1 respectively; " + ev.event().message()));
        fixes.add(new Fix("Change the initialisation", 2.0, "He (ReLU) or Xavier (tanh) initialisation keeps the "
                + "gradient scale constant through the depth"));
        if (!ev.normalised()) {
            fixes.add(new Fix("Add normalisation or residual connections", 2.2, String.format(Locale.ROOT,
                    "%d dense layers without normalisation or skip connections: Residual gives gradients a path "
                            + "around each block", ev.dense())));
        }
    }

    private static double lrAt(Monitor m, long step) {
        return m.stepRecords().stream().filter(s -> s.step() == step).mapToDouble(StepRecord::lr).findFirst()
                .orElse(Double.NaN);
    }

    /** A warmup: the first step's rate is under half the highest rate of the first fifth of the run. */
    private static boolean hasWarmup(Monitor m) {
        List<StepRecord> s = m.stepRecords();
        double peak = s.subList(0, Math.max(1, s.size() / 5)).stream().mapToDouble(StepRecord::lr).max().orElse(0);
        return s.get(0).lr() < 0.5 * peak;
    }

    /** First weight's gradient norm over the last one's, at the first recorded step. */
    private static double depthRatio(Monitor m) {
        List<LayerStats> first = m.layerStats().stream().filter(l -> l.step() == m.layerStats().get(0).step())
                .filter(l -> l.param().endsWith("weight")).toList();
        return first.size() < 2 ? Double.NaN : first.get(0).gradNorm() / first.get(first.size() - 1).gradNorm();
    }

    private static int count(Layer m, Class<?> type) {
        int n = type.isInstance(m) ? 1 : 0;
        for (Layer c : m.children().values()) {
            n += count(c, type);
        }
        return n;
    }

    private static String markdownTable(Table t, int maxRows) {
        StringBuilder sb = new StringBuilder("| ").append(String.join(" | ", t.columnNames())).append(" |\n|");
        t.columnNames().forEach(c -> sb.append("---|"));
        sb.append('\n');
        for (int r = 0; r < Math.min(maxRows, t.rowCount()); r++) {
            final int row = r;
            sb.append("| ").append(java.util.stream.IntStream.range(0, t.columnCount())
                    .mapToObj(c -> t.getString(row, c).replace("|", "\\|")).collect(Collectors.joining(" | "))).append(" |\n");
        }
        if (t.rowCount() > maxRows) {
            sb.append("\n(").append(t.rowCount() - maxRows).append(" more rows)\n");
        }
        return sb.toString();
    }

    private static String htmlTable(Table t, int maxRows) {
        StringBuilder sb = new StringBuilder("<table><tr>");
        t.columnNames().forEach(c -> sb.append("<th>").append(escape(c)).append("</th>"));
        sb.append("</tr>\n");
        for (int r = 0; r < Math.min(maxRows, t.rowCount()); r++) {
            sb.append("<tr>");
            for (int c = 0; c < t.columnCount(); c++) {
                sb.append("<td>").append(escape(t.getString(r, c))).append("</td>");
            }
            sb.append("</tr>\n");
        }
        sb.append("</table>\n");
        if (t.rowCount() > maxRows) {
            sb.append("<p>(").append(t.rowCount() - maxRows).append(" more rows)</p>\n");
        }
        return sb.toString();
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
