#!/usr/bin/env python3
"""The article's experiment in PyTorch, as a peer for gradlab: same data files, same model,
same optimizer, batch size and epochs. Prints the final test accuracy per seed.

    /usr/bin/python3 bench/pytorch_article.py [seeds...]
"""
import gzip
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn


def idx(path):
    with gzip.open(path, "rb") as f:
        magic = struct.unpack(">I", f.read(4))[0]
        dims = struct.unpack(">" + "I" * (magic & 0xFF), f.read(4 * (magic & 0xFF)))
        return np.frombuffer(f.read(), dtype=np.uint8).reshape(dims)


def run(seed, x, y):
    torch.manual_seed(seed)
    perm = torch.randperm(len(y))
    tr, te = perm[:8000], perm[8000:]
    model = nn.Sequential(nn.Linear(784, 64), nn.ReLU(), nn.Dropout(0.2),
                          nn.Linear(64, 64), nn.ReLU(), nn.Dropout(0.5), nn.Linear(64, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    for epoch in range(10):
        model.train()
        order = tr[torch.randperm(len(tr))]
        for i in range(0, len(order), 32):
            b = order[i:i + 32]
            opt.zero_grad()
            loss = loss_fn(model(x[b]), y[b])
            loss.backward()
            opt.step()
    model.eval()
    with torch.no_grad():
        return (model(x[te]).argmax(1) == y[te]).float().mean().item()


if __name__ == "__main__":
    torch.set_num_threads(1)
    x = torch.tensor(idx("data/images-idx3-ubyte.gz").reshape(-1, 784), dtype=torch.float32) / 255
    y = torch.tensor(idx("data/labels-idx1-ubyte.gz"), dtype=torch.long)
    seeds = [int(s) for s in sys.argv[1:]] or [0, 1, 2]
    accs = []
    for s in seeds:
        t = time.time()
        accs.append(run(s, x, y))
        print(f"seed {s}: test accuracy {accs[-1]:.4f} ({time.time() - t:.1f} s)", flush=True)
    print(f"mean {np.mean(accs):.4f} min {np.min(accs):.4f} max {np.max(accs):.4f}")
