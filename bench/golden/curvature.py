"""Golden traces for gradlab's spectral diagnostics (diagnostics.Sharpness, JacobianSpectrum): the
"curvature" family of bench/golden/generate.py, written to curvature.json (format:
src/test/resources/golden/README.md).

    /usr/bin/python3 bench/golden/generate.py curvature

Everything here is exact up to float64 rounding: no finite differences.
- hessian_cases: small nets under CrossEntropyLoss (mean) on one batch; the full Hessian with respect
  to every parameter (torch.autograd.functional.hessian, parameters flattened in named_parameters()
  order), its eigenvalues (torch.linalg.eigvalsh), and one product H v with a recorded v, checked
  here against double backward (torch.autograd.functional.hvp).
- adam: a few Adam steps on one of those nets, then the state, the preconditioner
  P = (1 - beta1^t) (sqrt(exp_avg_sq / (1 - beta2^t)) + eps) and the eigenvalues of P^-1/2 H P^-1/2.
- article: the article's MLP (784-64-64-10, Dropout 0.2 and 0.5, in eval mode so dropout is off) on
  32 bundled MNIST digits; power iteration on exact Hessian-vector products (double backward) to
  convergence, and H v at v = g / ||g|| (g the loss gradient at these weights).
- jacobian_cases: per layer of small nets, the largest singular value of the layer's Jacobian on
  the whole batch (the [batch * out, batch * in] matrix from torch.autograd.functional.jacobian,
  cross-checked against functorch.jacrev where functorch allows, then torch.linalg.svdvals), of the
  first k layers together, and of the whole network.
"""
import gzip
import os

import functorch
import torch
import torch.nn as nn
from torch.nn.utils import stateless

import common
from common import tensor
from layers import build_module, linear, randomise_normalisation, residual, simple, state_dict

FILE = "curvature.json"

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "..", "data")

BATCH, INPUT, CLASSES = 8, 4, 3

HESSIAN_CASES = [
    ("tanh", "eval", [linear(4, 5), simple("Tanh"), linear(5, 4), simple("Tanh"), linear(4, 3)]),
    ("relu", "eval", [linear(4, 6), simple("ReLU"), linear(6, 3)]),
    ("layernorm", "eval", [linear(4, 5), simple("LayerNorm", normalized_shape=5), simple("Tanh"), linear(5, 3)]),
    ("batchnorm_train", "train", [linear(4, 5), simple("BatchNorm1d", num_features=5), simple("Tanh"), linear(5, 3)]),
    ("dropout_eval", "eval", [linear(4, 5), simple("ReLU"), simple("Dropout", p=0.5), linear(5, 3)]),
]

ADAM_CASE, ADAM_STEPS, ADAM_ARGS = "tanh", 5, {"lr": 0.05, "betas": [0.9, 0.999], "eps": 1e-8}

JACOBIAN_BATCH, JACOBIAN_INPUT = 4, 6

JACOBIAN_CASES = [
    ("tanh_relu", "eval", [linear(6, 5), simple("Tanh"), linear(5, 5), simple("ReLU"), linear(5, 3)]),
    ("layernorm_residual", "eval", [linear(6, 5), simple("LayerNorm", normalized_shape=5), simple("ReLU"),
                                    residual(linear(5, 5), simple("Tanh"), simple("Scale", factor=0.5)),
                                    linear(5, 3)]),
    ("batchnorm_eval", "eval", [linear(6, 5), simple("BatchNorm1d", num_features=5), simple("ReLU"), linear(5, 3)]),
    ("batchnorm_train", "train", [linear(6, 5), simple("BatchNorm1d", num_features=5), simple("Tanh"), linear(5, 3)]),
    ("gelu_sigmoid", "eval", [linear(6, 5), simple("GELU"), linear(5, 5), simple("Sigmoid"), linear(5, 3)]),
]

ARTICLE_SEED, ARTICLE_BATCH = 400, 32
POWER_MAX_ITERATIONS, POWER_TOLERANCE = 50000, 1e-10


def network(layers, mode, g):
    model = nn.Sequential(*[build_module(s) for s in layers]).double()
    randomise_normalisation(model, g)
    model.train(mode == "train")
    return model


def described(name, mode, layers, state, x):
    """The fields every case starts with: the network, its mode and state, and its input."""
    return {"name": name, "mode": mode, "layers": layers, "state_dict": state, "input": tensor(x)}


def flat_loss(model, x, labels):
    """The loss as a function of one flat parameter vector (named_parameters() order)."""
    names = [n for n, _ in model.named_parameters()]
    shapes = [p.shape for _, p in model.named_parameters()]

    def f(flat):
        params, at = {}, 0
        for n, s in zip(names, shapes):
            k = s.numel()
            params[n] = flat[at:at + k].view(s)
            at += k
        return nn.functional.cross_entropy(stateless.functional_call(model, params, (x,)), labels)

    return f


def flat_params(model):
    return torch.cat([p.detach().reshape(-1) for p in model.parameters()])


def hessian_case(name, seed, mode, layers):
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed)

    def run():
        model = network(layers, mode, g)
        before = state_dict(model)
        x = 2 * torch.randn(BATCH, INPUT, generator=g, dtype=torch.float64)
        labels = torch.randint(0, CLASSES, (BATCH,), generator=g)
        f = flat_loss(model, x, labels)
        w = flat_params(model)
        h = torch.autograd.functional.hessian(f, w)
        v = torch.randn(w.numel(), generator=g, dtype=torch.float64)
        hv = h @ v
        _, hv_backward = torch.autograd.functional.hvp(f, w, v)
        assert torch.allclose(hv, hv_backward, rtol=1e-12, atol=1e-14 * hv.abs().max()), name
        return model, before, x, labels, f(w), h, v, hv

    (model, before, x, labels, loss, h, v, hv), caught = common.with_warnings(run)
    eigenvalues = torch.linalg.eigvalsh(h)
    return {
        **described(name, mode, layers, before, x),
        "labels": labels.tolist(),
        "loss": float(loss),
        "parameters": [n for n, _ in model.named_parameters()],
        "dimension": h.shape[0],
        "eigenvalues": tensor(eigenvalues),
        "max_eigenvalue": float(eigenvalues[-1]),
        "v": tensor(v),
        "hv": tensor(hv),
        "warnings": caught,
    }


def adam_case(case, seed):
    """ADAM_STEPS steps of torch.optim.Adam on the case's batch, then the preconditioned Hessian."""
    layers = next(c for c in HESSIAN_CASES if c[0] == case)[2]
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed)
    model = network(layers, "eval", g)
    x = 2 * torch.randn(BATCH, INPUT, generator=g, dtype=torch.float64)
    labels = torch.randint(0, CLASSES, (BATCH,), generator=g)
    opt = torch.optim.Adam(model.parameters(), **{k: tuple(v) if k == "betas" else v for k, v in ADAM_ARGS.items()})
    for _ in range(ADAM_STEPS):
        opt.zero_grad()
        nn.functional.cross_entropy(model(x), labels).backward()
        opt.step()
    w = flat_params(model)
    h = torch.autograd.functional.hessian(flat_loss(model, x, labels), w)
    beta1, beta2 = ADAM_ARGS["betas"]
    eps = ADAM_ARGS["eps"]
    state, p = {}, []
    for n, param in model.named_parameters():
        s = opt.state[param]
        t = int(s["step"])
        state[n] = {"step": t, "exp_avg": tensor(s["exp_avg"]), "exp_avg_sq": tensor(s["exp_avg_sq"])}
        p.append((1 - beta1 ** t) * ((s["exp_avg_sq"] / (1 - beta2 ** t)).sqrt() + eps).reshape(-1))
    p = torch.cat(p)
    root = p.rsqrt()
    eigenvalues = torch.linalg.eigvalsh(root[:, None] * h * root[None, :])
    return {
        "case": case,
        "optimizer": {"type": "Adam", "args": ADAM_ARGS},
        "steps": ADAM_STEPS,
        "state_dict": state_dict(model),
        "input": tensor(x),
        "labels": labels.tolist(),
        "state": state,
        "preconditioner": tensor(p),
        "hessian_max_eigenvalue": float(torch.linalg.eigvalsh(h)[-1]),
        "preconditioned_eigenvalues": tensor(eigenvalues),
        "preconditioned_max_eigenvalue": float(eigenvalues[-1]),
    }


def digits(count):
    """count of the bundled MNIST digits, spread over the file (it is sorted by class): pixels / 255."""
    with gzip.open(os.path.join(DATA, "images-idx3-ubyte.gz")) as f:
        raw = f.read()
    with gzip.open(os.path.join(DATA, "labels-idx1-ubyte.gz")) as f:
        labels = f.read()[8:]
    n = int.from_bytes(raw[4:8], "big")
    picks = [i * n // count for i in range(count)]
    x = torch.tensor([[b / 255 for b in raw[16 + 784 * i:16 + 784 * (i + 1)]] for i in picks], dtype=torch.float64)
    return x, torch.tensor([labels[i] for i in picks])


def rounded(model, digits_kept):
    """Parameters rounded to a few significant digits: the file stays small and both sides read the same values."""
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.tensor([float(f"{v:.{digits_kept}g}") for v in p.reshape(-1).tolist()],
                                 dtype=torch.float64).view(p.shape))


def article_case():
    torch.manual_seed(ARTICLE_SEED)
    layers = [linear(784, 64), simple("ReLU"), simple("Dropout", p=0.2), linear(64, 64), simple("ReLU"),
              simple("Dropout", p=0.5), linear(64, 10)]
    model = nn.Sequential(*[build_module(s) for s in layers]).double()
    rounded(model, 6)
    model.eval()
    x, labels = digits(ARTICLE_BATCH)
    params = list(model.parameters())
    loss = nn.functional.cross_entropy(model(x), labels)
    grads = torch.autograd.grad(loss, params, create_graph=True)

    def hvp(v):
        pieces = torch.split(v, [p.numel() for p in params])
        hv = torch.autograd.grad(grads, params, [s.view(p.shape) for s, p in zip(pieces, params)], retain_graph=True)
        return torch.cat([t.reshape(-1) for t in hv])

    g = torch.cat([t.detach().reshape(-1) for t in grads])
    direction = g / g.norm()
    hv_direction = hvp(direction)
    v = torch.randn(g.numel(), generator=torch.Generator().manual_seed(ARTICLE_SEED), dtype=torch.float64)
    v /= v.norm()
    value, residual, iterations = float("nan"), float("nan"), 0
    for iterations in range(1, POWER_MAX_ITERATIONS + 1):
        w = hvp(v)
        value = float(v @ w)
        residual = float((w - value * v).norm() / abs(value))
        if residual <= POWER_TOLERANCE:
            break
        v = w / w.norm()
    # power iteration finds the eigenvalue largest in magnitude: a positive one is the top eigenvalue
    assert value > 0 and residual <= POWER_TOLERANCE, (value, residual)
    hv = dict(zip([n for n, _ in model.named_parameters()], torch.split(hv_direction, [p.numel() for p in params])))
    return {
        "layers": layers,
        "mode": "eval",
        "state_dict": {k: tensor(p) for k, p in model.named_parameters()},
        "input": tensor(x),
        "labels": labels.tolist(),
        "input_description": f"{ARTICLE_BATCH} of the bundled MNIST digits (data/), every {10000 // ARTICLE_BATCH}th "
                             "from the first, pixels / 255; parameters PyTorch's default init with seed "
                             f"{ARTICLE_SEED}, rounded to 6 significant digits",
        "loss": float(loss),
        "power_iteration": {"max_eigenvalue": value, "iterations": iterations, "stop": f"||H v - value v|| <= {POWER_TOLERANCE} * value",
                            "relative_residual": residual},
        "hv_at_gradient_direction": {
            "v": "g / ||g||, g the loss gradient at these weights",
            "norm": float(hv_direction.norm()),
            "v_hv": float(direction @ hv_direction),
            "tensors": {n: tensor(t.view(p.shape)) for (n, t), p in zip(hv.items(), params) if n != "0.weight"},
            "0.weight_norm": float(hv["0.weight"].norm()),
        },
    }


def sigma_max(f, x):
    """Largest singular value of the [batch * out, batch * in] Jacobian of f at x."""
    j = torch.autograd.functional.jacobian(f, x)
    try:
        j_rev = functorch.jacrev(f)(x)
        assert torch.allclose(j, j_rev, rtol=1e-13, atol=1e-15), "jacobian and jacrev disagree"
        checked = True
    except RuntimeError:
        checked = False
    return float(torch.linalg.svdvals(j.reshape(f(x).numel(), x.numel()))[0]), checked


def jacobian_case(name, seed, mode, layers):
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed)
    model = network(layers, mode, g)
    before = state_dict(model)
    x = 2 * torch.randn(JACOBIAN_BATCH, JACOBIAN_INPUT, generator=g, dtype=torch.float64)
    rows, h, product = [], x, 1.0
    for i, layer in enumerate(model):
        sigma, checked = sigma_max(layer, h.detach())
        upto, _ = sigma_max(model[:i + 1], x)
        product *= sigma
        rows.append({"layer": i, "type": layers[i]["type"], "sigma_max": sigma, "product": product,
                     "upto_sigma_max": upto, "jacrev_checked": checked})
        with torch.no_grad():
            h = layer(h)
    return {
        **described(name, mode, layers, before, x),
        "per_layer": rows,
        "network_sigma_max": rows[-1]["upto_sigma_max"],
    }


def build():
    doc = common.header("curvature", "top Hessian eigenvalues (full Hessian and eigvalsh on small nets, Hessian-vector "
                        "power iteration on the article's MLP), Adam's preconditioned sharpness, Hessian-vector "
                        "products, and largest singular values of per-layer and whole-network input-output "
                        "Jacobians on a batch", "curvature")
    doc["sizes"] = {"batch": BATCH, "input": INPUT, "classes": CLASSES,
                    "jacobian_batch": JACOBIAN_BATCH, "jacobian_input": JACOBIAN_INPUT}
    doc["hessian_cases"] = [hessian_case(name, 500 + i, mode, layers)
                            for i, (name, mode, layers) in enumerate(HESSIAN_CASES)]
    doc["adam"] = adam_case(ADAM_CASE, 550)
    doc["article"] = article_case()
    doc["jacobian_cases"] = [jacobian_case(name, 600 + i, mode, layers)
                             for i, (name, mode, layers) in enumerate(JACOBIAN_CASES)]
    return doc
