"""A script written against onnxruntime's Python API, the way ONNX Runtime is typically used:
options, a session, introspection of inputs, feeds built from the declared shapes, run for all
outputs and for one named output. It knows nothing of seqrt.

    ort_style_script.py MODEL_DIR   prints a JSON line per output: name, shape, max |diff| vs expected
"""
import glob
import json
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import numpy_helper


def load_pb(path):
    t = onnx.TensorProto()
    with open(path, "rb") as f:
        t.ParseFromString(f.read())
    return t.name, numpy_helper.to_array(t)


def main(case):
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.log_severity_level = 3
    providers = [p for p in ["CUDAExecutionProvider", "CPUExecutionProvider"] if p in ort.get_available_providers()]
    sess = ort.InferenceSession(os.path.join(case, "model.onnx"), sess_options=so, providers=providers)
    meta = sess.get_modelmeta()
    print(f"# producer {meta.producer_name!r}, graph {meta.graph_name!r}, providers {sess.get_providers()}",
          file=sys.stderr)

    inputs = [load_pb(p) for p in sorted(glob.glob(os.path.join(case, "test_data_set_0", "input_*.pb")))]
    feeds = {}
    for k, node in enumerate(sess.get_inputs()):
        name, value = inputs[k] if k < len(inputs) else (None, None)
        for n, v in inputs:  # by name when the files carry names
            if n == node.name:
                value = v
        # The declared shape: ints are fixed, strings are symbolic dims.
        assert len(node.shape) == value.ndim, (node.name, node.shape, value.shape)
        for want, got in zip(node.shape, value.shape):
            assert not isinstance(want, int) or want == got, (node.name, node.shape, value.shape)
        assert node.type.startswith("tensor(")
        feeds[node.name] = value

    outputs = sess.run(None, feeds)
    first = sess.get_outputs()[0].name
    (only_first,) = sess.run([first], feeds)
    assert np.array_equal(only_first, outputs[0], equal_nan=True)

    expected = [load_pb(p) for p in sorted(glob.glob(os.path.join(case, "test_data_set_0", "output_*.pb")))]
    names = [o.name for o in sess.get_outputs()]
    for k, (name, want) in enumerate(expected):
        got = outputs[names.index(name) if name in names else k]
        diff = float(np.max(np.abs(got.astype(np.float64) - want.astype(np.float64)))) if want.size else 0.0
        close = bool(np.allclose(got, want, rtol=1e-3, atol=1e-5, equal_nan=True))
        print(json.dumps({"name": name, "shape": list(got.shape), "dtype": str(got.dtype),
                          "max_abs_diff": diff, "close": close}))


if __name__ == "__main__":
    main(sys.argv[1])
