package org.gradlab.nn;

import org.gradlab.Checks;
import org.gradlab.host.ArraySlot;
import org.gradlab.host.Blas;
import org.gradlab.host.Window;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.gradient.SigmoidDerivative;
import org.nd4j.linalg.api.ops.impl.transforms.gradient.TanhDerivative;
import org.nd4j.linalg.api.ops.impl.transforms.gradient.ThresholdReluBp;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Erf;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * An element-wise activation: ReLU, Tanh, Sigmoid, GELU (exact, erf form, as PyTorch's default)
 * or Identity. Parameter-free.
 *
 * <pre>{@code Sequential.of(Dense.of(784, 64, rng), Activation.relu(), Dense.of(64, 10, rng));}</pre>
 */
public final class Activation implements Layer {

    /** The closed set of supported activation functions. */
    public enum Kind {
        /** max(x, 0); derivative 1 where x > 0 (0 at 0, as PyTorch). */
        RELU {
            @Override
            INDArray apply(INDArray x) {
                return Transforms.relu(x, true);
            }

            @Override
            INDArray derive(INDArray x, INDArray y, INDArray dy) {
                return Nd4j.exec(new ThresholdReluBp(x, dy, dy.ulike(), 0.0))[0];
            }

            @Override
            boolean applyFloats(float[] x, float[] y, int n) {
                for (int i = 0; i < n; i++) {
                    y[i] = Math.max(x[i], 0f);
                }
                return true;
            }

            /**
             * {@code dy[i] = y[i] > 0 ? dy[i] : +0}, bit for bit, without a branch: which units
             * are active changes from batch to batch, so a branch the data steer is mispredicted
             * about half the time (5 ns an entry, against 0.5 ns here). {@code y > 0} holds
             * exactly when {@code bits(y) - 1} lies in {@code [0, bits(+inf))} (positive finite
             * values and +inf; not zeros, negatives or NaN), which the sign bits of two
             * differences give as an all-ones or all-zeros mask on {@code dy}'s bits.
             */
            @Override
            void deriveFloats(float[] y, float[] dy, int n) {
                for (int i = 0; i < n; i++) {
                    int below = Float.floatToRawIntBits(y[i]) - 1;
                    int active = ((below - 0x7f800000) & ~below) >> 31;
                    dy[i] = Float.intBitsToFloat(Float.floatToRawIntBits(dy[i]) & active);
                }
            }
        },
        /** tanh(x); derivative 1 - tanh(x)^2. */
        TANH {
            @Override
            INDArray apply(INDArray x) {
                return Transforms.tanh(x, true);
            }

            @Override
            INDArray derive(INDArray x, INDArray y, INDArray dy) {
                return Nd4j.exec(new TanhDerivative(x, dy, dy.ulike()))[0];
            }

            /** Eigen's float tanh ({@link Window#tanh(float[], float[], int)}): vectorised, unlike ND4J's and {@code Math.tanh}. */
            @Override
            boolean applyFloats(float[] x, float[] y, int n) {
                Window.tanh(x, y, n);
                return true;
            }

            @Override
            void deriveFloats(float[] y, float[] dy, int n) {
                for (int i = 0; i < n; i++) {
                    dy[i] *= 1f - y[i] * y[i];
                }
            }
        },
        /** 1 / (1 + e^-x); derivative s(x)(1 - s(x)). */
        SIGMOID {
            @Override
            INDArray apply(INDArray x) {
                return Transforms.sigmoid(x, true);
            }

            @Override
            INDArray derive(INDArray x, INDArray y, INDArray dy) {
                return Nd4j.exec(new SigmoidDerivative(x, dy, dy.ulike()))[0];
            }
        },
        /** x * Phi(x) with the exact normal CDF (Hendrycks and Gimpel 2016); derivative Phi(x) + x phi(x). */
        GELU {
            private static final double INV_SQRT2 = 0.7071067811865476;
            private static final double INV_SQRT_2PI = 0.3989422804014327;

            @Override
            INDArray apply(INDArray x) {
                return cdf(x).muli(x);
            }

            @Override
            INDArray derive(INDArray x, INDArray y, INDArray dy) {
                INDArray pdf = Transforms.exp(x.mul(x).muli(-0.5), false).muli(INV_SQRT_2PI);
                return pdf.muli(x).addi(cdf(x)).muli(dy);
            }

            private INDArray cdf(INDArray x) {
                INDArray t = x.mul(INV_SQRT2);
                Nd4j.exec(new Erf(t, t));
                return t.addi(1.0).muli(0.5);
            }
        },
        /** x; derivative 1. */
        IDENTITY {
            @Override
            INDArray apply(INDArray x) {
                return x;
            }

            @Override
            INDArray derive(INDArray x, INDArray y, INDArray dy) {
                return dy;
            }
        };

        abstract INDArray apply(INDArray x);

        abstract INDArray derive(INDArray x, INDArray y, INDArray dy);

        /**
         * {@code y = f(x)} on {@code n} float32 values with a loop the JIT vectorises; false when
         * this kind has no such kernel (then {@link #apply} runs).
         */
        boolean applyFloats(float[] x, float[] y, int n) {
            return false;
        }

        /** {@code dy *= f'(x)} in place, from the outputs {@code y} of {@link #applyFloats}. */
        void deriveFloats(float[] y, float[] dy, int n) {
            throw new IllegalStateException(this + " has no float kernel");
        }
    }

    private final Kind kind;
    /** The layer's name ({@code Relu}, {@code Tanh}, ...), made once: backward's checks name it on every call. */
    private final String name;
    private INDArray input;
    private INDArray output;
    /** The last float32 outputs, kept on the heap for backward, or null when the last forward ran on ND4J. */
    private float[] floatOutput;
    private INDArray gradInput;
    /** The arrays {@link #output} and {@link #gradInput} are written into, kept per shape (training and evaluation batches). */
    private final ArraySlot outputs = new ArraySlot();
    private final ArraySlot gradInputs = new ArraySlot();

    private Activation(Kind kind) {
        this.kind = java.util.Objects.requireNonNull(kind, "kind");
        name = kind.name().charAt(0) + kind.name().substring(1).toLowerCase(java.util.Locale.ROOT);
    }

    public static Activation of(Kind kind) {
        return new Activation(kind);
    }

    public static Activation relu() {
        return of(Kind.RELU);
    }

    public static Activation tanh() {
        return of(Kind.TANH);
    }

    public static Activation sigmoid() {
        return of(Kind.SIGMOID);
    }

    public static Activation gelu() {
        return of(Kind.GELU);
    }

    public static Activation identity() {
        return of(Kind.IDENTITY);
    }

    public Kind kind() {
        return kind;
    }

    /**
     * {@code f(x)}. Float32 ReLU and Tanh run as Java loops into an output array this layer
     * reuses from call to call ({@code dup()} it to keep it past the next call).
     */
    @Override
    public INDArray forward(INDArray x) {
        input = x;
        if (kind != Kind.IDENTITY && Blas.isFloat(x)) {
            int n = Math.toIntExact(x.length());
            float[] y = floatOutput != null && floatOutput.length >= n ? floatOutput : new float[n];
            if (kind.applyFloats(Blas.stage(x, 0), y, n)) {
                floatOutput = y;
                output = outputs.get(x.dataType(), x.shape());
                Blas.write(y, output);
                return output;
            }
        }
        floatOutput = null;
        output = kind.apply(x);
        return output;
    }

    @Override
    public INDArray backward(INDArray dy) {
        Checks.requireBackward(name, output, dy);
        if (floatOutput != null && Blas.isFloat(dy)) {
            float[] g = Blas.stage(dy, 0);
            kind.deriveFloats(floatOutput, g, Math.toIntExact(dy.length()));
            gradInput = gradInputs.get(dy.dataType(), dy.shape());
            Blas.write(g, gradInput);
            return gradInput;
        }
        return kind.derive(input, output, dy);
    }

    @Override
    public String toString() {
        return name;
    }
}
