"""Golden traces of PyTorch's recurrent layers for gradlab's Rnn, Gru and Lstm: the "rnn" family
of bench/golden/generate.py, written to rnn.json (format: src/test/resources/golden/README.md).

    /usr/bin/python3 bench/golden/generate.py rnn

Each case runs nn.RNN (tanh, relu) / nn.GRU / nn.LSTM with batch_first=True on a random input
from explicit initial states (zeros or random) and differentiates
    loss = sum(output * r_output) + sum(h_n * r_h) [+ sum(c_n * r_c)]
for fixed random r_*, so every step's output and the final states carry gradient. The
"classifier" cases run nn.Sequential(rows view, cell, last step, nn.Linear) under
CrossEntropyLoss, as gradlab's Sequential.of(Sequences.rows, cell, LastStep.of(), Dense.of).
"""
import torch
import torch.nn as nn

import common
from common import tensor

FILE = "rnn.json"

BATCH, TIME, INPUT, HIDDEN = 3, 5, 4, 6
CELLS = {
    "rnn_tanh": (nn.RNN, {"nonlinearity": "tanh"}),
    "rnn_relu": (nn.RNN, {"nonlinearity": "relu"}),
    "gru": (nn.GRU, {}),
    "lstm": (nn.LSTM, {}),
}


def spec(cls, args):
    return {"type": cls.__name__, "args": args}


def sequence_case(name, seed, layers, random_state):
    cls, extra = CELLS[name]
    args = {"input_size": INPUT, "hidden_size": HIDDEN, "num_layers": layers, "batch_first": True, **extra}
    torch.manual_seed(seed)

    def run():
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
        return rnn, lstm, x, h0, c0, r_out, r_h, r_c, out, hn, cn, loss

    (rnn, lstm, x, h0, c0, r_out, r_h, r_c, out, hn, cn, loss), caught = common.with_warnings(run)
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
    case["warnings"] = caught
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

    def run():
        model = nn.Sequential(Rows(), cls(**args), Last(), nn.Linear(HIDDEN, 3)).double()
        x = torch.randn(BATCH, TIME * INPUT, dtype=torch.float64, requires_grad=True)
        labels = torch.tensor([0, 2, 1])
        logits = model(x)
        loss = nn.CrossEntropyLoss()(logits, labels)
        loss.backward()
        return model, x, labels, logits, loss

    (model, x, labels, logits, loss), caught = common.with_warnings(run)
    return {
        "name": f"{name}_classifier",
        "cell": name,
        "module": spec(cls, args),
        "model": "Sequential(rows view [batch, time*input] -> [batch, time, input], cell, last step, Linear(hidden, 3))",
        "state_dict": {k: tensor(v) for k, v in model.state_dict().items()},
        **common.classified(model, x, labels, logits, loss),
        "warnings": caught,
    }


def build():
    cases = []
    seed = 0
    for name in CELLS:
        for layers in (1, 2):
            for random_state in (False, True):
                cases.append(sequence_case(name, seed, layers, random_state))
                seed += 1
    doc = common.header("rnn", "torch.nn.RNN (tanh, relu), GRU and LSTM with batch_first=True: outputs at every "
                        "step, final states, loss and every gradient, from zero and random initial states, "
                        "one and two layers; and each cell in a small sequence classifier", "rnn")
    doc["sizes"] = {"batch": BATCH, "time": TIME, "input": INPUT, "hidden": HIDDEN}
    doc["loss"] = "sum(output * r_output) + sum(h_n * r_h) + sum(c_n * r_c) (LSTM)"
    doc["cases"] = cases
    doc["classifier_cases"] = [classifier_case(name, 100 + i) for i, name in enumerate(CELLS)]
    return doc
