"""Shared pieces of the golden-trace generator: set-up, the JSON encoding, warnings capture.

The encoding is the one src/test/resources/golden/README.md describes: tensors as
{dtype, shape, data (flat, row-major)}, floats as Python repr (round-trip exact), non-finite
floats as the strings "NaN", "Infinity", "-Infinity", and a layout where dicts and lists of
dicts take one line per entry (indent 1) while lists of numbers stay on one line.
"""
import json
import math
import platform
import warnings

import numpy as np
import torch

ENCODING = ("tensors are {dtype, shape, data(flat, row-major)}; floats are round-trip exact float64 reprs; "
            "non-finite floats are the strings 'NaN', 'Infinity', '-Infinity'")


def setup():
    """float64, CPU, one thread, deterministic kernels: the traces do not depend on the machine."""
    torch.set_default_dtype(torch.float64)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)


def header(family, description, module):
    """The fields every trace file starts with."""
    return {
        "family": family,
        "description": description,
        "generator": f"bench/golden/{module}.py, run by bench/golden/generate.py",
        "torch_version": torch.__version__,
        "numpy_version": np.__version__,
        "python_version": platform.python_version(),
        "encoding": ENCODING,
    }


def num(x):
    """A float64 as the traces keep it (the writer turns non-finite ones into strings)."""
    return float(x)


def tensor(t):
    """A torch tensor or numpy array as {dtype, shape, data}."""
    a = t.detach().cpu().numpy() if isinstance(t, torch.Tensor) else np.asarray(t)
    if a.dtype == np.bool_:
        return {"dtype": "bool", "shape": list(a.shape), "data": [bool(x) for x in a.reshape(-1)]}
    return {"dtype": str(a.dtype), "shape": list(a.shape), "data": [float(x) for x in a.reshape(-1)]}


def with_warnings(fn):
    """Runs fn(); returns (its result, the distinct warnings it raised with their counts, first seen first)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = fn()
    counts = {}
    for w in caught:
        key = f"{w.category.__name__}: {w.message}"
        counts[key] = counts.get(key, 0) + 1
    return result, [{"warning": k, "count": n} for k, n in counts.items()]


def _encode(v, indent):
    pad = " " * indent
    if isinstance(v, dict):
        if not v:
            return "{}"
        items = [f"{pad} {json.dumps(k)}: {_encode(x, indent + 1)}" for k, x in v.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(v, (list, tuple)):
        if any(isinstance(x, dict) for x in v):
            items = [f"{pad} {_encode(x, indent + 1)}" for x in v]
            return "[\n" + ",\n".join(items) + "\n" + pad + "]"
        return "[" + ", ".join(_encode(x, indent + 1) for x in v) + "]"
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return '"NaN"'
        if math.isinf(v):
            return '"Infinity"' if v > 0 else '"-Infinity"'
        return repr(v)
    raise TypeError(f"cannot encode {type(v).__name__}: {v!r}")


def dumps(obj):
    """The trace file's text: strict JSON in the layout above, ending in a newline."""
    return _encode(obj, 0) + "\n"


def classified(model, x, labels, logits, loss):
    """The fields every classifier case records after loss.backward(): input, labels, logits,
    loss, every parameter's gradient and the input's gradient."""
    return {
        "input": tensor(x),
        "labels": labels.tolist(),
        "logits": tensor(logits),
        "loss": float(loss),
        "grads": {k: tensor(p.grad) for k, p in model.named_parameters()},
        "grad_input": tensor(x.grad),
    }
