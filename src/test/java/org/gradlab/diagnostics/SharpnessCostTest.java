package org.gradlab.diagnostics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.gradlab.data.Batches;
import org.gradlab.data.Dataset;
import org.gradlab.data.Mnist;
import org.gradlab.experiment.jobs.Presets;
import org.gradlab.nn.Layer;
import org.gradlab.nn.Loss;
import org.gradlab.nn.Rng;
import org.junit.jupiter.api.Test;

/**
 * What one sharpness evaluation costs on the article's MLP (784-64-64-10, 55,050 parameters) at
 * the default settings, on batches of 32 and 256 digits: Lanczos steps, gradient evaluations (one
 * forward and one backward pass each), wall time and the thread's CPU time (the machine's load
 * inflates the first), printed. The count is checked (two gradient
 * evaluations per product, and per retried product); the time is only reported.
 */
class SharpnessCostTest {

    @Test
    void oneEvaluationOnTheArticleMlp() {
        Layer model = Presets.articleModel(0);
        Dataset digits = Mnist.bundled();
        for (int batch : new int[] {32, 256}) {
            Batches.Batch b = Batches.epoch(digits, batch, Rng.seeded(2)).get(0);
            Sharpness.of(model, Loss.crossEntropy(), b.features(), b.targets()).top();   // warm up
            java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
            long cpu = threads.getCurrentThreadCpuTime();
            long start = System.nanoTime();
            Sharpness s = Sharpness.of(model, Loss.crossEntropy(), b.features(), b.targets());
            Sharpness.Estimate e = s.top();
            double ms = (System.nanoTime() - start) / 1e6;
            double cpuMs = (threads.getCurrentThreadCpuTime() - cpu) / 1e6;
            assertTrue(e.converged(), e.toString());
            assertEquals(2 * (e.iterations() + e.retries()), e.gradients(), e.toString());
            System.out.printf("sharpness of the article MLP, batch %d: %.4f after %d Lanczos steps, %d gradient evaluations "
                    + "(+1 for the snapshot), %d retries, %.0f ms wall, %.0f ms CPU of this thread (OpenBLAS on one thread)%n", batch,
                    e.value(), e.iterations(), e.gradients(), e.retries(), ms, cpuMs);
        }
    }
}
