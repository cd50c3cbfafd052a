#!/usr/bin/python3
"""Writes the quickstart's example model: a small Keras-style classifier with fixed seeded
weights (x [N, 40] -> Dense(64, relu) -> Dense(10) -> Softmax), built with onnx.helper."""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def main(path: str) -> None:
    rng = np.random.default_rng(1)
    w1 = rng.normal(0, 0.2, (40, 64)).astype(np.float32)
    b1 = rng.normal(0, 0.1, (64,)).astype(np.float32)
    w2 = rng.normal(0, 0.2, (64, 10)).astype(np.float32)
    b2 = rng.normal(0, 0.1, (10,)).astype(np.float32)
    nodes = [
        helper.make_node("MatMul", ["x", "w1"], ["h1"], name="dense_1/MatMul"),
        helper.make_node("Add", ["h1", "b1"], ["h1b"], name="dense_1/BiasAdd"),
        helper.make_node("Relu", ["h1b"], ["a1"], name="dense_1/Relu"),
        helper.make_node("MatMul", ["a1", "w2"], ["h2"], name="dense_2/MatMul"),
        helper.make_node("Add", ["h2", "b2"], ["logits"], name="dense_2/BiasAdd"),
        helper.make_node("Softmax", ["logits"], ["probs"], name="dense_2/Softmax", axis=-1),
    ]
    graph = helper.make_graph(
        nodes, "mlp_classifier",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 40])],
        [helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["N", 10])],
        [numpy_helper.from_array(a, n) for a, n in ((w1, "w1"), (b1, "b1"), (w2, "w2"), (b2, "b2"))],
    )
    model = helper.make_model(graph, producer_name="seqrt-example",
                              opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, path)


if __name__ == "__main__":
    main(sys.argv[1])
