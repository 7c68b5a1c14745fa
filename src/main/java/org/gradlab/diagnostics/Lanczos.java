package org.gradlab.diagnostics;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * The largest eigenvalue of a symmetric linear operator given only its products, by the Lanczos
 * method with full re-orthogonalisation (Lanczos 1950; Golub and Van Loan, "Matrix Computations",
 * 4th ed., sections 10.1 to 10.3).
 *
 * <p>Step {@code j} multiplies the operator once, {@code w = A q_j}, and extends the tridiagonal
 * {@code T_j = Q_j^T A Q_j} of the Krylov basis {@code Q_j = [q_1 .. q_j]}. The estimate is the
 * largest Ritz value {@code theta} (the largest eigenvalue of {@code T_j}, found by implicit QL);
 * with {@code s} its unit eigenvector, the Ritz vector {@code y = Q_j s} has the residual
 * {@code ||A y - theta y|| = beta_j |s_j|}, and some eigenvalue of {@code A} lies within that
 * residual of {@code theta} (within {@code residual^2 / gap} once it is smaller than the gap to the
 * next Ritz value). The run stops when {@code residual <= tolerance * |theta|}. Unlike power
 * iteration it finds the largest eigenvalue (not the largest in magnitude, so a large negative
 * eigenvalue does not hide it) and needs far fewer products: about
 * {@code log(1/tol) / sqrt(gap)} against power iteration's {@code log(1/tol) / gap}.
 * Every new vector is orthogonalised twice against all previous ones (classical Gram-Schmidt,
 * "twice is enough"), so a noisy operator (finite differences) cannot make ghost copies of the
 * top eigenvalue; memory is {@code iterations * n} doubles.
 *
 * <pre>{@code
 * double[] diagonal = {3, 1, 2};
 * Lanczos.Estimate e = Lanczos.top(v -> new double[] {3 * v[0], v[1], 2 * v[2]}, new double[] {1, 1, 1}, 100, 1e-8);
 * e.value();       // the top eigenvalue
 * e.converged();   // residual <= 1e-8 * |value|
 * }</pre>
 */
public final class Lanczos {

    private Lanczos() {
    }

    /**
     * The top Ritz value {@code value} after {@code iterations} products; {@code residual} is the
     * relative residual {@code ||A y - value y|| / |value|} of its Ritz vector {@code vector}
     * (unit norm), and {@code converged} whether it fell to the tolerance (or the Krylov space
     * became invariant) within the allowed iterations. A non-finite product ends the run with
     * value NaN.
     */
    public record Estimate(double value, double residual, int iterations, boolean converged, double[] vector) {
    }

    /**
     * Runs Lanczos on {@code operator} (which must be symmetric and return a new array of the
     * input's length) from {@code start} (any non-zero vector; it is not changed) for at most
     * {@code maxIterations} products, stopping at relative residual {@code tolerance}.
     */
    public static Estimate top(UnaryOperator<double[]> operator, double[] start, int maxIterations, double tolerance) {
        Objects.requireNonNull(operator, "lanczos: operator");
        Objects.requireNonNull(start, "lanczos: start");
        if (maxIterations <= 0) {
            throw new IllegalArgumentException("lanczos: maxIterations must be > 0, got " + maxIterations);
        }
        if (!(tolerance > 0 && tolerance < 1)) {
            throw new IllegalArgumentException("lanczos: tolerance must be in (0, 1), got " + tolerance);
        }
        int n = start.length;
        double norm = norm(start);
        if (!(norm > 0) || !Double.isFinite(norm)) {
            throw new IllegalArgumentException("lanczos: start must be non-zero and finite, got norm " + norm);
        }
        List<double[]> basis = new ArrayList<>();
        List<Double> alpha = new ArrayList<>();
        List<Double> beta = new ArrayList<>();
        double[] q = scaled(start, 1 / norm);
        Ritz ritz = null;
        int limit = Math.min(maxIterations, n);
        for (int j = 0; j < limit; j++) {
            basis.add(q);
            double[] w = operator.apply(q);
            if (w.length != n) {
                throw new IllegalArgumentException("lanczos: the operator returned " + w.length + " values for " + n);
            }
            if (!finite(w)) {
                return new Estimate(Double.NaN, Double.NaN, j + 1, false, new double[n]);
            }
            double a = dot(q, w);
            alpha.add(a);
            for (int pass = 0; pass < 2; pass++) {
                for (double[] b : basis) {
                    axpy(-dot(b, w), b, w);
                }
            }
            double bNorm = norm(w);
            ritz = Ritz.top(alpha, beta);
            double scale = Math.max(Math.abs(ritz.value), Double.MIN_NORMAL);
            double residual = bNorm * Math.abs(ritz.vector[j]) / scale;
            boolean invariant = bNorm <= 1e-14 * Math.max(scale, Math.abs(a));
            if (residual <= tolerance || invariant || j + 1 == limit) {
                boolean converged = residual <= tolerance || invariant;
                return new Estimate(ritz.value, invariant ? 0 : residual, j + 1, converged, ritzVector(basis, ritz.vector));
            }
            beta.add(bNorm);
            q = scaled(w, 1 / bNorm);
        }
        throw new AssertionError("unreachable: the loop returns at its last iteration");
    }

    private static double[] ritzVector(List<double[]> basis, double[] s) {
        double[] y = new double[basis.get(0).length];
        for (int i = 0; i < s.length; i++) {
            axpy(s[i], basis.get(i), y);
        }
        return scaled(y, 1 / norm(y));
    }

    /** The largest eigenvalue of a symmetric tridiagonal matrix and its unit eigenvector. */
    record Ritz(double value, double[] vector) {

        /** Of the tridiagonal with diagonal {@code alpha} and off-diagonal {@code beta} (one shorter). */
        static Ritz top(List<Double> alpha, List<Double> beta) {
            int k = alpha.size();
            double[] d = new double[k];
            double[] e = new double[k];
            double[][] z = new double[k][k];
            for (int i = 0; i < k; i++) {
                d[i] = alpha.get(i);
                e[i] = i < k - 1 ? beta.get(i) : 0;
                z[i][i] = 1;
            }
            implicitQl(d, e, z);
            int best = 0;
            for (int i = 1; i < k; i++) {
                best = d[i] > d[best] ? i : best;
            }
            double[] v = new double[k];
            for (int i = 0; i < k; i++) {
                v[i] = z[i][best];
            }
            return new Ritz(d[best], v);
        }

        /**
         * Eigenvalues (into {@code d}) and eigenvectors (columns of {@code z}, which starts as the
         * identity) of the symmetric tridiagonal matrix with diagonal {@code d} and off-diagonal
         * {@code e[i] = T[i][i+1]}: the implicit QL algorithm with Wilkinson shifts (Numerical
         * Recipes' tqli; Golub and Van Loan 8.3).
         */
        static void implicitQl(double[] d, double[] e, double[][] z) {
            int n = d.length;
            for (int l = 0; l < n; l++) {
                int iterations = 0;
                int m;
                do {
                    for (m = l; m < n - 1; m++) {
                        double dd = Math.abs(d[m]) + Math.abs(d[m + 1]);
                        if (Math.abs(e[m]) <= Math.ulp(dd)) {
                            break;
                        }
                    }
                    if (m != l) {
                        if (iterations++ == 100) {
                            throw new IllegalStateException("lanczos: the tridiagonal eigenproblem did not converge");
                        }
                        double g = (d[l + 1] - d[l]) / (2 * e[l]);
                        double r = Math.hypot(g, 1);
                        g = d[m] - d[l] + e[l] / (g + Math.copySign(r, g));
                        double s = 1;
                        double c = 1;
                        double p = 0;
                        int i;
                        for (i = m - 1; i >= l; i--) {
                            double f = s * e[i];
                            double b = c * e[i];
                            r = Math.hypot(f, g);
                            e[i + 1] = r;
                            if (r == 0) {
                                d[i + 1] -= p;
                                e[m] = 0;
                                break;
                            }
                            s = f / r;
                            c = g / r;
                            g = d[i + 1] - p;
                            r = (d[i] - g) * s + 2 * c * b;
                            p = s * r;
                            d[i + 1] = g + p;
                            g = c * r - b;
                            for (int k = 0; k < n; k++) {
                                f = z[k][i + 1];
                                z[k][i + 1] = s * z[k][i] + c * f;
                                z[k][i] = c * z[k][i] - s * f;
                            }
                        }
                        if (r == 0 && i >= l) {
                            continue;
                        }
                        d[l] -= p;
                        e[l] = g;
                        e[m] = 0;
                    }
                } while (m != l);
            }
        }
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    static double norm(double[] a) {
        return Math.sqrt(dot(a, a));
    }

    /** {@code y += a x}. */
    static void axpy(double a, double[] x, double[] y) {
        for (int i = 0; i < x.length; i++) {
            y[i] += a * x[i];
        }
    }

    static double[] scaled(double[] x, double a) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = a * x[i];
        }
        return y;
    }

    private static boolean finite(double[] x) {
        for (double v : x) {
            if (!Double.isFinite(v)) {
                return false;
            }
        }
        return true;
    }
}
