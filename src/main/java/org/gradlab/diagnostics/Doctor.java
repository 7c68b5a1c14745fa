package org.gradlab.diagnostics;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.gradlab.nn.BatchNorm;
import org.gradlab.nn.Dense;
import org.gradlab.nn.Layer;
import org.gradlab.nn.LayerNorm;
import org.gradlab.nn.Residual;
import tech.tablesaw.api.Table;

/**
 * Reads a {@link Monitor}'s record of a run and says what happened, where, when and why, and
 * which fixes to try, each with the evidence for it. The verdict names the event (the first
 * explosion, loss spike or non-finite value), the parameter carrying most of the global gradient
 * norm at that step, and the cause class (initialisation, rate too high, data, loss) with its
 * numbers; given the {@link LayerGain}s at initialisation it can tell a too-large or vanishing
 * initialisation from a rate that is simply too high.
 *
 * <p>The fixes here are candidates: each carries a {@link Change} that a replay
 * ({@code org.gradlab.diagnostics.FixReplay}) tries from the last healthy step on the same batches,
 * attaching an {@link Outcome}. A verified diagnosis recommends only the fixes that survived.
 *
 * <pre>{@code
 * Doctor.Diagnosis d = Doctor.diagnose(monitor, model, gains);
 * System.out.println(d.verdict());
 * System.out.println(d.ranking());
 * }</pre>
 */
public final class Doctor {
    private Doctor() {
    }

    /** The cause classes of a failure. */
    public enum Cause {
        INITIALISATION("initialisation"), RATE_TOO_HIGH("rate too high"), DATA("data"), LOSS("loss"),
        VANISHING("vanishing gradients"), STRUCTURE("structure: a deep stack without normalisation or residual connections"),
        GRADIENT_SPIKES("gradient spikes that clipping bounds"), UNCLEAR("unclear"), NONE("none");

        private final String words;

        Cause(String words) {
            this.words = words;
        }

        @Override
        public String toString() {
            return words;
        }
    }

    /**
     * What a fix changes, as data a replay can apply: a rate factor ({@code LOWER_RATE}), a linear
     * warmup of {@code value} steps ({@code WARMUP}), global-norm clipping at {@code value}
     * ({@code CLIP}), weights multiplied by {@code scales} at initialisation ({@code RESCALE_INIT}),
     * the user's alternative model ({@code ALTERNATIVE_MODEL}), or nothing a replay can try
     * ({@code ADVICE}: clean the data, change the activation, restructure without an alternative).
     */
    public record Change(Kind kind, double value, Map<String, Double> scales) {
        /** The kinds of change. */
        public enum Kind { LOWER_RATE, WARMUP, CLIP, RESCALE_INIT, ALTERNATIVE_MODEL, ADVICE }

        public Change {
            scales = Map.copyOf(scales);
        }

        static Change of(Kind kind, double value) {
            return new Change(kind, value, Map.of());
        }

        /** Whether the change only makes sense from the first step (the initialisation, a warmup, another model). */
        public boolean fromStart() {
            return kind == Kind.WARMUP || kind == Kind.RESCALE_INIT || kind == Kind.ALTERNATIVE_MODEL;
        }

        /** Whether a replay can try it. */
        public boolean replayable() {
            return kind != Kind.ADVICE;
        }
    }

    /**
     * What a replay of a fix did: from which step, for how many steps, the loss where the run
     * started (its first step's) and at the end (mean of the last tenth, at least five steps),
     * the highest gradient norm before clipping of the steps the fix could act on (a replay from
     * the last healthy state keeps that state's first gradient, the explosion's, whatever the fix
     * does to its update), and whether every loss stayed finite, the loss at least halved and the
     * norm stayed under {@code normBound}.
     */
    public record Outcome(String label, long fromStep, int steps, double startLoss, double endLoss, double maxGradNorm,
            double normBound, boolean finite) {

        public boolean lossFell() {
            return endLoss < 0.5 * startLoss;
        }

        public boolean bounded() {
            return maxGradNorm <= normBound;
        }

        /** Finite, falling and bounded. */
        public boolean survived() {
            return finite && lossFell() && bounded();
        }

        /** e.g. {@code "lr 0.0333: 240 steps from step 10, loss 2.30 -> 0.412, max grad norm 8.10"}. */
        public String evidence() {
            String why = survived() ? "" : !finite ? "; the loss became non-finite"
                    : !lossFell() ? "; the loss did not halve" : "; the gradient norm passed " + Tables.g3(normBound);
            return String.format(Locale.ROOT, "%s: %d steps from step %d, loss %s -> %s, max grad norm %s%s", label,
                    steps, fromStep, Tables.g3(startLoss), Tables.g3(endLoss), Tables.g3(maxGradNorm), why);
        }
    }

    /**
     * A candidate fix: its title, prior score (higher first, from the run's evidence), why it was
     * proposed, what it changes, and the replay's outcome (null until verified).
     */
    public record Fix(String title, double score, String evidence, Change change, Outcome outcome) {

        /** The fix with a replay's outcome. */
        public Fix verified(Outcome o) {
            return new Fix(title, score, evidence, change, o);
        }

        public boolean survived() {
            return outcome != null && outcome.survived();
        }
    }

    /**
     * The diagnosis: what happened ({@code finding}: the event, where and when, and the parameters
     * carrying the norm), the cause the run's evidence suggests ({@code suspected}, with its numbers
     * in {@code suspectedWhy}), the event it hinges on (null for a healthy run), the fixes (verified
     * survivors first, best end loss first; then unverified suggestions by score; then fixes that
     * failed their replay), every alarm in step order, the parameters at the event, the layer gains
     * at initialisation (null when not measured), and the monitor's step and layer tables (for
     * charts). The cause it states ({@link #cause()}) is the one a replayed fix proved, not the
     * suspicion.
     */
    public record Diagnosis(String finding, Cause suspected, String suspectedWhy, Alarm event, List<Fix> fixes, Table alarms,
            Table layersAtEvent, LayerGain.Result gains, Table steps, Table layers, Curvature curvature) {

        public Diagnosis {
            fixes = List.copyOf(fixes);
            curvature = curvature == null ? Curvature.NONE : curvature;
        }

        /** The same diagnosis citing {@code c} (the Jacobian spectrum at init, the sharpness before the event). */
        public Diagnosis withCurvature(Curvature c) {
            return new Diagnosis(finding, suspected, suspectedWhy, event, fixes, alarms, layersAtEvent, gains, steps, layers, c);
        }

        /** Whether any fix was replayed ({@code FixReplay}). */
        public boolean verified() {
            return fixes.stream().anyMatch(f -> f.outcome() != null);
        }

        /**
         * The cause: the one whose fix survived its replay best (a lower rate or a warmup: the
         * rate; a rescaled initialisation: the initialisation; the alternative model: the
         * structure; clipping: gradient spikes), {@link Cause#UNCLEAR} when every replay failed,
         * and the suspicion when nothing was replayed.
         */
        public Cause cause() {
            if (event == null || suspected == Cause.DATA || suspected == Cause.LOSS || !verified()) {
                return suspected;
            }
            return recommended().stream().map(f -> proves(f.change().kind())).filter(c -> c != null).findFirst().orElse(Cause.UNCLEAR);
        }

        /**
         * The verdict: the finding, then the cause with the replay that proved it (or why it is
         * unclear, or that it is only suspected), then the curvature evidence measured for it
         * ({@link Curvature#words}).
         */
        public String verdict() {
            if (event == null) {
                return finding;
            }
            String evidence = curvature.words(cause());
            return cause(finding) + (evidence.isEmpty() ? "" : " " + evidence);
        }

        private String cause(String finding) {
            Cause c = cause();
            if (!verified() || c == Cause.DATA || c == Cause.LOSS) {
                return finding + " " + (verified() ? "Cause: " : "Suspected cause (not verified by replay): ") + suspected + ", "
                        + suspectedWhy + ".";
            }
            if (c == Cause.UNCLEAR) {
                Fix closest = fixes.stream().filter(f -> f.outcome() != null).findFirst().orElseThrow();
                return finding + " Cause: unclear: no replayed fix survived (the closest, " + closest.title() + ": "
                        + closest.outcome().evidence() + "); the suspicion was " + suspected + ", " + suspectedWhy + ".";
            }
            Fix proof = recommended().stream().filter(f -> proves(f.change().kind()) == c).findFirst().orElseThrow();
            String suspicion = c == suspected ? " (as the run's evidence suggested: " + suspectedWhy + ")"
                    : fixes.stream().filter(f -> proves(f.change().kind()) == suspected && f.outcome() != null).findFirst()
                            .map(f -> ". The suspected cause, " + suspected + " (" + suspectedWhy + "), was not confirmed: "
                                    + f.title() + " " + (f.survived() ? "also survived but ended higher" : "failed") + " ("
                                    + f.outcome().evidence() + ")").orElse("");
            return finding + " Cause: " + c + ", shown by replay: " + proof.title() + " (" + proof.outcome().evidence() + ")"
                    + suspicion + ".";
        }

        /** The fixes that survived a replay, best first: the only ones recommended. */
        public List<Fix> recommended() {
            return fixes.stream().filter(Fix::survived).toList();
        }

        /** The same diagnosis with these (verified) fixes, ranked as the record describes. */
        public Diagnosis withFixes(List<Fix> verified) {
            return new Diagnosis(finding, suspected, suspectedWhy, event, rank(verified), alarms, layersAtEvent, gains, steps, layers,
                    curvature);
        }

        /** The ranking as numbered lines: the recommended fixes with their evidence, then the rest. */
        public String ranking() {
            StringBuilder sb = new StringBuilder();
            int i = 1;
            for (Fix f : fixes) {
                sb.append(i++).append(". ").append(f.title()).append(" (").append(status(f)).append("): ")
                        .append(f.outcome() == null ? f.evidence() : f.outcome().evidence()).append('\n');
            }
            return sb.toString();
        }

        /**
         * The fixes as a table, best first: fix, status (verified, failed, suggested), the replay's
         * start step and length, the loss at its start and end, its largest gradient norm, and why it
         * was proposed (unverified) or why it failed.
         */
        public Table fixTable() {
            Table t = Table.create("fixes, best first", tech.tablesaw.api.StringColumn.create("fix"),
                    tech.tablesaw.api.StringColumn.create("status"), tech.tablesaw.api.StringColumn.create("replay"),
                    tech.tablesaw.api.StringColumn.create("loss"), tech.tablesaw.api.StringColumn.create("max grad norm"),
                    tech.tablesaw.api.StringColumn.create("why"));
            for (Fix f : fixes) {
                Outcome o = f.outcome();
                t.stringColumn("fix").append(f.title());
                t.stringColumn("status").append(status(f));
                t.stringColumn("replay").append(o == null ? "" : o.steps() + " steps from step " + o.fromStep());
                t.stringColumn("loss").append(o == null ? "" : Tables.g3(o.startLoss()) + " -> " + Tables.g3(o.endLoss()));
                t.stringColumn("max grad norm").append(o == null ? "" : Tables.g3(o.maxGradNorm()));
                t.stringColumn("why").append(o == null ? f.evidence() : o.survived() ? "finite, the loss halved, the norm stayed "
                        + "under " + Tables.g3(o.normBound()) : o.evidence().substring(o.evidence().lastIndexOf("; ") + 2));
            }
            return t;
        }

        private static String status(Fix f) {
            return f.outcome() == null ? "suggested, not verified" : f.survived() ? "verified" : "failed";
        }
    }

    /** The cause a surviving fix of this kind proves, or null. */
    public static Cause proves(Change.Kind kind) {
        return switch (kind) {
            case LOWER_RATE, WARMUP -> Cause.RATE_TOO_HIGH;
            case RESCALE_INIT -> Cause.INITIALISATION;
            case ALTERNATIVE_MODEL -> Cause.STRUCTURE;
            case CLIP -> Cause.GRADIENT_SPIKES;
            case ADVICE -> null;
        };
    }

    /** Diagnoses the run {@code monitor} watched on {@code model}, without layer gains. */
    public static Diagnosis diagnose(Monitor monitor, Layer model) {
        return diagnose(monitor, model, null);
    }

    /**
     * Diagnoses the run {@code monitor} watched on {@code model}, with the model's layer gains
     * at initialisation ({@code gains}, may be null), which let it name a bad initialisation.
     */
    public static Diagnosis diagnose(Monitor monitor, Layer model, LayerGain.Result gains) {
        return diagnose(monitor, model, gains, Curvature.NONE);
    }

    /**
     * Diagnoses the run as {@link #diagnose(Monitor, Layer, LayerGain.Result)} does, citing the
     * curvature measured for it (the Jacobian spectrum at init, the sharpness before the event) in
     * its verdict. A {@link Forecaster}'s forecast reported to the monitor is an event like an
     * explosion: the earliest event starts the diagnosis, so a forecast starts it before the failure.
     */
    public static Diagnosis diagnose(Monitor monitor, Layer model, LayerGain.Result gains, Curvature curvature) {
        List<StepRecord> steps = monitor.stepRecords();
        if (steps.isEmpty()) {
            throw new IllegalArgumentException("doctor: the monitor recorded no steps; attach it with TrainerBuilder.monitor(...)");
        }
        List<Alarm> alarms = monitor.alarmList();
        Table alarmTable = Tables.readable(monitor.alarms().sortOn("step"));
        Table stepTable = Tables.readable(monitor.steps());
        Table layerTable = Tables.readable(monitor.layers());
        // the root event: the earliest non-finite value, explosion, loss spike or forecast (in that order on
        // one step); only without any of those, the first vanishing gradient
        List<Alarm.Kind> order = List.of(Alarm.Kind.NON_FINITE, Alarm.Kind.EXPLOSION, Alarm.Kind.LOSS_SPIKE, Alarm.Kind.FORECAST);
        Alarm event = alarms.stream().filter(a -> order.contains(a.kind()))
                .min(Comparator.comparingLong(Alarm::step).thenComparing(a -> order.indexOf(a.kind())))
                .or(() -> alarms.stream().filter(a -> a.kind() == Alarm.Kind.VANISHING).findFirst())
                .orElse(null);
        if (event == null) {
            String ratio = alarms.stream().anyMatch(a -> a.kind() == Alarm.Kind.UPDATE_RATIO)
                    ? " Some update/weight ratios left the healthy band; see the alarms." : "";
            return new Diagnosis(String.format(Locale.ROOT, "healthy: %d steps without explosion, loss spike, "
                    + "vanishing or non-finite gradients.%s", steps.size(), ratio), Cause.NONE, "", null, List.of(), alarmTable,
                    layerTable.emptyCopy(), gains, stepTable, layerTable, curvature);
        }
        Evidence ev = new Evidence(monitor, model, event, gains);
        Table atEvent = layerTable.where(layerTable.longColumn("step").isEqualTo(ev.layerStep()));
        List<Fix> fixes = new ArrayList<>();
        if (event.kind() == Alarm.Kind.VANISHING) {
            vanishingFixes(ev, fixes);
        } else {
            explosionFixes(ev, fixes);
        }
        Cause cause = cause(ev);
        String exploded = event.kind() != Alarm.Kind.FORECAST ? "" : alarms.stream().filter(a -> a.kind() == Alarm.Kind.EXPLOSION
                && a.step() > event.step()).findFirst().map(a -> " The gradients exploded at step " + a.step() + ".").orElse("");
        String later = alarms.stream().filter(a -> a.kind() == Alarm.Kind.NON_FINITE && a.step() > event.step()).findFirst()
                .map(a -> " The run turned non-finite at step " + a.step() + ".").orElse("");
        String finding = finding(event, steps.size()) + contributors(ev) + exploded + later;
        return new Diagnosis(finding, cause, causeNumbers(ev, cause), event, rank(fixes), alarmTable, atEvent, gains, stepTable,
                layerTable, curvature);
    }

    /** Verified survivors by end loss; then unverified by score; then failures by end loss. */
    static List<Fix> rank(List<Fix> fixes) {
        Comparator<Fix> order = Comparator.comparingInt((Fix f) -> f.survived() ? 0 : f.outcome() == null ? 1 : 2)
                .thenComparingDouble(f -> f.outcome() == null ? -f.score() : endLossOrInfinity(f.outcome()));
        return fixes.stream().sorted(order).toList();
    }

    private static double endLossOrInfinity(Outcome o) {
        return o.finite() && Double.isFinite(o.endLoss()) ? o.endLoss() : Double.POSITIVE_INFINITY;
    }

    private static String finding(Alarm e, int steps) {
        String what = switch (e.kind()) {
            case NON_FINITE -> "the run produced non-finite values";
            case EXPLOSION -> "the gradients exploded";
            case LOSS_SPIKE -> "the loss spiked";
            case VANISHING -> "the gradients vanished";
            case UPDATE_RATIO -> "updates left the healthy band";
            case FORECAST -> "the forecaster expected a failure, before anything failed,";
        };
        return String.format(Locale.ROOT, "%s at step %d of %d, in %s. %s.", what, e.step(), steps, e.layer(), e.message());
    }

    /** The parameters carrying most of the squared global norm at the event's step. */
    private static String contributors(Evidence ev) {
        List<LayerStats> at = ev.atEvent();
        double total = at.stream().mapToDouble(l -> l.gradNorm() * l.gradNorm()).filter(Double::isFinite).sum();
        List<LayerStats> top = at.stream().filter(l -> Double.isFinite(l.gradNorm()))
                .sorted(Comparator.comparingDouble(LayerStats::gradNorm).reversed()).limit(2).toList();
        if (top.isEmpty() || !(total > 0)) {
            return "";
        }
        return " The largest share of the global norm " + Tables.g3(Math.sqrt(total)) + " at step " + ev.layerStep()
                + " comes from " + top.stream().map(l -> String.format(Locale.ROOT, "%s (norm %s, %.0f%% of the squared norm)",
                        l.param(), Tables.g3(l.gradNorm()), 100 * l.gradNorm() * l.gradNorm() / total))
                        .collect(Collectors.joining(" and ")) + ".";
    }

    private static Cause cause(Evidence ev) {
        Alarm e = ev.event();
        if (e.kind() == Alarm.Kind.NON_FINITE && e.message().contains("data")) {
            return Cause.DATA;
        }
        if (e.kind() == Alarm.Kind.NON_FINITE && e.message().contains("came from the loss")) {
            return Cause.LOSS;
        }
        if (ev.gains() != null && !ev.gains().verdict().equals("balanced")) {
            return ev.gains().tooLarge() ? Cause.INITIALISATION : Cause.VANISHING;
        }
        return e.kind() == Alarm.Kind.VANISHING ? Cause.VANISHING : Cause.RATE_TOO_HIGH;
    }

    private static String causeNumbers(Evidence ev, Cause c) {
        return switch (c) {
            case DATA -> "the batch at step " + ev.event().step() + " already held non-finite inputs";
            case LOSS -> "the model's output was finite but the loss was not";
            case INITIALISATION, VANISHING -> ev.gains() != null ? ev.gains().summary()
                    : "the first layer's gradient norm was " + Tables.g3(ev.depthRatio()) + "x the last one's at the first step";
            default -> String.format(Locale.ROOT, "the rate was %s at step %d%s", Tables.g3(ev.lrAtEvent()), ev.event().step(),
                    ev.gains() == null ? " (layer gains not measured)" : " while the initialisation is balanced ("
                            + ev.gains().summary() + ")");
        };
    }

    /** What the run tells about the event: rates, norms before it, structure. */
    private record Evidence(Monitor monitor, Layer model, Alarm event, LayerGain.Result gains, double lrAtEvent,
            boolean warmup, double clippedShare, int dense, boolean normalised, double depthRatio, long layerStep,
            List<LayerStats> atEvent) {
        Evidence(Monitor monitor, Layer model, Alarm event, LayerGain.Result gains) {
            this(monitor, model, event, gains, lrAt(monitor, event.step()), hasWarmup(monitor),
                    monitor.stepRecords().stream().filter(StepRecord::clipped).count() / (double) monitor.stepRecords().size(),
                    count(model, Dense.class), count(model, BatchNorm.class) + count(model, LayerNorm.class)
                            + count(model, Residual.class) > 0, Doctor.depthRatio(monitor), layerStepAt(monitor, event.step()),
                    monitor.layerStats().stream().filter(l -> l.step() == layerStepAt(monitor, event.step())).toList());
        }

        double[] normsBefore() {
            return monitor.stepRecords().stream().filter(s -> s.step() < event.step()).mapToDouble(StepRecord::gradNorm)
                    .filter(Double::isFinite).toArray();
        }
    }

    /** The last step at or before {@code step} with per-parameter statistics. */
    private static long layerStepAt(Monitor m, long step) {
        return m.layerStats().stream().mapToLong(LayerStats::step).filter(s -> s <= step).max().orElse(-1);
    }

    private static void explosionFixes(Evidence ev, List<Fix> fixes) {
        Alarm e = ev.event();
        if (e.kind() == Alarm.Kind.NON_FINITE && e.message().contains("data")) {
            fixes.add(new Fix("Clean the data", 10, "the non-finite values at step " + e.step()
                    + " were already in the batch's input features; no training setting fixes that. "
                    + "gradlab's Dataset rejects NaN at construction, so look at how the batch was built.",
                    Change.of(Change.Kind.ADVICE, Double.NaN), null));
        }
        int total = ev.monitor().stepRecords().size();
        long warmupSteps = Math.max(20, total / 10);
        if (!ev.warmup() && e.step() >= warmupSteps) {
            fixes.add(new Fix(String.format(Locale.ROOT, "Warm up the learning rate over %d steps", warmupSteps), 2.0,
                    String.format(Locale.ROOT, "the run started at its full rate %s and the trouble came at step %d, after "
                            + "a warmup of a tenth of the run (%d steps) would have ended", Tables.g3(ev.monitor().stepRecords()
                            .get(0).lr()), e.step(), warmupSteps), Change.of(Change.Kind.WARMUP, warmupSteps), null));
        }
        for (double factor : new double[] {3, 10}) {
            fixes.add(new Fix("Lower the learning rate to " + Tables.g3(ev.lrAtEvent() / factor), factor == 3 ? 2.4 : 2.3,
                    String.format(Locale.ROOT, "the rate at step %d was %s; a %s of it", e.step(), Tables.g3(ev.lrAtEvent()),
                            factor == 3 ? "third" : "tenth"), Change.of(Change.Kind.LOWER_RATE, 1 / factor), null));
        }
        double[] before = ev.normsBefore();
        if (before.length >= 5) {
            ClipAdvisor.Advice a = ClipAdvisor.advise(before);
            ClipAdvisor.Advice median = ClipAdvisor.advise(before, 50);
            double spike = ev.monitor().stepRecords().stream().filter(r -> r.step() == e.step())
                    .mapToDouble(StepRecord::gradNorm).findFirst().orElse(Double.NaN);
            for (ClipAdvisor.Advice adv : List.of(a, median)) {
                double ratio = spike / adv.threshold();
                fixes.add(new Fix("Clip the global gradient norm at " + Tables.g3(adv.threshold()),
                        (ev.clippedShare() > 0 ? 1.5 : Double.isFinite(ratio) && ratio > 10 ? 2.8 : 2.2) - (adv == a ? 0 : 0.1),
                        String.format(Locale.ROOT, "the clip advisor's threshold over the %d steps before (it would have "
                                + "clipped %.0f%% of them)%s", adv.steps(), 100 * adv.fractionClipped(),
                                Double.isFinite(ratio) ? "; the global norm at step " + e.step() + " was " + Tables.g3(spike)
                                        + ", " + Tables.g3(ratio) + "x that" : ""),
                        Change.of(Change.Kind.CLIP, adv.threshold()), null));
            }
        }
        LayerGain.Result g = ev.gains();
        if (g != null && !g.verdict().equals("balanced")) {
            fixes.add(new Fix("Rescale the initialisation", 2.5, "each block's weights divided by its forward gain so "
                    + "that every block keeps the signal's scale; " + g.summary(), new Change(Change.Kind.RESCALE_INIT, Double.NaN,
                    rescaling(g)), null));
        } else if (Double.isFinite(ev.depthRatio()) && (ev.depthRatio() > 100 || ev.depthRatio() < 0.01)) {
            fixes.add(new Fix("Change the initialisation", 1.6, String.format(Locale.ROOT,
                    "at the first step the first layer's gradient norm was %s times the last one's: the "
                            + "initialisation does not keep signals at one scale through the depth; use Init.heNormal() "
                            + "for ReLU or Init.xavierUniform() for tanh", Tables.g3(ev.depthRatio())),
                    Change.of(Change.Kind.ADVICE, Double.NaN), null));
        }
        if (ev.dense() >= 4 && !ev.normalised()) {
            fixes.add(new Fix("Add normalisation or residual connections", 1.8 + (ev.dense() >= 8 ? 0.6 : 0),
                    String.format(Locale.ROOT, "the model stacks %d dense layers without BatchNorm, LayerNorm or "
                            + "Residual; they keep activations and gradients at a steady scale through the depth (verified "
                            + "only when a replay is given the alternative model)", ev.dense()),
                    Change.of(Change.Kind.ALTERNATIVE_MODEL, Double.NaN), null));
        }
    }

    /** Per-weight factors {@code 1 / forward gain} of the block each Dense weight belongs to (the output block kept). */
    private static Map<String, Double> rescaling(LayerGain.Result g) {
        Map<String, Double> scales = new LinkedHashMap<>();
        Table t = g.table();
        for (int r = 0; r < t.rowCount(); r++) {
            double gain = t.doubleColumn("forward_gain").getDouble(r);
            String dense = t.stringColumn("layers").getString(r).split(" ")[0].split(":")[0];
            if (gain > 0 && Double.isFinite(gain) && !t.stringColumn("flag").getString(r).equals("output")) {
                scales.put(dense + ".weight", 1 / gain);
            }
        }
        return scales;
    }

    private static void vanishingFixes(Evidence ev, List<Fix> fixes) {
        Change advice = Change.of(Change.Kind.ADVICE, Double.NaN);
        fixes.add(new Fix("Use ReLU or GELU instead of saturating activations", 2.5,
                "sigmoid and tanh multiply every gradient by at most 1/4 and 1 respectively; " + ev.event().message(), advice, null));
        fixes.add(new Fix("Change the initialisation", 2.0, "He (ReLU) or Xavier (tanh) initialisation keeps the "
                + "gradient scale constant through the depth" + (ev.gains() == null ? "" : "; " + ev.gains().summary()), advice, null));
        if (!ev.normalised()) {
            fixes.add(new Fix("Add normalisation or residual connections", 2.2, String.format(Locale.ROOT,
                    "%d dense layers without normalisation or skip connections: Residual gives gradients a path "
                            + "around each block", ev.dense()), Change.of(Change.Kind.ALTERNATIVE_MODEL, Double.NaN), null));
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
}
