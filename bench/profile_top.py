#!/usr/bin/env python3
"""The top of an async-profiler CPU profile (collapsed stacks, one thread per stack's first frame),
restricted to the stacks that pass through ROOT (e.g. RunExecutor.run or Trainer.runStep): self time
per frame, and time per part of the step (gemm, the recurrent cells' kernels, copies, ...), as
Markdown tables. bench/profile.sh calls it.

    python3 bench/profile_top.py FILE.collapsed ROOT [TOP]
"""
import collections
import sys

# (part, test on a stack's frames): the first that matches claims the sample
PARTS = [
    ("evaluation of the test digits after each epoch", lambda f: any("Trainer.evaluate" in x for x in f)),
    ("building the model and the activation probe", lambda f: any("Models.build" in x or "activationRatio" in x for x in f)),
    ("OpenBLAS sgemm", lambda f: any("cblas_sgemm" in x for x in f)),
    ("other OpenBLAS (axpy, scal, dsdot, gemv)", lambda f: any("openblas_nolapack.cblas_" in x for x in f)),
    ("optimizer update (optim)", lambda f: any("org/gradlab/optim/" in x for x in f)),
    ("gradient statistics and clipping (diagnostics, clip)",
     lambda f: any("org/gradlab/diagnostics/" in x or "org/gradlab/clip/" in x for x in f)),
    ("batch gathering (data)", lambda f: any("org/gradlab/data/" in x for x in f)),
    ("ND4J arrays made per call (create, reshape, dup)",
     lambda f: any(k in x for x in f for k in ("Nd4j.create", "BaseNDArray.reshape", "BaseNDArray.dup", "allocateDirect"))),
    ("recurrent cells: gate kernels", lambda f: any(k in f[-1] for k in ("Window.tanh", "Window$F32.", "Window$F64.",
                                                                       "Block$F32.sigmoid", "Block$F32.tanh", "rationalTanh",
                                                                       "Gru.", "Lstm.", "Rnn."))
     and not any(k in f[-1] for k in ("load", "store", "transpose", "Rows"))),
    ("copies and float-double conversions between native memory and Java arrays, transposes",
     lambda f: any(k in f[-1] for k in ("arraycopy", "memcpy", "copyMemory", "Block$F32.read", "Block$F32.write",
                                         "FloatBuffer", "transpose", "load", "store", "FloatPointer.get", "FloatPointer.put"))),
    ("element-wise layers (activations, dropout, loss)",
     lambda f: any(k in x for x in f for k in ("Activation", "Dropout", "Loss$"))),
]


def main(path, root, top):
    self_time, parts, total = collections.Counter(), collections.Counter(), 0
    for line in open(path):
        stack, n = line.rsplit(" ", 1)
        frames = stack.split(";")
        if root not in frames:
            continue
        frames = frames[frames.index(root):]
        n = int(n)
        total += n
        self_time[frames[-1]] += n
        parts[next((name for name, test in PARTS if test(frames)), "everything else")] += n
    if not total:
        sys.exit(f"profile_top: no stack passes through {root}")
    print(f"{total} samples under `{root}`\n")
    print("| part of the run | share |\n|---|---|")
    for name, n in parts.most_common():
        print(f"| {name} | {100 * n / total:.1f}% |")
    print("\n| self time | frame |\n|---|---|")
    for frame, n in self_time.most_common(top):
        print(f"| {100 * n / total:.1f}% | `{frame.split('/')[-1] if '.so' not in frame else frame.split('/')[-1]}` |")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 12)
