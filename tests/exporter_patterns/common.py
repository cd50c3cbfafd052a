"""Shared helpers of the exporter-pattern generators: a small graph builder and the writer of
ONNX backend-style test cases (model.onnx + test_data_set_0/{input,output}_K.pb).

Imported by keras_native_patterns.py and torch_patterns.py (run with /usr/bin/python3, which has
Debian's numpy and onnx).
"""
import os

import numpy as np
import onnx
from onnx import helper, numpy_helper

INT32_MAX = 2**31 - 1


class GraphBuilder:
    """Collects nodes and initializers with unique, exporter-like names."""

    def __init__(self, opset):
        self.opset = opset
        self.nodes, self.inits, self.count = [], [], 0

    def fresh(self, base):
        self.count += 1
        return f"{base}:{self.count}"

    def const(self, array, base="const"):
        name = self.fresh(base)
        self.inits.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def ints(self, values, base="const"):
        return self.const(np.array(values, np.int64), base)

    def op(self, op_type, inputs, base=None, nout=1, **attrs):
        base = base or op_type
        outs = [self.fresh(base) for _ in range(nout)]
        self.nodes.append(helper.make_node(op_type, list(inputs), outs, name=self.fresh(base + "/node"), **attrs))
        return outs[0] if nout == 1 else outs

    # Ops whose axes moved from an attribute to an input at opset 13 (Squeeze, Unsqueeze,
    # ReduceSum) or 18 (the other reductions): emit whichever form the opset wants.
    def axes_op(self, op_type, data, axes, base=None, **attrs):
        moved_at = 13 if op_type in ("Squeeze", "Unsqueeze", "ReduceSum") else 18
        if self.opset >= moved_at:
            return self.op(op_type, [data, self.ints(axes, base or op_type)], base, **attrs)
        return self.op(op_type, [data], base, axes=list(axes), **attrs)

    def slice(self, data, starts, ends, axes, base=None):
        return self.op("Slice", [data, self.ints(starts), self.ints(ends), self.ints(axes)], base)

    def finish(self, name, inputs, outputs, producer):
        """inputs/outputs: lists of (name, elem_type, shape with str for symbolic dims)."""
        graph = helper.make_graph(self.nodes, name,
                                  [helper.make_tensor_value_info(*v) for v in inputs],
                                  [helper.make_tensor_value_info(*v) for v in outputs], self.inits)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", self.opset)],
                                  producer_name=producer)
        model.ir_version = 7 if self.opset <= 14 else 8
        onnx.checker.check_model(model, full_check=True)
        return model


def write_case(root, case, model, inputs, outputs):
    """root/case/model.onnx and test_data_set_0. inputs/outputs: lists of (name, ndarray)."""
    folder = os.path.join(root, case)
    data = os.path.join(folder, "test_data_set_0")
    os.makedirs(data, exist_ok=True)
    if isinstance(model, onnx.ModelProto):
        onnx.save(model, os.path.join(folder, "model.onnx"))
    for kind, values in (("input", inputs), ("output", outputs)):
        for k, (name, array) in enumerate(values):
            with open(os.path.join(data, f"{kind}_{k}.pb"), "wb") as f:
                f.write(numpy_helper.from_array(np.ascontiguousarray(array), name).SerializeToString())
    return folder
