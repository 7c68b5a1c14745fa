#!/usr/bin/env python3
"""The PyTorch peer of RnnSpeedBench.java: ms per training step (forward, cross-entropy,
backward, SGD) of a recurrent digit classifier, one thread: the 28 rows of 28 pixels of 32
bundled digits as a sequence, nn.RNN / nn.GRU / nn.LSTM (hidden 128, batch_first), the last
hidden state into Linear(128, 10). Prints "pytorch <cell> <cpu ms/step> <wall ms/step>" lines
(medians of 7 timed rounds after 2 warm-up rounds; CPU time is the calling thread's, which a
busy machine disturbs far less than wall time).

    OMP_NUM_THREADS=1 /usr/bin/python3 bench/pytorch_rnn_speed.py [rnn gru lstm]
"""
import sys
import time

import torch
import torch.nn as nn

from pytorch_article import idx

CELLS = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}


class Classifier(nn.Module):
    def __init__(self, cell):
        super().__init__()
        self.rnn = CELLS[cell](28, 128, batch_first=True)
        self.head = nn.Linear(128, 10)

    def forward(self, x):
        out, _ = self.rnn(x.view(-1, 28, 28))
        return self.head(out[:, -1])


def main(cells):
    torch.set_num_threads(1)
    x = torch.tensor(idx("data/images-idx3-ubyte.gz").reshape(-1, 784)[:8000], dtype=torch.float32) / 255
    y = torch.tensor(idx("data/labels-idx1-ubyte.gz")[:8000], dtype=torch.long)
    data = [(x[i:i + 32], y[i:i + 32]) for i in range(0, 8000, 32)]
    for cell in cells:
        torch.manual_seed(0)
        model = Classifier(cell)
        opt = torch.optim.SGD(model.parameters(), lr=0.05)
        loss_fn = nn.CrossEntropyLoss()
        steps = 100
        cpu, wall = [], []
        for rep in range(9):
            c, t = time.thread_time(), time.perf_counter()
            for s in range(steps):
                xb, yb = data[s % len(data)]
                opt.zero_grad()
                loss_fn(model(xb), yb).backward()
                opt.step()
            if rep >= 2:
                cpu.append((time.thread_time() - c) * 1e3 / steps)
                wall.append((time.perf_counter() - t) * 1e3 / steps)
        print(f"pytorch {cell} {sorted(cpu)[3]:.4f} {sorted(wall)[3]:.4f}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:] or list(CELLS))
