#!/usr/bin/env python3
"""One study run of each configuration kind, gradlab beside PyTorch, one thread each, in one run
(bench/study-speed.sh calls this).

Kinds, each one configuration of the study's default design (experiment.spec.Design):

    rnn      rnn/rnn_sgd0.2_norm1    tanh RNN(28, 128), SGD 0.2, global-norm clip 1
    gru      rnn/gru_sgd0.2          GRU(28, 128), SGD 0.2
    lstm     rnn/lstm_sgd0.2         LSTM(28, 128), SGD 0.2
    deep     clipping/A_norm_1       12 x 128 ReLU MLP, init A, SGD 0.02 momentum 0.9, clip 1
    article  baseline/adam_0.001     784-64-64-10 with dropout 0.2/0.5, Adam 1e-3

The recurrent models read a digit as 28 rows of 28 pixels, the last hidden state into
Linear(128, 10). A run is what the study does per run: the digits split 8,000/2,000 by the
seed, 10 epochs of shuffled batches of 32, per step the loss, the accuracy on the batch and the
global gradient norm (the clip's, else measured), the update; the test set evaluated after each
epoch (batches of 1,000); and, as the study's activation-ratio probe, a forward pass of 256
training digits through a fresh model first. gradlab's side is bench/StudySpeedBench.java
(RunExecutor.run on one thread); PyTorch's is this file (--child).

Each side runs in a fresh process per round, the two alternating, so drift on a busy machine
hits both. Reported per kind, medians over the rounds with their range: the process's wall time
per run (JVM or interpreter start, data loading and JIT included), the run's own wall time and
the training thread's CPU time inside the process, and the process's CPU time (all threads).
Refuses to compare unless PyTorch runs on OpenBLAS.

    /usr/bin/python3 bench/study_speed.py CLASSPATH [--rounds N] [--kinds rnn,gru,...] [--seeds 0,1]
"""
import argparse
import os
import re
import resource
import shlex
import statistics
import subprocess
import sys
import time

KINDS = {
    "rnn": "rnn/rnn_sgd0.2_norm1",
    "gru": "rnn/gru_sgd0.2",
    "lstm": "rnn/lstm_sgd0.2",
    "deep": "clipping/A_norm_1",
    "article": "baseline/adam_0.001",
}


def model_and_optimizer(kind):
    """The network, optimizer and clip threshold (None: no clip) of a kind, PyTorch's init but for
    the deep MLP's init A (N(0, (1.5 sqrt(2/fan_in))^2) weights, zero biases)."""
    import torch
    import torch.nn as nn

    if kind in ("rnn", "gru", "lstm"):
        cell = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}[kind]

        class Classifier(nn.Module):
            def __init__(self):
                super().__init__()
                self.rnn = cell(28, 128, batch_first=True)
                self.head = nn.Linear(128, 10)

            def forward(self, x):
                out, _ = self.rnn(x.view(-1, 28, 28))
                return self.head(out[:, -1])

        model = Classifier()
        return model, torch.optim.SGD(model.parameters(), lr=0.2), 1.0 if kind == "rnn" else None
    if kind == "deep":
        layers, d = [], 784
        for i in range(12):
            lin = nn.Linear(d, 10 if i == 11 else 128)
            nn.init.normal_(lin.weight, 0, 1.5 * (2 / d) ** 0.5)
            nn.init.zeros_(lin.bias)
            layers += [lin] if i == 11 else [lin, nn.ReLU()]
            d = 128
        model = nn.Sequential(*layers)
        return model, torch.optim.SGD(model.parameters(), lr=0.02, momentum=0.9), 1.0
    model = nn.Sequential(nn.Linear(784, 64), nn.ReLU(), nn.Dropout(0.2),
                          nn.Linear(64, 64), nn.ReLU(), nn.Dropout(0.5), nn.Linear(64, 10))
    return model, torch.optim.Adam(model.parameters(), lr=1e-3), None


def child(kind, seeds):
    """PyTorch's side: one study run of `kind` per seed; prints 'RUN seed wall_s thread_cpu_s test_accuracy'."""
    import torch
    import torch.nn as nn
    from speed import load, train

    torch.set_num_threads(1)
    x, y = load()
    for seed in seeds:
        wall, cpu = time.perf_counter(), time.thread_time()
        torch.manual_seed(seed)
        perm = torch.randperm(len(y))
        xtr, ytr, xte, yte = x[perm[:8000]], y[perm[:8000]], x[perm[8000:]], y[perm[8000:]]
        probe, _, _ = model_and_optimizer(kind)
        with torch.no_grad():
            probe(xtr[:256])
        model, opt, clip = model_and_optimizer(kind)
        if clip is None:
            measure = lambda params: torch.norm(torch.stack([torch.norm(p.grad) for p in params]))
        else:
            measure = lambda params: nn.utils.clip_grad_norm_(params, clip)
        accuracy = train(model, opt, xtr, ytr, xte, yte, measure)
        print(f"RUN {seed} {time.perf_counter() - wall:.3f} {time.thread_time() - cpu:.3f} {accuracy:.4f}", flush=True)


def timed(cmd):
    """Runs cmd; returns (process wall s, process CPU s of all its threads, [(wall, thread cpu) per RUN line])."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ, OMP_NUM_THREADS="1"))
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode != 0:
        sys.exit(f"study-speed: {' '.join(cmd[-3:])} failed:\n{p.stderr[-3000:]}")
    runs = [(float(m.group(1)), float(m.group(2)))
            for m in re.finditer(r"^RUN \S+ ([0-9.]+) ([0-9.]+)", p.stdout, re.M)]
    if not runs:
        sys.exit(f"study-speed: no RUN line from {' '.join(cmd[-3:])}:\n{p.stdout[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, runs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("classpath", help="gradlab's jar and the compiled bench classes")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--kinds", default=",".join(KINDS))
    ap.add_argument("--seeds", default="0", help="seeds each process runs, comma-separated")
    ap.add_argument("--jvm-opts", default="")
    a = ap.parse_args()
    kinds = a.kinds.split(",")
    for k in kinds:
        if k not in KINDS:
            sys.exit(f"study-speed: unknown kind '{k}' (known: {', '.join(KINDS)})")
    seeds = a.seeds.split(",")

    import torch
    from speed import require_openblas
    torch.set_num_threads(1)
    require_openblas("study-speed")
    here = os.path.dirname(os.path.abspath(__file__))
    sides = {
        "gradlab": lambda k: ["java"] + shlex.split(a.jvm_opts) + ["-cp", a.classpath, "StudySpeedBench", KINDS[k]] + seeds,
        "pytorch": lambda k: [sys.executable, os.path.join(here, "study_speed.py"), "--child", k] + seeds,
    }
    loads = [os.getloadavg()]
    samples = {k: {s: [] for s in sides} for k in kinds}
    for r in range(a.rounds):
        for k in kinds:
            order = list(sides) if (r + kinds.index(k)) % 2 == 0 else list(reversed(sides))
            for s in order:
                wall, cpu, runs = timed(sides[s](k))
                n = len(runs)
                samples[k][s].append((wall / n, sum(w for w, _ in runs) / n, sum(c for _, c in runs) / n, cpu / n))
                print(f"round {r + 1} {k:<8} {s:<8} process {wall / n:7.2f} s/run, run {samples[k][s][-1][1]:7.2f} s, "
                      f"thread cpu {samples[k][s][-1][2]:7.2f} s, process cpu {cpu / n:7.2f} s", flush=True)
        loads.append(os.getloadavg())

    def cell(k, i):
        g = [v[i] for v in samples[k]["gradlab"]]
        t = [v[i] for v in samples[k]["pytorch"]]
        ratios = [x / y for x, y in zip(g, t)]
        return statistics.median(g), statistics.median(t), statistics.median(ratios), min(ratios), max(ratios)

    names = ["process wall", "run wall", "thread cpu", "process cpu"]
    print(f"\nper run, seconds: medians of {a.rounds} rounds (ratio = gradlab / pytorch, median and range of the "
          f"rounds' ratios); {len(seeds)} run(s) per process")
    print(f"{'kind':<8} {'measure':<13} {'gradlab':>8} {'pytorch':>8} {'ratio':>6}  range")
    for k in kinds:
        for i, name in enumerate(names):
            g, t, ratio, lo, hi = cell(k, i)
            print(f"{k if i == 0 else '':<8} {name:<13} {g:8.2f} {t:8.2f} {ratio:6.2f}  {lo:.2f}-{hi:.2f}")
    print("load average (1 min) at the start and after each round: " + ", ".join(f"{l[0]:.2f}" for l in loads))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], [int(s) for s in sys.argv[3:]] or [0])
    else:
        main()
