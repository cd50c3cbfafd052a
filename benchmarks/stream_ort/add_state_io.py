#!/usr/bin/env python3
"""Re-exports a model the way ONNX Runtime users must for streaming: every forward RNN/GRU/LSTM
gets graph inputs for its initial h (and c) and graph outputs for its final ones, so a host loop
can copy state from one call to the next. Input names: state_h<i>, state_c<i>; outputs
state_h<i>_out, state_c<i>_out (i = recurrent node order).

    /usr/bin/python3 add_state_io.py IN.onnx OUT.onnx
"""
import sys

import onnx
from onnx import TensorProto, helper


def main(src, dst):
    model = onnx.load(src)
    g = model.graph
    k = 0
    for node in g.node:
        if node.op_type not in ("RNN", "GRU", "LSTM"):
            continue
        hidden = next(a.i for a in node.attribute if a.name == "hidden_size")
        layout = next((a.i for a in node.attribute if a.name == "layout"), 0)
        dims = ["N", 1, hidden] if layout else [1, "N", hidden]
        states = ["h", "c"] if node.op_type == "LSTM" else ["h"]
        while len(node.input) < 5 + len(states):
            node.input.append("")
        while len(node.output) < 1 + len(states):
            node.output.append("")
        for s, name in enumerate(states):
            inp = f"state_{name}{k}"
            node.input[5 + s] = inp
            g.input.append(helper.make_tensor_value_info(inp, TensorProto.FLOAT, dims))
            out = node.output[1 + s] or f"{node.name or node.op_type + str(k)}_Y_{name}"
            node.output[1 + s] = out
            ident = f"state_{name}{k}_out"
            g.node.append(helper.make_node("Identity", [out], [ident]))
            g.output.append(helper.make_tensor_value_info(ident, TensorProto.FLOAT, dims))
        k += 1
    onnx.checker.check_model(model)
    onnx.save(model, dst)
    print(f"{dst}: {k} recurrent node(s) with state inputs/outputs")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
