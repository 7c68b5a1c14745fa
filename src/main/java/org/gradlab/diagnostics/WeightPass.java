package org.gradlab.diagnostics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.FutureTask;
import org.gradlab.clip.GradStats;
import org.gradlab.host.Vec;
import org.gradlab.nn.Param;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The monitor's measurement of weights: on its per-parameter row steps, each parameter's weight
 * norm and update norm (against a copy of the weights kept after the step before, so the weights
 * are read only on row steps and the steps just before them). The pass for a step is deferred
 * until the next step starts ({@link #begin}) and runs on the trainer's helper thread while that
 * step's forward pass does (inline for models under 65,536 parameters, or without a helper);
 * {@link #await} joins it before the next update can change the weights.
 */
final class WeightPass {
    /** Weights per slice: 64 KB of float32, in the core's second-level cache. */
    private static final int SLICE = 16384;
    /** Below this many weights in all, handing the pass to the helper costs more than it saves. */
    private static final long HELPER_THRESHOLD = 1 << 16;

    private final int layerEvery;
    private Vec[] previous;
    /** Whether {@link #previous} holds the weights after the last step's update. */
    private boolean fresh;
    private Runnable deferred;
    private long deferredSize;
    private FutureTask<Void> running;

    /** One parameter's row: its weight norm and the norm of the update since the step before (NaN when not measured). */
    record Row(String param, double weightNorm, double updateNorm) {
    }

    WeightPass(int layerEvery) {
        this.layerEvery = layerEvery;
    }

    /**
     * Defers the pass of step {@code step} over {@code params}' weights; {@code rows} receives
     * the rows of a row step (on whatever thread runs the pass).
     */
    void defer(long step, Map<String, Param> params, GradStats stats, java.util.function.Consumer<List<Row>> rows) {
        List<INDArray> weights = params.values().stream().map(Param::value).toList();
        deferredSize = weights.stream().mapToLong(INDArray::length).sum();
        deferred = () -> measure(step, stats.names(), weights, rows);
    }

    /** Starts the deferred pass on {@code helper} when it pays, else runs it here. */
    void begin(Executor helper) {
        if (deferred != null && running == null) {
            if (helper != null && deferredSize >= HELPER_THRESHOLD) {
                running = new FutureTask<>(deferred, null);
                helper.execute(running);
            } else {
                deferred.run();
            }
            deferred = null;
        }
    }

    /** Waits for a pass running on the helper. */
    void await() {
        if (running == null) {
            return;
        }
        try {
            running.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("monitor: measuring weights interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("monitor: measuring weights failed", e.getCause());
        } finally {
            running = null;
        }
    }

    /** Finishes any deferred work. */
    void flush() {
        await();
        if (deferred != null) {
            deferred.run();
            deferred = null;
        }
    }

    /** The kept weights by parameter (empty arrays where none are kept), for a checkpoint; flushes first. */
    Map<String, double[]> state(Map<String, Param> params) {
        flush();
        Map<String, double[]> prev = new LinkedHashMap<>();
        int i = 0;
        for (Map.Entry<String, Param> e : params.entrySet()) {
            prev.put(e.getKey(), previous == null || previous[i] == null || !fresh ? new double[0]
                    : previous[i].toDoubles(Math.toIntExact(e.getValue().value().length())));
            i++;
        }
        return prev;
    }

    void requireFits(Map<String, double[]> saved, Map<String, Param> params) {
        if (!saved.keySet().equals(params.keySet())) {
            throw new IllegalArgumentException("monitor: the state keeps weights of " + saved.keySet() + " but the model has "
                    + params.keySet());
        }
        saved.forEach((n, w) -> {
            if (w.length != 0 && w.length != params.get(n).value().length()) {
                throw new IllegalArgumentException("monitor: previous weights of " + n + " hold " + w.length
                        + " values, expected " + params.get(n).value().length());
            }
        });
    }

    void restore(Map<String, double[]> saved, Map<String, Param> params) {
        flush();
        deferred = null;
        previous = new Vec[params.size()];
        int i = 0;
        for (Map.Entry<String, Param> e : params.entrySet()) {
            double[] w = saved.get(e.getKey());
            if (w.length != 0) {
                previous[i] = Vec.allocate(e.getValue().value().dataType(), w.length);
                previous[i].set(w);
            }
            i++;
        }
        fresh = saved.values().stream().anyMatch(w -> w.length != 0);
    }

    private void measure(long step, String[] names, List<INDArray> weights, java.util.function.Consumer<List<Row>> rows) {
        boolean rowStep = step % layerEvery == 0;
        boolean snapshot = (step + 1) % layerEvery == 0;
        if (!rowStep && !snapshot) {
            fresh = false;
            return;
        }
        if (previous == null) {
            previous = new Vec[weights.size()];
        }
        List<Row> out = new ArrayList<>();
        for (int i = 0; i < weights.size(); i++) {
            INDArray w = weights.get(i);
            boolean first = previous[i] == null || !fresh;
            if (previous[i] == null) {
                previous[i] = Vec.allocate(w.dataType(), w.length());
            }
            if (!rowStep) {       // the step before a row step: keep the weights to measure its update against
                Vec.of(w).copyTo(Math.toIntExact(w.length()), previous[i]);
                continue;
            }
            double[] wu = weightAndUpdate(w, previous[i], !first, snapshot);
            out.add(new Row(names[i], wu[0], wu[1]));
        }
        fresh = snapshot;
        if (rowStep) {
            rows.accept(out);
        }
    }

    /**
     * One pass over the weights, in slices that stay in cache: returns {@code {||w||, ||w - prev||}}
     * ({@code ||w - prev||} only when {@code update}, else NaN) and, when {@code keep}, stores
     * {@code w} into {@code prev} for the next step. Each slice is up to four OpenBLAS calls:
     * {@code ||w||^2}, {@code prev -= w}, {@code ||prev||^2}, {@code prev = w}. These norms are only
     * reported, so float32 models sum them in float32 ({@code sdot}), per slice.
     */
    static double[] weightAndUpdate(INDArray w, Vec prev, boolean update, boolean keep) {
        int n = Math.toIntExact(w.length());
        Vec x = Vec.of(w);
        double ww = 0;
        double dd = 0;
        for (int from = 0; from < n; from += SLICE) {
            int len = Math.min(SLICE, n - from);
            Vec xs = x.at(from);
            Vec ps = prev.at(from);
            ww += xs.dot(len, xs);
            if (update) {
                xs.subtractFrom(len, ps);
                dd += ps.dot(len, ps);
            }
            if (keep) {
                xs.copyTo(len, ps);
            }
        }
        return new double[] {Math.sqrt(ww), update ? Math.sqrt(dd) : Double.NaN};
    }
}
