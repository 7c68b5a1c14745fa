package org.gradlab.experiment.report;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.gradlab.diagnostics.SharpnessCallback;
import org.gradlab.experiment.engine.RunResult;
import org.gradlab.experiment.spec.ScheduleSpec;
import org.gradlab.plot.CurvatureCharts;
import org.gradlab.plot.Figure;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.Table;

/**
 * A part's curvature charts, from what its runs' probes measured (the first seed of each
 * configuration that has it): the sharpness of the runs at fixed rates against their stability
 * limits ({@code sharpness-fixed}), of the scheduled runs with the fixed run at their peak
 * ({@code sharpness-schedules}), every sampled run's sharpness over its limit
 * ({@code sharpness-edge}), and the Jacobian spectra at init of each structure by depth: the
 * network up to each block ({@code jacobian}) and each block on its own ({@code jacobian-blocks}).
 * A block is a model's top-level layer (a Linear layer with its normalisation and activation, or
 * a residual block); its own value is the product of its layers' (exact for Linear and ReLU).
 */
public final class CurvatureFigures {
    private CurvatureFigures() {
    }

    /** The charts {@code rs} (one part's runs) have data for, file stem to chart. */
    public static Map<String, Figure> of(String part, List<RunResult> rs) {
        Map<String, Figure> charts = new LinkedHashMap<>();
        List<RunResult> sampled = firstWith(rs, r -> !r.watch().sharpness().isEmpty());
        if (!sampled.isEmpty()) {
            List<RunResult> fixed = sampled.stream().filter(CurvatureFigures::constant).toList();
            List<RunResult> scheduled = sampled.stream().filter(r -> !constant(r)).toList();
            if (!fixed.isEmpty()) {
                charts.put("sharpness-fixed", Figure.of(CurvatureCharts.sharpness(sharpness(fixed), "Sharpness and its limit "
                        + "(dashed), fixed rates, seed " + fixed.get(0).spec().seed() + " (" + part + ")")));
            }
            if (!scheduled.isEmpty()) {
                List<RunResult> shown = new ArrayList<>(scheduled);
                double peak = scheduled.get(0).spec().schedule().peakLr();
                fixed.stream().filter(r -> r.spec().schedule().peakLr() == peak).findFirst().ifPresent(r -> shown.add(0, r));
                charts.put("sharpness-schedules", Figure.of(CurvatureCharts.sharpness(sharpness(shown), "Sharpness and its limit "
                        + "(dashed), schedules, seed " + scheduled.get(0).spec().seed() + " (" + part + ")")));
            }
            charts.put("sharpness-edge", Figure.of(CurvatureCharts.edge(edge(sampled), "Sharpness over its stability limit, seed "
                    + sampled.get(0).spec().seed() + " (" + part + ")")));
        }
        List<RunResult> measured = firstWith(rs, r -> !r.watch().jacobian().layers().isEmpty());
        if (!measured.isEmpty()) {
            charts.put("jacobian", Figure.of(CurvatureCharts.byDepth(byBlock(measured, true), "block", "Largest singular value of the "
                    + "Jacobian of the first blocks at init (" + part + ")", "network up to the block (log)")));
            charts.put("jacobian-blocks", Figure.of(CurvatureCharts.byDepth(byBlock(measured, false), "block", "Largest singular value of "
                    + "each block's Jacobian at init (" + part + ")", "this block alone (log)")));
        }
        return charts;
    }

    private static boolean constant(RunResult r) {
        return r.spec().schedule() instanceof ScheduleSpec.Constant;
    }

    /** The first run of each configuration, of those that have {@code what}, in study order. */
    private static List<RunResult> firstWith(List<RunResult> rs, Predicate<RunResult> what) {
        Map<String, RunResult> first = new LinkedHashMap<>();
        rs.stream().filter(what).forEach(r -> first.putIfAbsent(r.spec().config(), r));
        return List.copyOf(first.values());
    }

    /** step, then per run its sharpness and its limit (Adam's preconditioned pair for an Adam run). */
    static Table sharpness(List<RunResult> runs) {
        Table t = stepIndex(runs);
        for (RunResult r : runs) {
            List<SharpnessCallback.Sample> s = r.watch().sharpness();
            boolean adam = !Double.isNaN(s.get(0).adamThreshold());
            t.addColumns(column(t, r, r.spec().config(), x -> adam ? x.adamSharpness() : x.sharpness()),
                    column(t, r, r.spec().config() + CurvatureCharts.LIMIT, x -> adam ? x.adamThreshold()
                            : Double.isNaN(x.sgdThreshold()) ? x.gdThreshold() : x.sgdThreshold()));
        }
        return t;
    }

    /** step, then per run its sharpness over its limit. */
    static Table edge(List<RunResult> runs) {
        Table t = stepIndex(runs);
        runs.forEach(r -> t.addColumns(column(t, r, r.spec().config(), SharpnessCallback.Sample::overLimit)));
        return t;
    }

    /** The sampled steps of every run, ascending, as a {@code step} column. */
    private static Table stepIndex(List<RunResult> runs) {
        double[] steps = runs.stream().flatMap(r -> r.watch().sharpness().stream()).mapToDouble(SharpnessCallback.Sample::step)
                .distinct().sorted().toArray();
        return Table.create("sharpness samples", DoubleColumn.create("step", steps));
    }

    private static DoubleColumn column(Table index, RunResult r, String name,
            java.util.function.ToDoubleFunction<SharpnessCallback.Sample> value) {
        double[] steps = index.doubleColumn("step").asDoubleArray();
        double[] v = new double[steps.length];
        Arrays.fill(v, Double.NaN);
        for (SharpnessCallback.Sample s : r.watch().sharpness()) {
            v[Arrays.binarySearch(steps, s.step())] = value.applyAsDouble(s);
        }
        return DoubleColumn.create(name, v);
    }

    /**
     * block (1 = the first), then per run (one per structure) the largest singular value of the
     * network up to the end of each block ({@code upTo}), or of each block alone.
     */
    static Table byBlock(List<RunResult> runs, boolean upTo) {
        List<double[]> columns = new ArrayList<>();
        int blocks = 0;
        for (RunResult r : runs) {
            double[] v = blocks(r.watch().jacobian(), upTo);
            columns.add(v);
            blocks = Math.max(blocks, v.length);
        }
        Table t = Table.create("Jacobian spectra at init by block", IntColumn.indexColumn("block", blocks, 1));
        for (int i = 0; i < runs.size(); i++) {
            double[] v = Arrays.copyOf(columns.get(i), blocks);
            Arrays.fill(v, columns.get(i).length, blocks, Double.NaN);
            t.addColumns(DoubleColumn.create(structure(runs.get(i)), v));
        }
        return t;
    }

    /** A run's configuration without its rate ({@code he_lr0.02} -> {@code he}; {@code A_none} -> {@code A_none}). */
    private static String structure(RunResult r) {
        String c = r.spec().config();
        int lr = c.lastIndexOf("_lr");
        return lr > 0 ? c.substring(0, lr) : c;
    }

    /** Per top-level block (the first component of the layers' paths): the last layer's network value, or the product of its layers'. */
    static double[] blocks(RunResult.Spectrum s, boolean upTo) {
        List<Double> out = new ArrayList<>();
        String block = null;
        for (int l = 0; l < s.layers().size(); l++) {
            String b = s.layers().get(l).split("\\.")[0];
            if (!b.equals(block)) {
                out.add(upTo ? s.networkUpTo()[l] : s.sigmaMax()[l]);
                block = b;
            } else {
                out.set(out.size() - 1, upTo ? s.networkUpTo()[l] : out.get(out.size() - 1) * s.sigmaMax()[l]);
            }
        }
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }
}
