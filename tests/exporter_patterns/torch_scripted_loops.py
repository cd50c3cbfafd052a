#!/usr/bin/python3
"""PyTorch recurrent loops written in Python and compiled with torch.jit.script, exported by
torch.onnx.export (Debian's python3-torch 1.13), as backend-style test cases. A scripted
`for t in range(x.size(0))` loop becomes an ONNX Loop, and the Python list it appends to
becomes a sequence carried through the loop: SequenceEmpty before it, SequenceInsert in its
body, then ConcatFromSequence (torch.stack / torch.cat) or SequenceAt / SequenceLength after.

Expected outputs come from the same module run eagerly by PyTorch in float64, never from seqrt.

Usage: torch_scripted_loops.py --out DIR [--case NAME]... [--list]
Writes DIR/torch_script_<name>/{model.onnx, test_data_set_0/}.
"""
import argparse
import copy
import io
import sys
import warnings
from typing import List

import numpy as np
import onnx
import torch
from torch import nn

from common import write_case

T, N, F = 6, 3, 5  # time steps, batch and features of the test inputs (the export uses 4, 2)


class LstmCellLoop(nn.Module):
    """LSTMCell stepped over time; each step's head output appended to a list, stacked at the end."""

    def __init__(self):
        super().__init__()
        self.cell = nn.LSTMCell(F, 8)
        self.head = nn.Linear(8, 4)

    def forward(self, x):
        h = torch.zeros(x.size(1), 8, dtype=x.dtype)
        c = torch.zeros(x.size(1), 8, dtype=x.dtype)
        outs: List[torch.Tensor] = []
        for t in range(x.size(0)):
            h, c = self.cell(x[t], (h, c))
            outs.append(torch.tanh(self.head(h)))
        return torch.stack(outs), h


class GruStepConcat(nn.Module):
    """A GRU step written out with Linear layers (torch cannot export aten::gru_cell), looped
    over time; its hidden states are concatenated along the feature axis (torch.cat), and the
    list is read back by index and by length."""

    def __init__(self):
        super().__init__()
        self.gates_x = nn.Linear(F, 3 * 6)
        self.gates_h = nn.Linear(6, 3 * 6)

    def forward(self, x, h0):
        h = h0
        states: List[torch.Tensor] = []
        for t in range(x.size(0)):
            gx = self.gates_x(x[t])
            gh = self.gates_h(h)
            r = torch.sigmoid(gx[:, 0:6] + gh[:, 0:6])
            z = torch.sigmoid(gx[:, 6:12] + gh[:, 6:12])
            n = torch.tanh(gx[:, 12:18] + r * gh[:, 12:18])
            h = (1.0 - z) * n + z * h
            states.append(h)
        n = torch.tensor([len(states)], dtype=torch.int64)
        return torch.cat(states, dim=1), states[-1] * 2.0, n


def case_lstm_cell_stack(rng):
    inputs = {"x": rng.uniform(-1, 1, (T, N, F)).astype(np.float32)}
    axes = {"x": {0: "time", 1: "batch"}, "y": {0: "time", 1: "batch"}, "h": {0: "batch"}}
    return 13, LstmCellLoop(), inputs, ["y", "h"], axes


def case_gru_step_cat(rng):
    inputs = {"x": rng.uniform(-1, 1, (T, N, F)).astype(np.float32),
              "h0": rng.uniform(-1, 1, (N, 6)).astype(np.float32)}
    axes = {"x": {0: "time", 1: "batch"}, "h0": {0: "batch"}, "states": {0: "batch", 1: "width"},
            "last": {0: "batch"}}
    return 15, GruStepConcat(), inputs, ["states", "last", "count"], axes


CASES = {name[len("case_"):]: fn for name, fn in sorted(globals().items()) if name.startswith("case_")}

SEQUENCE_OPS = {"SequenceEmpty", "SequenceInsert", "ConcatFromSequence", "SequenceAt", "SequenceLength",
                "SequenceConstruct"}


def sequence_ops_in_loops(graph, inside=False):
    """The sequence op types used inside Loop bodies (and outside, with inside=False)."""
    found = set()
    for node in graph.node:
        if node.op_type in SEQUENCE_OPS and inside:
            found.add(node.op_type)
        for a in node.attribute:
            if a.type == onnx.AttributeProto.GRAPH:
                found |= sequence_ops_in_loops(a.g, inside or node.op_type == "Loop")
    return found


def build(name, root):
    seed = sum(map(ord, name)) * 7919
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    opset, module, inputs, output_names, axes = CASES[name](rng)
    module.eval()
    reference = copy.deepcopy(module).double()
    scripted = torch.jit.script(module)
    export_dims = {"batch": 2, "time": 4}
    dummies = []
    for arg, v in inputs.items():
        shape = [export_dims.get(axes.get(arg, {}).get(d), n) for d, n in enumerate(v.shape)]
        dummies.append(torch.zeros(shape).uniform_(-1, 1))
    buf = io.BytesIO()
    torch.onnx.export(scripted, tuple(dummies), buf, input_names=list(inputs), output_names=output_names,
                      dynamic_axes=axes, opset_version=opset)
    model = onnx.load_from_string(buf.getvalue())
    onnx.checker.check_model(model)
    # The point of these cases: the export must carry a list through a Loop.
    if "SequenceInsert" not in sequence_ops_in_loops(model.graph):
        raise SystemExit(f"{name}: torch exported no SequenceInsert inside a Loop; the case tests nothing")
    with torch.no_grad():
        expected = reference(*(torch.from_numpy(v).double() for v in inputs.values()))
    outputs = []
    for n, e in zip(output_names, expected):
        e = e.numpy()
        outputs.append((n, e.astype(np.float32) if e.dtype == np.float64 else e))
    return write_case(root, f"torch_script_{name}", model, list(inputs.items()), outputs)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out")
    ap.add_argument("--case", action="append", choices=sorted(CASES), help="only these cases (default: all)")
    ap.add_argument("--list", action="store_true", help="print the case names and exit")
    a = ap.parse_args()
    if a.list:
        print("\n".join(f"torch_script_{n}" for n in CASES))
        return 0
    if not a.out:
        ap.error("--out is required")
    torch.set_num_threads(1)
    warnings.filterwarnings("ignore", category=UserWarning)
    for name in a.case or CASES:
        build(name, a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
