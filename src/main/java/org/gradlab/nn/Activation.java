package org.gradlab.nn;

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
 * <pre>{@code Sequential.of(Dense.of(784, 64, rng), Activation.relu(), ...)}</pre>
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
    }

    private final Kind kind;
    private INDArray input;
    private INDArray output;

    private Activation(Kind kind) {
        this.kind = java.util.Objects.requireNonNull(kind, "kind");
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

    @Override
    public INDArray forward(INDArray x) {
        input = x;
        output = kind.apply(x);
        return output;
    }

    @Override
    public INDArray backward(INDArray dy) {
        Checks.requireBackward(toString(), output, dy);
        return kind.derive(input, output, dy);
    }

    @Override
    public String toString() {
        return kind.name().charAt(0) + kind.name().substring(1).toLowerCase(java.util.Locale.ROOT);
    }
}
