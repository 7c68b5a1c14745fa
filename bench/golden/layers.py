"""Golden traces of small feed-forward networks for gradlab's Dense, activations, BatchNorm,
LayerNorm, Residual, Scale and Dropout: the "layers" family of bench/golden/generate.py, written
to layers.json (format: src/test/resources/golden/README.md).

    /usr/bin/python3 bench/golden/generate.py layers

Each case builds an nn.Sequential from a list of layer specs, runs one batch forward in float64
under CrossEntropyLoss (mean) and differentiates it: logits, loss, every parameter gradient, the
input's gradient and, for BatchNorm in training, the running statistics after the forward pass.
Affine weights of the normalisation layers are drawn at random so their gradients matter.
"""
import torch
import torch.nn as nn

import common
from common import tensor

FILE = "layers.json"

BATCH, INPUT, CLASSES = 8, 6, 3


class Residual(nn.Module):
    """h + block(h), as gradlab's Residual.of(block); the block's names sit under "block"."""

    def __init__(self, block):
        super().__init__()
        self.block = block

    def forward(self, h):
        return h + self.block(h)


class Scale(nn.Module):
    """factor * h, as gradlab's Scale.of(factor)."""

    def __init__(self, factor):
        super().__init__()
        self.factor = factor

    def forward(self, h):
        return self.factor * h


def linear(i, o):
    return {"type": "Linear", "args": {"in_features": i, "out_features": o}}


def simple(name, **args):
    return {"type": name, "args": args}


def residual(*block):
    return {"type": "Residual", "block": list(block)}


def build_module(spec):
    kind, args = spec["type"], spec.get("args", {})
    if kind == "Residual":
        return Residual(nn.Sequential(*[build_module(s) for s in spec["block"]]))
    if kind == "Scale":
        return Scale(args["factor"])
    return getattr(nn, kind)(**args)


CASES = [
    ("mlp_relu_tanh", False, [linear(6, 5), simple("ReLU"), linear(5, 4), simple("Tanh"), linear(4, 3)]),
    ("sigmoid_gelu_identity", False, [linear(6, 5), simple("Sigmoid"), linear(5, 5), simple("GELU"),
                                      simple("Identity"), linear(5, 3)]),
    ("batchnorm_train", False, [linear(6, 5), simple("BatchNorm1d", num_features=5), simple("ReLU"),
                                linear(5, 4), simple("BatchNorm1d", num_features=4, eps=0.001, momentum=0.3),
                                simple("Tanh"), linear(4, 3)]),
    ("batchnorm_eval_dropout", True, [linear(6, 5), simple("BatchNorm1d", num_features=5), simple("ReLU"),
                                      simple("Dropout", p=0.5), linear(5, 3)]),
    ("layernorm", False, [linear(6, 5), simple("LayerNorm", normalized_shape=5), simple("ReLU"),
                          linear(5, 4), simple("LayerNorm", normalized_shape=4, eps=0.01), linear(4, 3)]),
    ("residual", False, [linear(6, 5), simple("ReLU"),
                         residual(linear(5, 5), simple("ReLU"), simple("Scale", factor=0.5)),
                         residual(linear(5, 5), simple("LayerNorm", normalized_shape=5), simple("ReLU")),
                         residual(linear(5, 5), simple("BatchNorm1d", num_features=5), simple("Tanh")),
                         linear(5, 3)]),
]


def randomise_normalisation(model, g):
    for m in model.modules():
        if isinstance(m, (nn.BatchNorm1d, nn.LayerNorm)):
            with torch.no_grad():
                m.weight.copy_(1 + 0.5 * torch.randn(m.weight.shape, generator=g, dtype=torch.float64))
                m.bias.copy_(0.5 * torch.randn(m.bias.shape, generator=g, dtype=torch.float64))
                if isinstance(m, nn.BatchNorm1d):
                    m.running_mean.copy_(0.3 * torch.randn(m.running_mean.shape, generator=g, dtype=torch.float64))
                    m.running_var.copy_(0.5 + torch.rand(m.running_var.shape, generator=g, dtype=torch.float64))


def state_dict(model):
    """Parameters and buffers, without BatchNorm's num_batches_tracked (gradlab has no such counter)."""
    return {k: tensor(v) for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")}


def case(name, seed, evaluation, layers):
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed)

    def run():
        model = nn.Sequential(*[build_module(s) for s in layers]).double()
        randomise_normalisation(model, g)
        before = state_dict(model)
        model.train(not evaluation)
        x = (2 * torch.randn(BATCH, INPUT, generator=g, dtype=torch.float64)).requires_grad_()
        labels = torch.randint(0, CLASSES, (BATCH,), generator=g)
        logits = model(x)
        loss = nn.CrossEntropyLoss()(logits, labels)
        loss.backward()
        return model, before, x, labels, logits, loss

    (model, before, x, labels, logits, loss), caught = common.with_warnings(run)
    buffers = {k: tensor(v) for k, v in model.named_buffers() if not k.endswith("num_batches_tracked")}
    return {
        "name": name,
        "mode": "eval" if evaluation else "train",
        "layers": layers,
        "state_dict": before,
        **common.classified(model, x, labels, logits, loss),
        "buffers_after": buffers,
        "warnings": caught,
    }


def build():
    doc = common.header("layers", "small nn.Sequential networks of Linear, ReLU, Tanh, Sigmoid, GELU, Identity, "
                        "Dropout, BatchNorm1d (train and eval), LayerNorm and residual blocks under "
                        "CrossEntropyLoss: logits, loss, every gradient and BatchNorm's running statistics", "layers")
    doc["sizes"] = {"batch": BATCH, "input": INPUT, "classes": CLASSES}
    doc["layer_specs"] = ("{type: torch class name, args: its keyword arguments}; two that are not torch classes: "
                          "Residual {block: [specs]} is h + Sequential(block)(h), its names under 'block', and "
                          "Scale {args: {factor}} is factor * h")
    doc["cases"] = [case(name, 200 + i, evaluation, layers) for i, (name, evaluation, layers) in enumerate(CASES)]
    return doc
