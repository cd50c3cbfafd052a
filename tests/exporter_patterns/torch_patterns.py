#!/usr/bin/python3
"""PyTorch recurrent models exported by torch.onnx.export itself (Debian's python3-torch 1.13),
as backend-style test cases. Expected outputs come from PyTorch running the same module in
float64, never from seqrt.

Each case is an nn.Module with nn.LSTM / nn.GRU / nn.RNN (1 or 2 layers, batch_first True or
False, one bidirectional per kind) and nn.Linear heads (exported as Gemm on rank 2, MatMul + Add
on rank 3), exported at opsets 13-17 with dynamic batch and time axes, so the graphs carry
what torch emits: initial states built from Shape/Gather/Unsqueeze/Concat/Expand, Transposes
around batch_first layers, per-layer Slice/Squeeze/Concat glue, reordered LSTM gates.

Usage: torch_patterns.py --out DIR [--case NAME]... [--list]
Writes DIR/torch_<name>/{model.onnx, test_data_set_0/}.
"""
import argparse
import io
import sys
import warnings

import numpy as np
import onnx
import torch
from torch import nn

from common import write_case

N, T, F = 3, 6, 7  # batch, time steps and features of the test inputs


class LastStepHead(nn.Module):
    """rnn -> Linear on the last time step (Gemm)."""

    def __init__(self, rnn, classes):
        super().__init__()
        self.rnn = rnn
        width = rnn.hidden_size * (2 if rnn.bidirectional else 1)
        self.head = nn.Linear(width, classes)

    def forward(self, x):
        y, _ = self.rnn(x)
        last = y[:, -1] if self.rnn.batch_first else y[-1]
        return self.head(last)


class SequenceHead(nn.Module):
    """rnn -> Linear on every step (MatMul + Add), plus the final hidden state."""

    def __init__(self, rnn, classes):
        super().__init__()
        self.rnn = rnn
        width = rnn.hidden_size * (2 if rnn.bidirectional else 1)
        self.head = nn.Linear(width, classes)

    def forward(self, x):
        y, h = self.rnn(x)
        return self.head(y), h


class StateHead(nn.Module):
    """rnn -> Linear on the top layer's final hidden state h_n[-1] (Gemm)."""

    def __init__(self, rnn, classes):
        super().__init__()
        self.rnn = rnn
        self.head = nn.Linear(rnn.hidden_size, classes)

    def forward(self, x):
        _, h = self.rnn(x)
        return self.head(h[-1])


class GivenStates(nn.Module):
    """LSTM whose initial (h0, c0) are model inputs; returns the head and both final states."""

    def __init__(self, rnn, classes):
        super().__init__()
        self.rnn = rnn
        self.head = nn.Linear(rnn.hidden_size, classes)

    def forward(self, x, h0, c0):
        y, (h, c) = self.rnn(x, (h0, c0))
        return torch.relu(self.head(y)), h, c


def rnn_input(rng, batch_first):
    shape = (N, T, F) if batch_first else (T, N, F)
    return rng.uniform(-1, 1, shape).astype(np.float32)


# name -> (opset, builder(rng) returning (module, input names, inputs, output names, dynamic axes))
def case_lstm_2layer_batch_first(rng):
    m = LastStepHead(nn.LSTM(F, 12, num_layers=2, batch_first=True), 4)
    return 13, m, {"x": rnn_input(rng, True)}, ["logits"], {"x": {0: "batch", 1: "time"}, "logits": {0: "batch"}}


def case_gru_bidirectional(rng):
    m = SequenceHead(nn.GRU(F, 10, bidirectional=True), 5)
    axes = {"x": {0: "time", 1: "batch"}, "y": {0: "time", 1: "batch"}, "h_n": {1: "batch"}}
    return 14, m, {"x": rnn_input(rng, False)}, ["y", "h_n"], axes


def case_rnn_2layer_batch_first(rng):
    m = StateHead(nn.RNN(F, 16, num_layers=2, batch_first=True), 3)
    return 17, m, {"x": rnn_input(rng, True)}, ["logits"], {"x": {0: "batch", 1: "time"}, "logits": {0: "batch"}}


def case_rnn_relu_bidirectional(rng):
    m = SequenceHead(nn.RNN(F, 9, nonlinearity="relu", bidirectional=True, batch_first=True), 2)
    axes = {"x": {0: "batch", 1: "time"}, "y": {0: "batch", 1: "time"}, "h_n": {1: "batch"}}
    return 16, m, {"x": rnn_input(rng, True)}, ["y", "h_n"], axes


def case_lstm_bidirectional_2layer(rng):
    m = LastStepHead(nn.LSTM(F, 8, num_layers=2, bidirectional=True), 6)
    return 15, m, {"x": rnn_input(rng, False)}, ["logits"], {"x": {0: "time", 1: "batch"}, "logits": {0: "batch"}}


def case_gru_2layer(rng):
    m = StateHead(nn.GRU(F, 12, num_layers=2, batch_first=True), 4)
    return 13, m, {"x": rnn_input(rng, True)}, ["logits"], {"x": {0: "batch", 1: "time"}, "logits": {0: "batch"}}


def case_lstm_given_states(rng):
    m = GivenStates(nn.LSTM(F, 11), 3)
    inputs = {"x": rnn_input(rng, False), "h0": rng.uniform(-1, 1, (1, N, 11)).astype(np.float32),
              "c0": rng.uniform(-1, 1, (1, N, 11)).astype(np.float32)}
    axes = {"x": {0: "time", 1: "batch"}, "h0": {1: "batch"}, "c0": {1: "batch"}, "y": {0: "time", 1: "batch"},
            "h_n": {1: "batch"}, "c_n": {1: "batch"}}
    return 15, m, inputs, ["y", "h_n", "c_n"], axes


CASES = {name[len("case_"):]: fn for name, fn in sorted(globals().items()) if name.startswith("case_")}


def flatten(outputs):
    if isinstance(outputs, torch.Tensor):
        return [outputs]
    flat = []
    for o in outputs:
        flat += flatten(o)
    return flat


def build(name, root):
    # one generator per case, seeded by its name, so a case does not change when others are added
    seed = sum(map(ord, name)) * 7919
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    opset, module, inputs, output_names, axes = CASES[name](rng)
    module.eval()
    args = tuple(torch.from_numpy(v) for v in inputs.values())
    # Exported with another batch and length than the test data, so the test also checks that
    # the dynamic axes really are dynamic in what torch emits.
    export_dims = {"batch": 2, "time": 4}
    dummies = []
    for arg, v in inputs.items():
        shape = [export_dims.get(axes.get(arg, {}).get(d), n) for d, n in enumerate(v.shape)]
        dummies.append(torch.zeros(shape).uniform_(-1, 1))
    buf = io.BytesIO()
    torch.onnx.export(module, tuple(dummies), buf, input_names=list(inputs), output_names=output_names,
                      dynamic_axes=axes, opset_version=opset)
    model = onnx.load_from_string(buf.getvalue())
    onnx.checker.check_model(model)
    with torch.no_grad():
        expected = flatten(module.double()(*(a.double() for a in args)))
    folder = write_case(root, f"torch_{name}", model, list(inputs.items()),
                        [(n, e.numpy().astype(np.float32)) for n, e in zip(output_names, expected)])
    return folder


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out")
    ap.add_argument("--case", action="append", choices=sorted(CASES), help="only these cases (default: all)")
    ap.add_argument("--list", action="store_true", help="print the case names and exit")
    a = ap.parse_args()
    if a.list:
        print("\n".join(f"torch_{n}" for n in CASES))
        return 0
    if not a.out:
        ap.error("--out is required")
    torch.set_num_threads(1)
    # torch warns that exports without given initial states may fix the batch size; the test
    # data's batch differs from the export's, so that would be caught, not hidden.
    warnings.filterwarnings("ignore", category=UserWarning)
    for name in a.case or CASES:
        build(name, a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
