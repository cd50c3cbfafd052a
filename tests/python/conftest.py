"""Shared fixtures for the Python-module tests (run by ctest with PYTHONPATH pointing at the
build tree's python/ folder, SEQRT_SHARED_DIR at the shared material and SEQRT_CLI at the binary)."""
import os

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

SHARED_DIR = os.environ.get("SEQRT_SHARED_DIR", os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared"))
REAL_DIR = os.path.join(SHARED_DIR, "models", "real")

RNG = np.random.default_rng(7)
W = RNG.standard_normal((4, 3)).astype(np.float32)
B = RNG.standard_normal(3).astype(np.float32)


def mlp_model_bytes():
    """x[N,T,4] -> MatMul+Add -> h[N,T,3]; probs = Softmax(ReduceMean(h over T)) [N,3]; with
    model metadata. Expected values come from numpy (mlp_reference)."""
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", "T", 4])
    h = helper.make_tensor_value_info("h", TensorProto.FLOAT, ["N", "T", 3])
    probs = helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["N", 3])
    nodes = [
        helper.make_node("MatMul", ["x", "W"], ["xw"], name="proj"),
        helper.make_node("Add", ["xw", "B"], ["h"], name="bias"),
        helper.make_node("ReduceMean", ["h"], ["pooled"], name="pool", axes=[1], keepdims=0),
        helper.make_node("Softmax", ["pooled"], ["probs"], name="softmax", axis=-1),
    ]
    inits = [numpy_helper.from_array(W, "W"), numpy_helper.from_array(B, "B")]
    graph = helper.make_graph(nodes, "mlp_graph", [x], [probs, h], inits, doc_string="graph doc")
    model = helper.make_model(graph, producer_name="seqrt-python-test", opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 7
    model.domain = "test.seqrt"
    model.model_version = 3
    model.doc_string = "model doc"
    helper.set_model_props(model, {"author": "tests", "purpose": "metadata"})
    return model.SerializeToString()


def mlp_reference(x):
    h = x.astype(np.float64) @ W + B
    pooled = h.mean(axis=1)
    e = np.exp(pooled - pooled.max(axis=1, keepdims=True))
    return (e / e.sum(axis=1, keepdims=True)).astype(np.float32), h.astype(np.float32)


def unsupported_model_bytes():
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])
    graph = helper.make_graph([helper.make_node("NoSuchOp", ["x"], ["y"], name="mystery")], "bad", [x], [y])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 7
    return model.SerializeToString()


def lstm_model_bytes(hidden=64, features=16):
    """A single LSTM over x[T, 1, F] (sequence-major, as ONNX's LSTM takes it) -> Y_h [1, 1, H]."""
    rng = np.random.default_rng(3)
    Wt = (rng.standard_normal((1, 4 * hidden, features)) * 0.1).astype(np.float32)
    Rt = (rng.standard_normal((1, 4 * hidden, hidden)) * 0.1).astype(np.float32)
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["T", 1, features])
    yh = helper.make_tensor_value_info("y_h", TensorProto.FLOAT, [1, 1, hidden])
    node = helper.make_node("LSTM", ["x", "W", "R"], ["", "y_h"], hidden_size=hidden, name="lstm")
    graph = helper.make_graph([node], "lstm", [x], [yh],
                              [numpy_helper.from_array(Wt, "W"), numpy_helper.from_array(Rt, "R")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)])
    model.ir_version = 7
    return model.SerializeToString()


@pytest.fixture(scope="session")
def mlp_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("models") / "mlp.onnx"
    path.write_bytes(mlp_model_bytes())
    return str(path)


@pytest.fixture(scope="session")
def real_dir():
    if not os.path.isdir(REAL_DIR):
        pytest.fail(f"shared real models are missing: {REAL_DIR} (set SEQRT_SHARED_DIR)")
    return REAL_DIR


def read_pb(path):
    t = onnx.TensorProto()
    with open(path, "rb") as f:
        t.ParseFromString(f.read())
    return t.name, numpy_helper.to_array(t)
