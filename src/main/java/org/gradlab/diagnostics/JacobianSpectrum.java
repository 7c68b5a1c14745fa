package org.gradlab.diagnostics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.gradlab.host.Blas;
import org.gradlab.nn.Activation;
import org.gradlab.nn.Dense;
import org.gradlab.nn.Dropout;
import org.gradlab.nn.Layer;
import org.gradlab.nn.Residual;
import org.gradlab.nn.Rng;
import org.gradlab.nn.Scale;
import org.gradlab.nn.Sequential;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * How much each layer, and the network up to it, can stretch a perturbation of its input: the
 * largest singular value {@code sigma_max} of the input-output Jacobian on a batch. At
 * initialisation, singular values far above 1 compound with depth into exploding gradients and
 * far below 1 into vanishing ones; a network whose end-to-end Jacobian keeps them near 1 trains
 * well at depth ("dynamical isometry": Pennington, Schoenholz and Ganguli, "Resurrecting the
 * sigmoid in deep learning through dynamical isometry", NeurIPS 2017; Saxe, McClelland and Ganguli
 * 2014). Backward, {@code dL/dx = J^T dL/dy}, so {@code sigma_max(J)} bounds how much a layer can
 * amplify the gradient it passes back.
 *
 * <p><b>What is reported.</b> The layers are the model's leaves: nested {@link Sequential}s are
 * opened, every other layer (a {@link Residual} with its block included) is one layer. A layer
 * maps the whole batch {@code X [batch, in]} to {@code Y [batch, out]}, and its Jacobian is the
 * {@code [batch * out, batch * in]} matrix {@code dY / dX}. For a layer that treats examples
 * independently (all but BatchNorm in training) it is block-diagonal, so its {@code sigma_max} is
 * the largest over the examples of the per-example Jacobian's; BatchNorm in {@link Regime#TRAINING}
 * couples the examples through the batch statistics, and the full matrix is what counts. Per layer
 * {@code l}: {@code sigma_max(J_l)} at the layer's own input, {@code product} = the product of the
 * {@code sigma_max} of layers {@code 0..l} (an upper bound), and {@code network_upto} =
 * {@code sigma_max(J_l ... J_0)}, the first {@code l + 1} layers together; the last of those is
 * the whole network's.
 *
 * <p><b>Method.</b> {@link Lanczos} on {@code J^T J} gives {@code sigma_max^2}. Backward products
 * {@code J^T u} are the layers' own backward passes ({@link Layer#backward}); forward products
 * {@code J v} are exact where the layer is linear or element-wise ({@link Dense}: {@code v W^T};
 * {@link Activation}, {@link Dropout} and {@link Scale}: {@code f'(x) * v} with {@code f'(x)} read
 * from one backward pass; {@link Residual}: {@code v + J_block v}), and central differences of
 * {@code forward} otherwise (LayerNorm, BatchNorm, recurrent layers), with step
 * {@code h = relativeStep * max(||x||, 1) / ||v||}. An element-wise layer's {@code sigma_max} is
 * read exactly as {@code max |f'(x)|}. Everything runs on a float64 copy of the model; the model
 * is left exactly as it was. Against PyTorch ({@code torch.autograd.functional.jacobian} and
 * {@code torch.linalg.svdvals}, {@code src/test/resources/golden/curvature.json}) the values agree
 * within 4e-8 relative per layer and 4e-9 for the first layers together, at the default settings
 * (Tanh, ReLU, GELU, Sigmoid, LayerNorm, BatchNorm in both modes, a residual block).
 *
 * <p><b>Cost.</b> One Lanczos run per layer that is not element-wise and one per prefix of two
 * layers or more, each a few dozen steps of one forward and one backward product through its
 * layers: for {@code L} layers, about {@code L (L + 3) / 2} one-layer products of each kind per
 * step of all the runs together (a central-difference product is two forward passes; a backward
 * product through such a layer one forward and one backward pass).
 *
 * <pre>{@code
 * JacobianSpectrum.Result r = JacobianSpectrum.measure(model, batch.features());
 * System.out.println(r.table().print());   // layer, name, kind, sigma_max, product, network_upto
 * r.network();                             // sigma_max of the whole network's Jacobian
 * XYChart chart = JacobianChart.of(r.table());   // org.gradlab.plot
 * }</pre>
 */
public final class JacobianSpectrum {
    private static final String WHO = "jacobian spectrum";

    private JacobianSpectrum() {
    }

    /**
     * The table (one row per layer: {@code layer}, {@code name} (its path in the model, as in
     * parameter names), {@code kind}, {@code sigma_max}, {@code product}, {@code network_upto},
     * {@code iterations} (Lanczos steps; 0 where the value is exact)), the whole network's
     * {@code sigma_max}, and whether every Lanczos run converged.
     */
    public record Result(Table table, double network, boolean converged) {
    }

    /** {@link #measure(Layer, INDArray, SpectrumSettings)} with {@link SpectrumSettings#defaults()}. */
    public static Result measure(Layer model, INDArray features) {
        return measure(model, features, SpectrumSettings.defaults());
    }

    /** The Jacobian spectra of {@code model}'s layers on the batch {@code features [batch, ...]}. */
    public static Result measure(Layer model, INDArray features, SpectrumSettings settings) {
        if (model == null || features == null || settings == null) {
            throw new IllegalArgumentException(WHO + ": " + (model == null ? "model" : features == null ? "features" : "settings")
                    + " must not be null");
        }
        if (features.rank() < 2 || features.size(0) < 1) {
            throw new IllegalArgumentException(WHO + ": features must be [batch, ...] with batch >= 1, got "
                    + Arrays.toString(features.shape()));
        }
        Twin twin = Twin.of(WHO, model, settings.regime());
        Map<String, Layer> leaves = new LinkedHashMap<>();
        leaves(twin.model(), "", leaves);
        List<Linearised> nodes = new ArrayList<>();
        INDArray h = features.castTo(DataType.DOUBLE).dup();
        try {
            for (Layer leaf : leaves.values()) {
                Linearised node = linearise(leaf, h, settings);
                nodes.add(node);
                h = node.output();
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(WHO + ": the batch does not fit the model: " + e.getMessage(), e);
        }
        return table(leaves, nodes, settings);
    }

    private static Result table(Map<String, Layer> leaves, List<Linearised> nodes, SpectrumSettings settings) {
        int n = nodes.size();
        double[] sigma = new double[n];
        double[] product = new double[n];
        double[] upto = new double[n];
        int[] iterations = new int[n];
        boolean converged = true;
        double running = 1;
        for (int l = 0; l < n; l++) {
            Linearised node = nodes.get(l);
            if (node instanceof Diagonal d) {
                sigma[l] = d.largest();
            } else {
                Lanczos.Estimate e = largest(node, settings);
                sigma[l] = root(e.value());
                iterations[l] = e.iterations();
                converged &= e.converged();
            }
            running *= sigma[l];
            product[l] = running;
            if (l == 0) {
                upto[l] = sigma[l];
            } else {
                Lanczos.Estimate e = largest(new Chain(nodes.subList(0, l + 1)), settings);
                upto[l] = root(e.value());
                converged &= e.converged();
            }
        }
        List<String> names = new ArrayList<>(leaves.keySet());
        Table t = Table.create("input-output Jacobians, largest singular values",
                IntColumn.indexColumn("layer", n, 0),
                StringColumn.create("name", names),
                StringColumn.create("kind", leaves.values().stream().map(Object::toString).toList()),
                DoubleColumn.create("sigma_max", sigma),
                DoubleColumn.create("product", product),
                DoubleColumn.create("network_upto", upto),
                IntColumn.create("iterations", iterations));
        return new Result(t, upto[n - 1], converged);
    }

    private static double root(double eigenvalue) {
        return Double.isNaN(eigenvalue) ? Double.NaN : Math.sqrt(Math.max(eigenvalue, 0));
    }

    /** Lanczos on {@code J^T J} of {@code node}, from a Gaussian start in its input's shape. */
    private static Lanczos.Estimate largest(Linearised node, SpectrumSettings settings) {
        long[] shape = node.inputShape();
        Rng rng = Rng.seeded(settings.seed());
        double[] start = new double[Math.toIntExact(Arrays.stream(shape).reduce(1, (a, b) -> a * b))];
        for (int i = 0; i < start.length; i++) {
            start[i] = rng.nextGaussian();
        }
        INDArray in = Nd4j.create(DataType.DOUBLE, shape);     // each product's input, rewritten in place
        return Lanczos.top(v -> Flat.of(node.backward(node.forward(Flat.fill(in, v)))), start,
                settings.maxIterations(), settings.tolerance());
    }

    /** The leaves of {@code layer}: nested Sequentials opened, named by their path. */
    private static void leaves(Layer layer, String path, Map<String, Layer> out) {
        if (layer instanceof Sequential s) {
            s.children().forEach((n, c) -> leaves(c, path.isEmpty() ? n : path + "." + n, out));
        } else {
            out.put(path.isEmpty() ? "model" : path, layer);
        }
    }

    /** {@code layer} linearised at input {@code x} (its output computed on the way). */
    private static Linearised linearise(Layer layer, INDArray x, SpectrumSettings settings) {
        if (layer instanceof Sequential s) {
            List<Linearised> parts = new ArrayList<>();
            INDArray h = x;
            for (Layer l : s.layers()) {
                Linearised part = linearise(l, h, settings);
                parts.add(part);
                h = part.output();
            }
            return new Chain(parts);
        } else if (layer instanceof Residual r) {
            Linearised block = linearise(r.block(), x, settings);
            return new Skip(block, block.output().add(x));
        } else if (layer instanceof Dense d) {
            return new Affine(d.weight().value().dup('c'), x.shape(), layer.forward(x).dup());
        } else if (layer instanceof Activation || layer instanceof Dropout || layer instanceof Scale) {
            INDArray y = layer.forward(x).dup();
            INDArray derivative = layer.backward(Nd4j.ones(DataType.DOUBLE, y.shape())).dup();
            return new Diagonal(derivative, y);
        }
        return new Differenced(layer, x.dup(), layer.forward(x).dup(), settings.relativeStep());
    }

    /** A layer's derivative at one input: forward and backward products, and the output there. */
    private interface Linearised {
        INDArray output();

        long[] inputShape();

        /** {@code J v}. */
        INDArray forward(INDArray v);

        /** {@code J^T u}. */
        INDArray backward(INDArray u);
    }

    /**
     * Where a node writes its products: one array per direction, made on the first product and
     * reused by every later one (a Lanczos run asks thousands; fresh arrays each time cost most of
     * the probe's time and, freed only when the collector runs, hundreds of MB of native memory).
     * A product is valid until the node's next product in the same direction, which is all a
     * chain needs: each node's result is consumed by the next node before it is asked again.
     */
    private static final class Buffers {
        private INDArray forward;
        private INDArray backward;

        INDArray forward(long[] shape) {
            return forward = Blas.reuse(forward, DataType.DOUBLE, shape);
        }

        INDArray backward(long[] shape) {
            return backward = Blas.reuse(backward, DataType.DOUBLE, shape);
        }
    }

    /** {@code y = x W^T + b}: {@code J v = v W^T}, {@code J^T u = u W}. */
    private record Affine(INDArray weight, long[] inputShape, INDArray output, Buffers buffers) implements Linearised {
        Affine(INDArray weight, long[] inputShape, INDArray output) {
            this(weight, inputShape, output, new Buffers());
        }

        @Override
        public INDArray forward(INDArray v) {
            INDArray out = buffers.forward(new long[] {v.size(0), weight.size(0)});
            Blas.gemm(v, false, weight, true, 1, 0, out);
            return out;
        }

        @Override
        public INDArray backward(INDArray u) {
            INDArray out = buffers.backward(new long[] {u.size(0), weight.size(1)});
            Blas.gemm(u, false, weight, false, 1, 0, out);
            return out;
        }
    }

    /** An element-wise layer: {@code J = diag(f'(x))}, so {@code sigma_max = max |f'(x)|}. */
    private record Diagonal(INDArray derivative, INDArray output, Buffers buffers) implements Linearised {
        Diagonal(INDArray derivative, INDArray output) {
            this(derivative, output, new Buffers());
        }

        @Override
        public long[] inputShape() {
            return derivative.shape();
        }

        double largest() {
            return derivative.amaxNumber().doubleValue();
        }

        @Override
        public INDArray forward(INDArray v) {
            return v.mul(derivative, buffers.forward(derivative.shape()));
        }

        @Override
        public INDArray backward(INDArray u) {
            return u.mul(derivative, buffers.backward(derivative.shape()));
        }
    }

    /** {@code y = x + block(x)}: {@code J = I + J_block} (in the block's result arrays). */
    private record Skip(Linearised block, INDArray output) implements Linearised {
        @Override
        public long[] inputShape() {
            return block.inputShape();
        }

        @Override
        public INDArray forward(INDArray v) {
            return block.forward(v).addi(v);
        }

        @Override
        public INDArray backward(INDArray u) {
            return block.backward(u).addi(u);
        }
    }

    /** Layers in order: {@code J = J_n ... J_1}. */
    private record Chain(List<Linearised> parts) implements Linearised {
        @Override
        public INDArray output() {
            return parts.get(parts.size() - 1).output();
        }

        @Override
        public long[] inputShape() {
            return parts.get(0).inputShape();
        }

        @Override
        public INDArray forward(INDArray v) {
            INDArray h = v;
            for (Linearised p : parts) {
                h = p.forward(h);
            }
            return h;
        }

        @Override
        public INDArray backward(INDArray u) {
            INDArray g = u;
            for (int i = parts.size() - 1; i >= 0; i--) {
                g = parts.get(i).backward(g);
            }
            return g;
        }
    }

    /**
     * Any other layer: {@code J v} by central differences of {@code forward} at {@code x}, and
     * {@code J^T u} by {@code backward} after a forward pass at {@code x}.
     */
    private static final class Differenced implements Linearised {
        private final Layer layer;
        private final INDArray input;
        private final INDArray output;
        private final double relativeStep;
        private final double inputNorm;
        /** {@code x +- h v}, rewritten by every product. */
        private final INDArray shifted;
        private final Buffers buffers = new Buffers();

        Differenced(Layer layer, INDArray input, INDArray output, double relativeStep) {
            this.layer = layer;
            this.input = input;
            this.output = output;
            this.relativeStep = relativeStep;
            this.inputNorm = input.norm2Number().doubleValue();
            this.shifted = input.ulike();
        }

        @Override
        public INDArray output() {
            return output;
        }

        @Override
        public long[] inputShape() {
            return input.shape();
        }

        @Override
        public INDArray forward(INDArray v) {
            double vNorm = v.norm2Number().doubleValue();
            if (vNorm == 0) {
                return buffers.forward(output.shape()).assign(0);
            }
            double h = relativeStep * Math.max(inputNorm, 1) / vNorm;
            INDArray plus = buffers.forward(output.shape()).assign(layer.forward(input.add(v.mul(h, shifted), shifted)));
            INDArray minus = layer.forward(input.sub(v.mul(h, shifted), shifted));
            return plus.subi(minus).divi(2 * h);
        }

        @Override
        public INDArray backward(INDArray u) {
            layer.forward(input);
            return buffers.backward(input.shape()).assign(layer.backward(u));
        }
    }
}
