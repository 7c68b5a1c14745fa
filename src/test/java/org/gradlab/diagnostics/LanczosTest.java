package org.gradlab.diagnostics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** Lanczos against matrices whose spectra are known in closed form. */
class LanczosTest {
    private static final int N = 60;

    /** The second-difference matrix tridiag(-1, 2, -1): eigenvalues 2 - 2 cos(k pi / (n + 1)), k = 1..n. */
    private static UnaryOperator<double[]> secondDifference() {
        return v -> {
            double[] w = new double[v.length];
            for (int i = 0; i < v.length; i++) {
                w[i] = 2 * v[i] - (i > 0 ? v[i - 1] : 0) - (i + 1 < v.length ? v[i + 1] : 0);
            }
            return w;
        };
    }

    private static double secondDifferenceEigenvalue(int k, int n) {
        return 2 - 2 * Math.cos(k * Math.PI / (n + 1));
    }

    private static UnaryOperator<double[]> diagonal(double... d) {
        return v -> {
            double[] w = new double[v.length];
            for (int i = 0; i < v.length; i++) {
                w[i] = d[i] * v[i];
            }
            return w;
        };
    }

    private static double[] ones(int n) {
        double[] v = new double[n];
        Arrays.fill(v, 1);
        return v;
    }

    private static double[] start(int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = Math.sin(1.3 * i + 0.2) + 0.1;
        }
        return v;
    }

    @Test
    void tridiagonalEigenproblemMatchesTheClosedForm() {
        int n = 12;
        double[] d = new double[n];
        double[] e = new double[n];
        double[][] z = new double[n][n];
        for (int i = 0; i < n; i++) {
            d[i] = 2;
            e[i] = i < n - 1 ? -1 : 0;
            z[i][i] = 1;
        }
        Lanczos.Ritz.implicitQl(d, e, z);
        double[] sorted = d.clone();
        Arrays.sort(sorted);
        for (int k = 1; k <= n; k++) {
            assertEquals(secondDifferenceEigenvalue(k, n), sorted[k - 1], 1e-14, "eigenvalue " + k);
        }
        for (int c = 0; c < n; c++) {   // each column of z is a unit eigenvector
            double[] v = new double[n];
            for (int i = 0; i < n; i++) {
                v[i] = z[i][c];
            }
            double[] av = secondDifference().apply(v);
            for (int i = 0; i < n; i++) {
                assertEquals(d[c] * v[i], av[i], 1e-13, "A v = lambda v, column " + c);
            }
            assertEquals(1, Lanczos.norm(v), 1e-14);
        }
    }

    @Test
    void convergesToTheTopEigenvalueWithAnHonestResidual() {
        Lanczos.Estimate e = Lanczos.top(secondDifference(), start(N), 200, 1e-10);
        double exact = secondDifferenceEigenvalue(N, N);
        assertTrue(e.converged(), e.toString());
        assertEquals(exact, e.value(), 1e-12 * exact);
        double[] ay = secondDifference().apply(e.vector());
        Lanczos.axpy(-e.value(), e.vector(), ay);
        double trueResidual = Lanczos.norm(ay) / Math.abs(e.value());
        assertTrue(trueResidual <= 1e-10 * 1.01, "reported " + e.residual() + ", true residual " + trueResidual);
        assertEquals(e.residual(), trueResidual, 1e-12);
    }

    /** Ritz values rise to the top eigenvalue from below, never past it, and the residual falls with more steps. */
    @Test
    void estimatesImproveMonotonicallyWithIterations() {
        double exact = secondDifferenceEigenvalue(N, N);
        List<Lanczos.Estimate> runs = new ArrayList<>();
        for (int k : new int[] {2, 4, 8, 16, 32, 60}) {
            runs.add(Lanczos.top(secondDifference(), start(N), k, 1e-15));
        }
        for (int i = 0; i < runs.size(); i++) {
            Lanczos.Estimate r = runs.get(i);
            assertTrue(r.value() <= exact + 1e-13, "Ritz value " + r.value() + " above the top eigenvalue " + exact);
            if (i > 0) {
                assertTrue(r.value() >= runs.get(i - 1).value() - 1e-14, "Ritz values must not fall: " + runs);
                assertTrue(r.residual() <= runs.get(i - 1).residual() * 1.000001 || r.residual() < 1e-12, "residuals " + runs);
            }
        }
        assertFalse(runs.get(0).converged(), "two steps cannot reach 1e-15 on 60 distinct eigenvalues");
        assertEquals(2, runs.get(0).iterations());
        assertEquals(exact, runs.get(runs.size() - 1).value(), 1e-13);
    }

    /** Power iteration would return -10 here, the eigenvalue largest in magnitude; the sharpness is the largest, 3. */
    @Test
    void findsTheLargestEigenvalueNotTheLargestInMagnitude() {
        Lanczos.Estimate e = Lanczos.top(diagonal(-10, 1, 2, 3), ones(4), 10, 1e-12);
        assertEquals(3, e.value(), 1e-12);
        assertTrue(e.converged());
    }

    @Test
    void anEigenvectorStartEndsAtOnceWithZeroResidual() {
        Lanczos.Estimate e = Lanczos.top(diagonal(5, 1, 2), new double[] {2, 0, 0}, 10, 1e-12);
        assertEquals(5, e.value(), 0);
        assertEquals(1, e.iterations());
        assertEquals(0, e.residual(), 0);
        assertTrue(e.converged());
    }

    @Test
    void aNonFiniteProductEndsTheRunWithNaN() {
        Lanczos.Estimate e = Lanczos.top(v -> new double[] {Double.NaN, 0}, ones(2), 10, 1e-6);
        assertTrue(Double.isNaN(e.value()));
        assertFalse(e.converged());
    }

    @Test
    void badArgumentsAreNamed() {
        IllegalArgumentException a = assertThrows(IllegalArgumentException.class,
                () -> Lanczos.top(secondDifference(), start(4), 0, 1e-6));
        assertEquals("lanczos: maxIterations must be > 0, got 0", a.getMessage());
        IllegalArgumentException b = assertThrows(IllegalArgumentException.class,
                () -> Lanczos.top(secondDifference(), start(4), 5, 1.0));
        assertEquals("lanczos: tolerance must be in (0, 1), got 1.0", b.getMessage());
        IllegalArgumentException c = assertThrows(IllegalArgumentException.class,
                () -> Lanczos.top(secondDifference(), new double[3], 5, 1e-6));
        assertEquals("lanczos: start must be non-zero and finite, got norm 0.0", c.getMessage());
        IllegalArgumentException d = assertThrows(IllegalArgumentException.class,
                () -> Lanczos.top(v -> new double[1], start(4), 5, 1e-6));
        assertEquals("lanczos: the operator returned 1 values for 4", d.getMessage());
    }
}
