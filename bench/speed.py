#!/usr/bin/env python3
"""gradlab beside PyTorch, one thread each, in one run (bench/speed.sh calls this).

W1/W2: the article's MLP (784-64-64-10, ReLU, dropout 0.2/0.5), Adam, batch 32/256, ms per step.
W3: 16 Linear(.,256)+Tanh then Linear(256,10), SGD lr 0.01, clip_grad_norm_ 1.0 every step,
batch 128, ms per step. FIT: the article job's 10 epochs with per-epoch evaluation, wall
seconds, each round in a fresh process. MEM: peak RSS of the article process (gradlab's
`article` job; PyTorch's FIT process, which trains and evaluates the same way).

Step workloads alternate round by round between the two (gradlab's JVM stays up and answers one
round per request), so drift on a busy machine hits both; the table shows medians after warm-up
rounds. Refuses to compare unless PyTorch really runs on OpenBLAS.

    /usr/bin/python3 bench/speed.py JAR [--rounds N] [--fit-rounds N] [--jvm-opts "..."]
"""
import argparse
import gzip
import os
import re
import shlex
import statistics
import struct
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
import torch.nn as nn

STEPS = {"W1": (32, 500), "W2": (256, 100), "W3": (128, 30)}


def idx(path):
    with gzip.open(path, "rb") as f:
        magic = struct.unpack(">I", f.read(4))[0]
        dims = struct.unpack(">" + "I" * (magic & 0xFF), f.read(4 * (magic & 0xFF)))
        return np.frombuffer(f.read(), dtype=np.uint8).reshape(dims)


def load():
    x = torch.tensor(idx("data/images-idx3-ubyte.gz").reshape(-1, 784), dtype=torch.float32) / 255
    y = torch.tensor(idx("data/labels-idx1-ubyte.gz"), dtype=torch.long)
    return x, y


def article_model():
    return nn.Sequential(nn.Linear(784, 64), nn.ReLU(), nn.Dropout(0.2),
                         nn.Linear(64, 64), nn.ReLU(), nn.Dropout(0.5), nn.Linear(64, 10))


def deep_model():
    layers, d = [], 784
    for _ in range(16):
        layers += [nn.Linear(d, 256), nn.Tanh()]
        d = 256
    return nn.Sequential(*layers, nn.Linear(256, 10))


class Workload:
    """One of W1-W3 on the first 8,000 digits in order, kept warm between rounds."""

    def __init__(self, name, x, y):
        torch.manual_seed(0)
        batch, self.steps = STEPS[name]
        self.model = deep_model() if name == "W3" else article_model()
        self.clip = name == "W3"
        self.opt = (torch.optim.SGD(self.model.parameters(), lr=0.01) if self.clip
                    else torch.optim.Adam(self.model.parameters(), lr=1e-3))
        self.loss = nn.CrossEntropyLoss()
        self.data = [(x[i:i + batch], y[i:i + batch]) for i in range(0, 8000, batch)]

    def round(self):
        wall, cpu = time.perf_counter(), time.thread_time()
        for s in range(self.steps):
            xb, yb = self.data[s % len(self.data)]
            self.opt.zero_grad()
            self.loss(self.model(xb), yb).backward()
            if self.clip:
                nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
            self.opt.step()
        return ((time.perf_counter() - wall) * 1e3 / self.steps, (time.thread_time() - cpu) * 1e3 / self.steps)


def train(model, opt, xtr, ytr, xte, yte, after_backward=None):
    """10 epochs of shuffled batches of 32 of (xtr, ytr), each step's loss and batch accuracy read back
    (and what after_backward(params) returns, between backward and the update: a clip's norm, say),
    evaluation on (xte, yte) in batches of 1,000 after each epoch; returns the last test accuracy."""
    loss_fn = nn.CrossEntropyLoss()
    params = list(model.parameters())
    accuracy = 0.0
    for _ in range(10):
        model.train()
        order = torch.randperm(len(ytr))
        losses, measured, correct = [], [], 0
        for i in range(0, len(ytr), 32):
            b = order[i:i + 32]
            opt.zero_grad()
            out = model(xtr[b])
            loss = loss_fn(out, ytr[b])
            loss.backward()
            if after_backward is not None:
                measured.append(after_backward(params).item())
            opt.step()
            losses.append(loss.item())
            correct += (out.argmax(1) == ytr[b]).sum().item()
        model.eval()
        with torch.no_grad():
            test_loss = test_correct = 0.0
            for i in range(0, len(yte), 1000):
                out = model(xte[i:i + 1000])
                test_loss += loss_fn(out, yte[i:i + 1000]).item() * len(out)
                test_correct += (out.argmax(1) == yte[i:i + 1000]).sum().item()
        accuracy = test_correct / len(yte)
    return accuracy


def fit():
    """The article job in PyTorch: seeded 8,000/2,000 split, 10 epochs of shuffled batches of 32
    recording each step's loss and accuracy, evaluation on the held-out digits after each epoch."""
    torch.set_num_threads(1)
    x, y = load()
    start = time.perf_counter()
    torch.manual_seed(0)
    perm = torch.randperm(len(y))
    xtr, ytr, xte, yte = x[perm[:8000]], y[perm[:8000]], x[perm[8000:]], y[perm[8000:]]
    model = article_model()
    train(model, torch.optim.Adam(model.parameters(), lr=1e-3), xtr, ytr, xte, yte)
    print(f"FIT {time.perf_counter() - start:.3f}", flush=True)


def blas_of_torch():
    """The BLAS libraries this process mapped after a torch matmul, resolved through links."""
    torch.ones(64, 64) @ torch.ones(64, 64)
    libs = set()
    with open("/proc/self/maps") as f:
        for line in f:
            path = line.split()[-1]
            if re.search(r"/lib(open)?blas[^/]*\.so", path):
                libs.add(os.path.realpath(path))
    return sorted(libs)


def require_openblas(tool):
    """Prints PyTorch's version, threads and BLAS; exits unless that BLAS is OpenBLAS (Debian's torch uses
    whatever libblas.so.3 the alternatives select, and the reference BLAS is about 4x slower)."""
    libs = blas_of_torch()
    print(f"PyTorch {torch.__version__}, threads {torch.get_num_threads()}, BLAS: {', '.join(libs) or 'none found'}")
    if not any("openblas" in lib for lib in libs):
        sys.exit(f"{tool}: refusing to compare: PyTorch is not running on OpenBLAS (it mapped "
                 f"{libs or 'no BLAS library'}); install libopenblas0-pthread and select it with "
                 "update-alternatives --config libblas.so.3-x86_64-linux-gnu")


def timed_child(cmd):
    """Runs cmd, returning (stdout, peak RSS in MB) measured by /usr/bin/time."""
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        p = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rss.name] + cmd, capture_output=True, text=True,
                           env=dict(os.environ, OMP_NUM_THREADS="1"))
        if p.returncode != 0:
            sys.exit(f"speed: {' '.join(cmd[:4])} ... failed:\n{p.stderr[-2000:]}")
        return p.stdout, int(rss.read().split()[-1]) / 1024


def value(out, key):
    m = re.search(rf"^{key} ([0-9.]+)", out, re.M)
    if not m:
        sys.exit(f"speed: no '{key}' line in:\n{out[-2000:]}")
    return float(m.group(1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("jar")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--fit-rounds", type=int, default=3)
    ap.add_argument("--jvm-opts", default="")
    a = ap.parse_args()
    torch.set_num_threads(1)
    jvm = ["java"] + shlex.split(a.jvm_opts)

    require_openblas("speed")

    server = subprocess.Popen(jvm + ["-cp", a.jar, "bench/SpeedBench.java", "serve"], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, env=dict(os.environ, OMP_NUM_THREADS="1"))

    def ask(cmd):
        server.stdin.write(cmd + "\n")
        server.stdin.flush()
        reply = server.stdout.readline().split()
        if not reply or reply[0] != cmd:
            sys.exit(f"speed: gradlab's bench answered {reply} to {cmd}")
        return [float(v) for v in reply[1:]]

    ready = server.stdout.readline().split()
    if not ready or ready[0] != "READY":
        sys.exit(f"speed: gradlab's bench did not start ({ready})")
    print(f"gradlab: one thread, BLAS: {ready[1]} (JavaCPP's OpenBLAS build)")

    x, y = load()
    torch_w = {name: Workload(name, x, y) for name in STEPS}
    samples = {name: ([], []) for name in STEPS}
    for r in range(a.warmup + a.rounds):
        for name in STEPS:
            g = ask(name)
            t = torch_w[name].round()
            if r >= a.warmup:
                samples[name][0].append(g)
                samples[name][1].append(t)
    peak = ask("PEAK")[0]
    server.stdin.close()
    server.wait()

    fits, torch_rss = ([], []), []
    for _ in range(a.fit_rounds):
        out, _ = timed_child(jvm + ["-cp", a.jar, "bench/SpeedBench.java", "fit"])
        fits[0].append(value(out, "FIT"))
        out, rss = timed_child([sys.executable, __file__, "--fit-child"])
        fits[1].append(value(out, "FIT"))
        torch_rss.append(rss)
    with tempfile.TemporaryDirectory() as tmp:
        _, g_mem = timed_child(jvm + ["-jar", a.jar, "article", "--out", tmp])
    t_mem = statistics.median(torch_rss)

    med = statistics.median
    rows = []
    for name in STEPS:
        g, t = samples[name]
        rows.append((name + " ms/step", med(s[0] for s in g), med(s[0] for s in t),
                     med(s[1] for s in g) / med(s[1] for s in t)))
    rows.append(("FIT s", med(fits[0]), med(fits[1]), None))
    rows.append(("MEM MB", g_mem, t_mem, None))
    print(f"\n{'workload':<14} {'gradlab':>9} {'pytorch':>9} {'ratio':>7} {'cpu ratio':>10}")
    for name, g, t, cpu in rows:
        print(f"{name:<14} {g:9.3f} {t:9.3f} {g / t:7.2f} " + (f"{cpu:10.2f}" if cpu else f"{'':>10}"))
    flops = 2 * 128 * (784 * 256 + 15 * 256 * 256 + 256 * 10) * 3 - 2 * 128 * 784 * 256   # fwd, dW, dx (no first dx)
    w3_wall, w3_cpu = (flops / med(s[k] for s in samples["W3"][0]) / 1e6 for k in (0, 1))
    print(f"\nsingle-core sgemm peak (1024^3, gradlab's OpenBLAS, per CPU second): {peak:.1f} GFLOP/s; W3 runs its "
          f"gemm work at {w3_cpu:.1f} GFLOP/s per CPU second = {100 * w3_cpu / peak:.0f}% of it "
          f"({w3_wall:.1f} GFLOP/s of wall time)")
    print(f"medians of {a.rounds} interleaved rounds after {a.warmup} warm-up rounds; FIT of {a.fit_rounds} fresh "
          f"processes each; JVM options: {a.jvm_opts or '(none)'}; ratio = gradlab / pytorch, wall time "
          "(cpu ratio: thread CPU time, less sensitive to a busy machine)")


if __name__ == "__main__":
    if sys.argv[1:] == ["--fit-child"]:
        fit()
    else:
        main()
