"""clipping.json: torch's clip_grad_norm_ (any p-norm) and clip_grad_value_, and a timm-style AGC reference."""
import math

import numpy as np
import torch
from torch.nn.utils import clip_grad_norm_, clip_grad_value_

from common import header, num, tensor, with_warnings

FILE = "clipping.json"

DESCRIPTION = (
    "Each parameter set is a list of gradient tensors (the parameter values are irrelevant to these two torch "
    "functions). clip_grad_norm_(params, max_norm, norm_type, error_if_nonfinite=False) is run on a fresh copy for "
    "every (max_norm, norm_type).")

TORCH_ALGORITHM = {
    "clip_grad_norm_": [
        "grads = [p.grad for p in params if p.grad is not None]",
        "norm_type == inf: total = max_i max|g_i|",
        "else: total = || [ ||g_1||_p, ||g_2||_p, ... ] ||_p   (norm of per-tensor norms)",
        "clip_coef = max_norm / (total + 1e-6); clip_coef_clamped = min(clip_coef, 1.0) (torch.clamp; NaN stays NaN)",
        "every grad is multiplied by clip_coef_clamped, ALWAYS (also when it is exactly 1.0)",
        "returns total (the norm BEFORE clipping)",
    ],
    "clip_grad_value_": "g = clamp(g, -clip_value, +clip_value) elementwise; NaN stays NaN, +-inf -> +-clip_value",
    "nonfinite_behaviour": (
        "With an inf element: total=inf, clip_coef=0, every finite element becomes 0 and the inf element becomes "
        "inf*0 = NaN. With a NaN element: total=NaN, clip_coef=NaN, all gradients become NaN. error_if_nonfinite=True "
        "raises RuntimeError instead (recorded per result)."),
    "flat_norm_numpy": (
        "norm of all gradients concatenated, computed in numpy; may differ from total_norm in the last bits because "
        "torch takes a norm of per-tensor norms"),
}

MAX_NORMS = [1.0, 5.0]
# torch accepts any p > 0 (and inf); 1, 2 and inf are gradlab's fused fast path, the others its p-norm pass
NORM_TYPES = [2.0, 1.0, math.inf, 0.5, 3.0, 7.5]
CLIP_VALUE = 0.5


def torch_normal(seed, shapes, scale=1.0):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(*s, generator=g) * scale for s in shapes]


def single_huge():
    grads = torch_normal(8, [(3, 4), (4,), (2, 2)], 0.1)
    grads[1][2] = 1e6
    return grads


def with_value(seed, index, value):
    grads = torch_normal(seed, [(3, 4), (4,)])
    grads[index[0]][index[1:]] = value
    return grads


PARAMETER_SETS = [
    ("normal", "three tensors, N(0,1) gradients", lambda: torch_normal(7, [(3, 4), (4,), (2, 2)])),
    ("single_huge", "small gradients plus one element equal to 1e6", single_huge),
    ("all_zero",
     "every gradient is exactly 0: total norm 0, clip_coef = max_norm/1e-6 is clamped to 1, so gradients are left as "
     "they are", lambda: [torch.zeros(3, 4), torch.zeros(4)]),
    ("exact_norm_one",
     "gradients [0.6, 0.8] and [0]: L2 norm exactly 1.0; because of the +1e-6 in the denominator, max_norm=1 still "
     "scales them by 1/(1+1e-6)", lambda: [torch.tensor([0.6, 0.8]), torch.tensor([0.0])]),
    ("with_inf", "one +inf gradient element", lambda: with_value(9, (0, 1, 2), math.inf)),
    ("with_nan", "one NaN gradient element", lambda: with_value(10, (1, 0), math.nan)),
    ("rank_1_to_4", "N(0,1) gradients of conv-like tensors of rank 4, 3, 2 and 1",
     lambda: torch_normal(12, [(4, 3, 2, 2), (5, 2, 3), (3, 4), (6,)])),
]


def norm_key(p):
    return "inf" if math.isinf(p) else str(p)


def params_with(grads):
    ps = []
    for g in grads:
        p = torch.zeros_like(g, requires_grad=True)
        p.grad = g.clone()
        ps.append(p)
    return ps


def clip_norm_case(grads, max_norm, norm_type):
    ps = params_with(grads)
    total = clip_grad_norm_(ps, max_norm, norm_type, error_if_nonfinite=False)
    coef = max_norm / (total + 1e-6)
    try:
        clip_grad_norm_(params_with(grads), max_norm, norm_type, error_if_nonfinite=True)
        raises = False
    except RuntimeError:
        raises = True
    return {"max_norm": max_norm, "norm_type": norm_type, "total_norm": num(total), "clip_coef": num(coef),
            "clip_coef_clamped": num(torch.clamp(coef, max=1.0)), "clipped_grads": [tensor(p.grad) for p in ps],
            "raises_if_error_if_nonfinite_true": raises}


def parameter_set(name, description, make):
    def run():
        grads = make()
        flat = np.concatenate([g.numpy().reshape(-1) for g in grads])
        ps = params_with(grads)
        clip_grad_value_(ps, CLIP_VALUE)
        return {
            "name": name, "description": description, "grads": [tensor(g) for g in grads],
            "flat_norm_numpy": {norm_key(p): num(np.linalg.norm(flat, ord=p)) for p in NORM_TYPES},
            "clip_grad_norm_": [clip_norm_case(grads, m, p) for m in MAX_NORMS for p in NORM_TYPES],
            "clip_grad_value_": {"clip_value": CLIP_VALUE, "clipped_grads": [tensor(p.grad) for p in ps]},
        }

    out, warned = with_warnings(run)
    if warned:
        raise RuntimeError(f"{name}: unexpected warnings {warned}")
    return out


# --- AGC: not a torch builtin; the reference follows timm's timm/utils/agc.py (from the NFNets paper and JAX code)

AGC_CLIPPING = 0.01
AGC_EPS = 1e-3
AGC_MIN_GRAD_NORM = 1e-6


def unitwise_norm(x):
    """timm's unitwise_norm: one L2 norm for rank <= 1, else one per slice along dim 0 (keepdim)."""
    if x.ndim <= 1:
        return x.norm(2.0)
    return x.norm(2.0, dim=tuple(range(1, x.ndim)), keepdim=True)


def agc_case(name, param, grad):
    p = torch.from_numpy(param)
    g = torch.from_numpy(grad)
    param_norm = unitwise_norm(p)
    max_norm = param_norm.clamp(min=AGC_EPS).mul(AGC_CLIPPING)
    grad_norm = unitwise_norm(g)
    clipped = g * (max_norm / grad_norm.clamp(min=AGC_MIN_GRAD_NORM))
    kept = grad_norm < max_norm
    return {"name": name, "param": tensor(p), "grad": tensor(g), "param_unit_norm": tensor(param_norm),
            "grad_unit_norm": tensor(grad_norm), "max_norm": tensor(max_norm), "kept_unclipped": tensor(kept),
            "clipped_grad": tensor(torch.where(kept, g, clipped))}


def unit_scaled(rng, shape, scales):
    """N(0,1) with unit u (a slice along dim 0) multiplied by scales[u]."""
    return rng.standard_normal(shape) * np.asarray(scales, dtype=np.float64).reshape((-1,) + (1,) * (len(shape) - 1))


def agc():
    rng = np.random.default_rng(11)
    cases = []
    # a 2-layer MLP in PyTorch's [out, in] layout: a unit whose weights are 0 (max_norm falls back to eps), a unit
    # with a zero gradient, units far below and far above their bound
    w1 = rng.standard_normal((4, 3))
    w1[2] = 0.0
    cases.append(agc_case("fc1.weight", w1, unit_scaled(rng, (4, 3), [1e-4, 5e-2, 1e-6, 0.0])))
    cases.append(agc_case("fc1.bias", rng.standard_normal(4), rng.standard_normal(4) * 1e-3))
    cases.append(agc_case("fc2.weight", rng.standard_normal((2, 4)) * 0.5, unit_scaled(rng, (2, 4), [10.0, 1e-4])))
    cases.append(agc_case("fc2.bias", np.array([1e-5, -2e-5]), np.array([3e-4, 1e-4])))
    # convolutions: [out, in, k] and [out, in, kh, kw]; each output channel is a unit
    cases.append(agc_case("conv1d.weight", rng.standard_normal((5, 3, 4)) * 0.3,
                          unit_scaled(rng, (5, 3, 4), [1e-4, 1.0, 3e-3, 0.0, 1e-2])))
    w4 = rng.standard_normal((4, 2, 3, 3)) * 0.2
    w4[1] = 0.0
    cases.append(agc_case("conv2d.weight", w4, unit_scaled(rng, (4, 2, 3, 3), [1e-3, 1e-5, 0.5, 2e-3])))
    cases.append(agc_case("conv2d.bias", rng.standard_normal(4) * 0.1, rng.standard_normal(4) * 0.5))
    cases.append(agc_case("scale_rank1_kept", rng.standard_normal(6), rng.standard_normal(6) * 1e-4))
    return {
        "note": ("NOT a torch builtin. Reference implementation in torch following timm's adaptive_clip_grad "
                 "(timm/utils/agc.py), itself from Brock et al. 2021 and the authors' JAX code "
                 "(bench/golden/clipping.py, agc_case)."),
        "clipping": AGC_CLIPPING,
        "eps": AGC_EPS,
        "min_grad_norm": AGC_MIN_GRAD_NORM,
        "formula": [
            "unit norm: tensors with ndim<=1 -> one unit, the whole-tensor L2 norm; ndim>=2 -> L2 norm over all dims "
            "except dim 0 (one norm per output row or channel: PyTorch [out, in] and [out, in, k...] layouts), keepdims",
            "max_norm = clipping * max(param_unit_norm, eps)",
            "kept_unclipped = grad_unit_norm < max_norm (strict)",
            "clipped_grad = kept_unclipped ? grad : grad * (max_norm / max(grad_unit_norm, min_grad_norm))",
        ],
        "cases": cases,
    }


def build():
    doc = header("clipping", DESCRIPTION, "clipping")
    doc["torch_algorithm"] = TORCH_ALGORITHM
    doc["parameter_sets"] = [parameter_set(*s) for s in PARAMETER_SETS]
    doc["agc"] = agc()
    return doc
