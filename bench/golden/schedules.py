"""schedules.json: every torch LR scheduler, step by step, and ReduceLROnPlateau's state."""
import math

import torch
from torch.optim import lr_scheduler

from common import header, num, with_warnings

FILE = "schedules.json"
STEPS = 100

DESCRIPTION = (
    "lr[k] is the learning rate in effect for optimizer step k, k=0..steps-1: read from "
    "optimizer.param_groups[0]['lr'] (== scheduler.get_last_lr()[0]) before the k-th optimizer.step(); "
    "the loop is `opt.step(); sched.step()`. lr[0] is the value right after construction. momentum[k] "
    "(cyclic schedulers with cycle_momentum=True) is param_groups[0]['momentum'] at the same moment. "
    "lr_closed_form[k] is scheduler._get_closed_form_lr() at last_epoch=k (only where PyTorch defines one); "
    "PyTorch itself uses the recursive (chainable) form, i.e. lr[k].")

PLATEAU_DESCRIPTION = (
    "ReduceLROnPlateau is not an _LRScheduler in 1.13. Loop: `opt.step(); sched.step(metrics[i])`; "
    "*_after_step[i] is the state right after the i-th step(metric) call. Rule per call: better = "
    "(min,rel): m < best*(1-thr); (min,abs): m < best-thr; (max,rel): m > best*(1+thr); (max,abs): "
    "m > best+thr (NaN is never better); if better: best=m, bad=0 else bad+=1; if cooldown_counter>0: "
    "cooldown_counter-=1, bad=0; if bad>patience: new=max(lr*factor,min_lr), applied only if lr-new > eps; "
    "cooldown_counter=cooldown; bad=0.")

SGD = {"type": "SGD", "args": {"lr": 0.1}}
SGD_MOMENTUM = {"type": "SGD", "args": {"lr": 0.1, "momentum": 0.9}}


def spec(type_, **args):
    return {"type": type_, "args": args}


# (name, optimizer spec, scheduler spec); args hold exactly what is passed to the constructor
CASES = [
    ("StepLR", SGD, spec("StepLR", step_size=10, gamma=0.5)),
    ("MultiStepLR", SGD, spec("MultiStepLR", milestones=[30, 60, 80], gamma=0.1)),
    ("ExponentialLR", SGD, spec("ExponentialLR", gamma=0.95)),
    ("CosineAnnealingLR_T100_etamin", SGD, spec("CosineAnnealingLR", T_max=100, eta_min=0.001)),
    ("CosineAnnealingLR_T30_past_Tmax", SGD, spec("CosineAnnealingLR", T_max=30)),
    ("CosineAnnealingWarmRestarts", SGD, spec("CosineAnnealingWarmRestarts", T_0=10, T_mult=2, eta_min=0.0001)),
    ("OneCycleLR_cos", SGD_MOMENTUM, spec("OneCycleLR", max_lr=1.0, total_steps=100, anneal_strategy="cos")),
    ("OneCycleLR_linear", SGD_MOMENTUM, spec("OneCycleLR", max_lr=1.0, total_steps=100, anneal_strategy="linear")),
    ("OneCycleLR_three_phase", SGD_MOMENTUM,
     spec("OneCycleLR", max_lr=1.0, total_steps=100, anneal_strategy="cos", three_phase=True)),
    ("CyclicLR_triangular", SGD_MOMENTUM,
     spec("CyclicLR", base_lr=0.001, max_lr=0.1, step_size_up=10, mode="triangular")),
    ("CyclicLR_triangular2", SGD_MOMENTUM,
     spec("CyclicLR", base_lr=0.001, max_lr=0.1, step_size_up=10, mode="triangular2")),
    ("CyclicLR_exp_range", SGD_MOMENTUM,
     spec("CyclicLR", base_lr=0.001, max_lr=0.1, step_size_up=10, mode="exp_range", gamma=0.99)),
    ("LinearLR", SGD, spec("LinearLR", start_factor=0.1, total_iters=10)),
    ("PolynomialLR", SGD, spec("PolynomialLR", total_iters=50, power=2)),
    ("ConstantLR", SGD, spec("ConstantLR", factor=0.5, total_iters=5)),
    ("SequentialLR_linear_warmup_then_cosine", SGD,
     spec("SequentialLR", schedulers=[spec("LinearLR", start_factor=0.01, total_iters=10),
                                      spec("CosineAnnealingLR", T_max=90)], milestones=[10])),
    ("ChainedScheduler_exponential_and_linear_warmup", SGD,
     spec("ChainedScheduler", schedulers=[spec("ExponentialLR", gamma=0.95),
                                          spec("LinearLR", start_factor=0.1, total_iters=10)])),
    # OneCycleLR with every setting away from its default
    ("OneCycleLR_linear_custom", SGD_MOMENTUM,
     spec("OneCycleLR", max_lr=0.5, total_steps=100, pct_start=0.25, anneal_strategy="linear", div_factor=10.0,
          final_div_factor=100.0, base_momentum=0.8, max_momentum=0.95)),
    ("OneCycleLR_cos_custom_odd_pct", SGD_MOMENTUM,
     spec("OneCycleLR", max_lr=0.3, total_steps=100, pct_start=0.33, div_factor=20.0, final_div_factor=50.0,
          base_momentum=0.7, max_momentum=0.99)),
    ("OneCycleLR_three_phase_linear_custom", SGD_MOMENTUM,
     spec("OneCycleLR", max_lr=2.0, total_steps=100, pct_start=0.4, anneal_strategy="linear", div_factor=5.0,
          final_div_factor=1000.0, three_phase=True, base_momentum=0.75, max_momentum=0.9)),
    ("OneCycleLR_three_phase_cos_custom", SGD_MOMENTUM,
     spec("OneCycleLR", max_lr=0.8, total_steps=100, pct_start=0.15, div_factor=8.0, final_div_factor=300.0,
          three_phase=True, base_momentum=0.6, max_momentum=0.97)),
    ("OneCycleLR_epochs_steps_per_epoch", SGD_MOMENTUM,
     spec("OneCycleLR", max_lr=0.1, epochs=4, steps_per_epoch=25, pct_start=0.2)),
    ("OneCycleLR_no_momentum_cycling", SGD, spec("OneCycleLR", max_lr=1.0, total_steps=100, cycle_momentum=False)),
    # CyclicLR with an asymmetric cycle and momentum ranges, in each mode
    ("CyclicLR_triangular_down_momentum", SGD_MOMENTUM,
     spec("CyclicLR", base_lr=0.001, max_lr=0.1, step_size_up=5, step_size_down=15, mode="triangular",
          base_momentum=0.7, max_momentum=0.95)),
    ("CyclicLR_triangular2_down_momentum", SGD_MOMENTUM,
     spec("CyclicLR", base_lr=0.01, max_lr=0.5, step_size_up=12, step_size_down=8, mode="triangular2",
          base_momentum=0.85, max_momentum=0.99)),
    ("CyclicLR_exp_range_down_momentum", SGD_MOMENTUM,
     spec("CyclicLR", base_lr=0.0001, max_lr=0.05, step_size_up=7, step_size_down=3, mode="exp_range",
          gamma=0.98, base_momentum=0.5, max_momentum=0.8)),
    ("CyclicLR_no_momentum_cycling", SGD,
     spec("CyclicLR", base_lr=0.001, max_lr=0.1, step_size_up=6, step_size_down=9, cycle_momentum=False)),
]

PLATEAU_CASES = [
    ("ReduceLROnPlateau_min_rel", SGD,
     spec("ReduceLROnPlateau", mode="min", factor=0.5, patience=3, threshold=0.0001, threshold_mode="rel", cooldown=2,
          min_lr=0.0001),
     # improvements, a flat stretch, changes just inside and outside the threshold, then a cycle without progress
     ([1.0, 0.8, 0.6, 0.5, 0.45] + [0.45] * 5 + [0.44998, 0.44999, 0.46, 0.45, 0.44999]
      + [0.4, 0.41, 0.42, 0.4 * (1 - 0.0001), 0.39995] + [0.43, 0.44, 0.45, 0.46, 0.3, 0.25] + [0.2] * 5
      + [0.5, 0.52, 0.54, 0.51, 0.53] * 14)[:100]),
    ("ReduceLROnPlateau_max_abs_nan_eps", SGD,
     spec("ReduceLROnPlateau", mode="max", factor=0.1, patience=2, threshold=0.01, threshold_mode="abs", cooldown=0,
          min_lr=0.0, eps=1e-08),
     # a NaN metric, gains just inside and outside the threshold, then decay until eps stops it
     [0.1, 0.2, 0.3, 0.305, 0.31, math.nan, 0.31, 0.315, 0.4] + [0.39] * 30),
]


def make(spec_, opt):
    """The torch scheduler for a spec; SequentialLR and ChainedScheduler build their nested specs first."""
    args = dict(spec_["args"])
    if "schedulers" in args:
        args["schedulers"] = [make(s, opt) for s in args["schedulers"]]
    cls = getattr(lr_scheduler, spec_["type"])
    return cls(**args) if spec_["type"] == "ChainedScheduler" else cls(opt, **args)


def optimizer(spec_):
    return getattr(torch.optim, spec_["type"])([torch.zeros(1, requires_grad=True)], **spec_["args"])


def run_case(name, opt_spec, sched_spec):
    def run():
        opt = optimizer(opt_spec)
        sched = make(sched_spec, opt)
        closed = hasattr(sched, "_get_closed_form_lr")
        cycles = sched_spec["type"] in ("OneCycleLR", "CyclicLR") and sched_spec["args"].get("cycle_momentum", True)
        lr, momentum, lr_closed = [], [], []
        for _ in range(STEPS):
            lr.append(num(opt.param_groups[0]["lr"]))
            if cycles:
                momentum.append(num(opt.param_groups[0]["momentum"]))
            if closed:
                lr_closed.append(num(sched._get_closed_form_lr()[0]))
            opt.step()
            sched.step()
        return lr, num(opt.param_groups[0]["lr"]), momentum, lr_closed

    (lr, last, momentum, lr_closed), warned = with_warnings(run)
    case = {"name": name, "optimizer": opt_spec, "scheduler": sched_spec, "steps": STEPS, "lr": lr,
            "lr_after_last_step": last}
    if lr_closed:
        case["lr_closed_form"] = lr_closed
        case["max_abs_diff_lr_vs_closed_form"] = max(abs(a - b) for a, b in zip(lr, lr_closed))
    if momentum:
        case["momentum"] = momentum
    case["warnings"] = warned
    return case


def run_plateau(name, opt_spec, sched_spec, metrics):
    def run():
        opt = optimizer(opt_spec)
        sched = lr_scheduler.ReduceLROnPlateau(opt, **sched_spec["args"])
        out = {"lr_initial": num(opt.param_groups[0]["lr"]), "metrics": [num(m) for m in metrics],
               "lr_after_step": [], "best_after_step": [], "num_bad_epochs_after_step": [],
               "cooldown_counter_after_step": []}
        for m in metrics:
            opt.step()
            sched.step(m)
            out["lr_after_step"].append(num(opt.param_groups[0]["lr"]))
            out["best_after_step"].append(num(sched.best))
            out["num_bad_epochs_after_step"].append(int(sched.num_bad_epochs))
            out["cooldown_counter_after_step"].append(int(sched.cooldown_counter))
        return out

    out, warned = with_warnings(run)
    return {"name": name, "optimizer": opt_spec, "scheduler": sched_spec, **out, "warnings": warned}


def build():
    doc = header("schedules", DESCRIPTION, "schedules")
    doc["cases"] = [run_case(*c) for c in CASES]
    doc["plateau_cases_description"] = PLATEAU_DESCRIPTION
    doc["plateau_cases"] = [run_plateau(*c) for c in PLATEAU_CASES]
    return doc
