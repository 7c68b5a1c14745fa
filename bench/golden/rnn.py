#!/usr/bin/env python3
"""Golden traces of PyTorch's recurrent layers for gradlab's Rnn, Gru and Lstm, float64, CPU,
one thread, fixed seeds. Writes src/test/resources/golden/rnn.json (format: the README there).

    /usr/bin/python3 bench/golden/rnn.py [out.json]

Each case runs nn.RNN (tanh, relu) / nn.GRU / nn.LSTM with batch_first=True on a random input
from explicit initial states (zeros or random) and differentiates
    loss = sum(output * r_output) + sum(h_n * r_h) [+ sum(c_n * r_c)]
for fixed random r_*, so every step's output and the final states carry gradient. The
"classifier" cases run nn.Sequential(rows view, cell, last step, nn.Linear) under
CrossEntropyLoss, as gradlab's Sequential.of(Sequences.rows, cell, LastStep.of(), Dense.of).
"""
import json
import sys
import warnings
from collections import Counter
from pathlib import Path

import torch
import torch.nn as nn

BATCH, TIME, INPUT, HIDDEN = 3, 5, 4, 6
CELLS = {
    "rnn_tanh": (nn.RNN, {"nonlinearity": "tanh"}),
    "rnn_relu": (nn.RNN, {"nonlinearity": "relu"}),
    "gru": (nn.GRU, {}),
    "lstm": (nn.LSTM, {}),
}


def tensor(t):
    t = t.detach().to(torch.float64).contiguous()
    return {"dtype": "float64", "shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


def spec(cls, args):
    return {"type": cls.__name__, "args": args}


def warn_list(caught):
    counts = Counter(f"{w.category.__name__}: {w.message}" for w in caught)
    return [{"message": m, "count": c} for m, c in sorted(counts.items())]


def sequence_case(name, seed, layers, random_state):
    cls, extra = CELLS[name]
    args = {"input_size": INPUT, "hidden_size": HIDDEN, "num_layers": layers, "batch_first": True, **extra}
    torch.manual_seed(seed)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rnn = cls(**args).double()
        lstm = cls is nn.LSTM
        x = torch.randn(BATCH, TIME, INPUT, dtype=torch.float64, requires_grad=True)
        shape = (layers, BATCH, HIDDEN)
        h0 = (0.5 * torch.randn(*shape, dtype=torch.float64) if random_state
              else torch.zeros(*shape, dtype=torch.float64)).requires_grad_()
        c0 = (0.5 * torch.randn(*shape, dtype=torch.float64) if random_state
              else torch.zeros(*shape, dtype=torch.float64)).requires_grad_() if lstm else None
        r_out = torch.randn(BATCH, TIME, HIDDEN, dtype=torch.float64)
        r_h = torch.randn(*shape, dtype=torch.float64)
        r_c = torch.randn(*shape, dtype=torch.float64) if lstm else None
        out, state = rnn(x, (h0, c0) if lstm else h0)
        hn, cn = state if lstm else (state, None)
        if not random_state:   # zero states are what PyTorch uses without hx
            out_none, _ = rnn(x)
            assert torch.equal(out_none, out)
        loss = (out * r_out).sum() + (hn * r_h).sum() + ((cn * r_c).sum() if lstm else 0)
        loss.backward()
    case = {
        "name": f"{name}_l{layers}_{'random' if random_state else 'zero'}_state",
        "cell": name,
        "module": spec(cls, args),
        "initial_state": "random" if random_state else "zeros",
        "state_dict": {k: tensor(v) for k, v in rnn.state_dict().items()},
        "input": tensor(x),
        "h0": tensor(h0),
        "c0": tensor(c0) if lstm else None,
        "r_output": tensor(r_out),
        "r_h": tensor(r_h),
        "r_c": tensor(r_c) if lstm else None,
        "output": tensor(out),
        "h_n": tensor(hn),
        "c_n": tensor(cn) if lstm else None,
        "loss": float(loss),
        "grads": {k: tensor(p.grad) for k, p in rnn.named_parameters()},
        "grad_input": tensor(x.grad),
        "grad_h0": tensor(h0.grad),
        "grad_c0": tensor(c0.grad) if lstm else None,
    }
    case["warnings"] = warn_list(caught)
    return case


class Rows(nn.Module):
    def forward(self, x):
        return x.view(x.shape[0], TIME, INPUT)


class Last(nn.Module):
    def forward(self, out):
        return (out[0] if isinstance(out, tuple) else out)[:, -1]


def classifier_case(name, seed):
    cls, extra = CELLS[name]
    args = {"input_size": INPUT, "hidden_size": HIDDEN, "batch_first": True, **extra}
    torch.manual_seed(seed)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = nn.Sequential(Rows(), cls(**args), Last(), nn.Linear(HIDDEN, 3)).double()
        x = torch.randn(BATCH, TIME * INPUT, dtype=torch.float64, requires_grad=True)
        labels = torch.tensor([0, 2, 1])
        logits = model(x)
        loss = nn.CrossEntropyLoss()(logits, labels)
        loss.backward()
    return {
        "name": f"{name}_classifier",
        "cell": name,
        "module": spec(cls, args),
        "model": "Sequential(rows view [batch, time*input] -> [batch, time, input], cell, last step, Linear(hidden, 3))",
        "state_dict": {k: tensor(v) for k, v in model.state_dict().items()},
        "input": tensor(x),
        "labels": labels.tolist(),
        "logits": tensor(logits),
        "loss": float(loss),
        "grads": {k: tensor(p.grad) for k, p in model.named_parameters()},
        "grad_input": tensor(x.grad),
        "warnings": warn_list(caught),
    }


def main(out):
    torch.set_num_threads(1)
    cases = []
    seed = 0
    for name in CELLS:
        for layers in (1, 2):
            for random_state in (False, True):
                cases.append(sequence_case(name, seed, layers, random_state))
                seed += 1
    classifiers = [classifier_case(name, 100 + i) for i, name in enumerate(CELLS)]
    doc = {
        "torch_version": torch.__version__,
        "sizes": {"batch": BATCH, "time": TIME, "input": INPUT, "hidden": HIDDEN},
        "loss": "sum(output * r_output) + sum(h_n * r_h) + sum(c_n * r_c) (LSTM)",
        "cases": cases,
        "classifier_cases": classifiers,
    }
    Path(out).write_text(json.dumps(doc, allow_nan=False) + "\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "src/test/resources/golden/rnn.json")
