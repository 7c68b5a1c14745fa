"""optimizers.json: torch optimizers on one fixed problem, parameters and state after each step."""
import torch

from common import header, num, tensor, with_warnings

FILE = "optimizers.json"

DESCRIPTION = (
    "Both tensors w[3,4] and b[4] are in ONE param group, passed as [w, b]. Per step t=0..19: w.grad = grads[t].w; "
    "b.grad = grads[t].b; optimizer.step(). params_after_step[t] is the value after that step; state_after_step[t] "
    "is optimizer.state[...] after it (tensors; 'step' as a number). 1.13 uses the single-tensor (foreach=False) "
    "code path on CPU.")

SEED = 1234
# large, tiny and zero gradients, so bias correction, eps and the AMSGrad maximum all matter
GRAD_SCALE = [1.0, 1.0, 1.0, 1.0, 100.0, 1.0, 1.0, 1.0, 1.0, 10000.0, 1.0, 1.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1e-06, 1.0, 1.0]
SPIKE = {"step": 11, "index": [0, 0], "value": 1000.0, "note": "w.grad[0,0] overwritten with this value at that step"}


def spec(type_, **args):
    return {"type": type_, "args": args}


CASES = [
    ("SGD", spec("SGD", lr=0.1)),
    ("SGD_momentum", spec("SGD", lr=0.1, momentum=0.9)),
    ("SGD_nesterov", spec("SGD", lr=0.1, momentum=0.9, nesterov=True)),
    ("SGD_momentum_dampening_wd", spec("SGD", lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.01)),
    ("Adam", spec("Adam", lr=0.01)),
    ("Adam_amsgrad", spec("Adam", lr=0.01, amsgrad=True)),
    ("Adam_weight_decay", spec("Adam", lr=0.01, weight_decay=0.01)),
    ("AdamW", spec("AdamW", lr=0.01, weight_decay=0.01)),
    ("RMSprop", spec("RMSprop", lr=0.01)),
    ("RMSprop_momentum_centered", spec("RMSprop", lr=0.01, momentum=0.9, centered=True)),
    ("Adagrad", spec("Adagrad", lr=0.1)),
    # the Adam family away from its default betas and eps
    ("Adam_betas_eps", spec("Adam", lr=0.01, betas=[0.8, 0.99], eps=1e-06)),
    ("Adam_betas_large_eps_weight_decay", spec("Adam", lr=0.05, betas=[0.5, 0.9], eps=0.1, weight_decay=0.001)),
    ("AMSGrad_betas_eps", spec("Adam", lr=0.01, betas=[0.7, 0.95], eps=0.0001, amsgrad=True)),
    ("AdamW_betas_eps", spec("AdamW", lr=0.01, betas=[0.85, 0.995], eps=1e-05, weight_decay=0.1)),
    ("AdamW_amsgrad_betas_eps", spec("AdamW", lr=0.02, betas=[0.6, 0.9999], eps=0.001, amsgrad=True)),
]


def problem():
    g = torch.Generator().manual_seed(SEED)
    w0 = torch.randn(3, 4, generator=g)
    b0 = torch.randn(4, generator=g)
    grads = []
    for t, scale in enumerate(GRAD_SCALE):
        gw = torch.randn(3, 4, generator=g) * scale
        gb = torch.randn(4, generator=g) * scale
        if t == SPIKE["step"]:
            gw[tuple(SPIKE["index"])] = SPIKE["value"]
        grads.append({"w": gw, "b": gb})
    return w0, b0, grads


def state(value):
    if value is None or isinstance(value, (int, float)):
        return value
    if value.dim() == 0:        # Adam's and Adagrad's 'step' is a 0-d tensor in 1.13
        return float(value.item())
    return tensor(value)


def run_case(name, opt_spec, w0, b0, grads):
    def run():
        w = w0.clone().requires_grad_(True)
        b = b0.clone().requires_grad_(True)
        args = {k: tuple(v) if k == "betas" else v for k, v in opt_spec["args"].items()}
        opt = getattr(torch.optim, opt_spec["type"])([w, b], **args)
        defaults = {k: list(v) if isinstance(v, tuple) else v for k, v in opt.defaults.items()}
        params, states = [], []
        for g in grads:
            w.grad = g["w"].clone()
            b.grad = g["b"].clone()
            opt.step()
            params.append({"w": tensor(w), "b": tensor(b)})
            states.append({n: {k: state(v) for k, v in opt.state[p].items()} for n, p in (("w", w), ("b", b))})
        return defaults, params, states

    (defaults, params, states), warned = with_warnings(run)
    return {"name": name, "optimizer": opt_spec, "resolved_defaults": defaults, "params_after_step": params,
            "state_after_step": states, "warnings": warned}


def build():
    w0, b0, grads = problem()
    doc = header("optimizers", DESCRIPTION, "optimizers")
    doc["problem"] = {
        "seed": SEED,
        "init": ("g=torch.Generator().manual_seed(seed); w0=randn(3,4); b0=randn(4); then per step "
                 "gw=randn(3,4)*scale[t]; gb=randn(4)*scale[t] (all float64, same generator)"),
        "grad_scale": GRAD_SCALE,
        "spike": SPIKE,
        "w0": tensor(w0),
        "b0": tensor(b0),
        "grads": [{"w": tensor(g["w"]), "b": tensor(g["b"])} for g in grads],
    }
    doc["cases"] = [run_case(name, s, w0, b0, grads) for name, s in CASES]
    return doc
