#!/usr/bin/env python3
"""The PyTorch peer of StepBench.java: ms per training step (forward, cross-entropy, backward,
Adam) of the article's model, one thread, on the first 8,000 bundled digits in order.
Prints "pytorch <batch> <ms/step>" lines (median of 7 timed rounds after 2 warm-up rounds)."""
import sys
import time

import torch
import torch.nn as nn

from pytorch_article import idx


def main(batches):
    torch.set_num_threads(1)
    x = torch.tensor(idx("data/images-idx3-ubyte.gz").reshape(-1, 784)[:8000], dtype=torch.float32) / 255
    y = torch.tensor(idx("data/labels-idx1-ubyte.gz")[:8000], dtype=torch.long)
    for b in batches:
        torch.manual_seed(0)
        model = nn.Sequential(nn.Linear(784, 64), nn.ReLU(), nn.Dropout(0.2),
                              nn.Linear(64, 64), nn.ReLU(), nn.Dropout(0.5), nn.Linear(64, 10))
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        loss_fn = nn.CrossEntropyLoss()
        data = [(x[i:i + b], y[i:i + b]) for i in range(0, 8000, b)]
        steps = max(200, 64000 // b)
        samples = []
        for rep in range(9):
            t = time.perf_counter()
            for s in range(steps):
                xb, yb = data[s % len(data)]
                opt.zero_grad()
                loss_fn(model(xb), yb).backward()
                opt.step()
            if rep >= 2:
                samples.append((time.perf_counter() - t) * 1e3 / steps)
        samples.sort()
        print(f"pytorch {b} {samples[len(samples) // 2]:.4f}", flush=True)


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [32, 256])
