"""Every public call of the seqrt module on a small model whose outputs numpy computes."""
import os
import subprocess
import json

import numpy as np
import pytest

import seqrt
from conftest import mlp_model_bytes, mlp_reference, lstm_model_bytes


def test_module_level():
    assert seqrt.get_available_providers() == ["CPUExecutionProvider"]
    assert seqrt.get_all_providers() == ["CPUExecutionProvider"]
    assert seqrt.get_device() == "CPU"
    assert seqrt.__version__.count(".") == 2
    for name in seqrt.__all__:
        assert hasattr(seqrt, name), name


def test_enums_have_onnxruntime_names_and_values():
    L = seqrt.GraphOptimizationLevel
    assert (L.ORT_DISABLE_ALL, L.ORT_ENABLE_BASIC, L.ORT_ENABLE_EXTENDED, L.ORT_ENABLE_ALL) == (0, 1, 2, 99)
    assert seqrt.ExecutionMode.ORT_SEQUENTIAL == 0 and seqrt.ExecutionMode.ORT_PARALLEL == 1


def test_session_options():
    so = seqrt.SessionOptions()
    assert so.intra_op_num_threads == 0 and so.inter_op_num_threads == 0
    assert so.graph_optimization_level == seqrt.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.intra_op_num_threads = 2
    so.inter_op_num_threads = 1
    so.graph_optimization_level = seqrt.GraphOptimizationLevel.ORT_DISABLE_ALL
    so.execution_mode = seqrt.ExecutionMode.ORT_SEQUENTIAL
    so.log_severity_level = 3
    so.logid = "test"
    assert so.intra_op_num_threads == 2
    with pytest.raises(seqrt.InvalidArgument):
        so.intra_op_num_threads = -1
    with pytest.raises(seqrt.InvalidArgument):
        so.graph_optimization_level = 7
    with pytest.raises(AttributeError):
        so.enable_profiling = True  # not offered: seqrt would not honour it


def test_run_options(mlp_path):
    ro = seqrt.RunOptions()
    ro.log_severity_level = 3
    ro.logid = "r"
    with pytest.raises(AttributeError):
        ro.only_execute_path_to_fetches = True  # not offered
    sess = seqrt.InferenceSession(mlp_path)
    x = np.ones((1, 2, 4), np.float32)
    assert sess.run(None, {"x": x}, ro)[0].shape == (1, 3)
    ro.terminate = True
    with pytest.raises(seqrt.Cancelled):
        sess.run(None, {"x": x}, ro)
    ro.terminate = False
    assert sess.run(None, {"x": x}, ro)[0].shape == (1, 3)
    ro.timeout_seconds = 60
    assert sess.run(None, {"x": x}, ro)[0].shape == (1, 3)
    ro.timeout_seconds = 1e-9  # already past when the first node is checked
    with pytest.raises(seqrt.DeadlineExceeded):
        sess.run(None, {"x": x}, ro)
    ro.timeout_seconds = 0  # none again
    assert sess.run(None, {"x": x}, ro)[0].shape == (1, 3)
    with pytest.raises(seqrt.InvalidArgument):
        ro.timeout_seconds = -1


def test_session_option_extras(mlp_path):
    so = seqrt.SessionOptions()
    so.max_memory_bytes = 1 << 30
    sess = seqrt.InferenceSession(mlp_path, so)
    assert sess.run(None, {"x": np.ones((1, 2, 4), np.float32)})[0].shape == (1, 3)
    so.max_memory_bytes = 16  # far below what the plan needs
    with pytest.raises(seqrt.ResourceExhausted):
        seqrt.InferenceSession(mlp_path, so).run(None, {"x": np.ones((1, 64, 4), np.float32)})


def test_session_option_isa(mlp_path):
    x = np.random.default_rng(1).standard_normal((2, 5, 4)).astype(np.float32)
    want_probs, want_h = mlp_reference(x)
    so = seqrt.SessionOptions()
    so.isa = "baseline"  # runs on any x86-64, so on every test machine
    probs, h = seqrt.InferenceSession(mlp_path, so).run(None, {"x": x})
    np.testing.assert_allclose(probs, want_probs, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(h, want_h, rtol=1e-5, atol=1e-5)
    so.isa = "sse9"
    with pytest.raises(seqrt.InvalidArgument, match="not one of auto, avx512, avx2, baseline"):
        seqrt.InferenceSession(mlp_path, so)
    so.isa = 3
    with pytest.raises(seqrt.InvalidArgument):
        seqrt.InferenceSession(mlp_path, so)


def test_inference_session_from_path_and_bytes(mlp_path):
    x = np.random.default_rng(0).standard_normal((2, 5, 4)).astype(np.float32)
    want_probs, want_h = mlp_reference(x)
    for source in (mlp_path, mlp_model_bytes(), bytearray(mlp_model_bytes())):
        sess = seqrt.InferenceSession(source)
        probs, h = sess.run(None, {"x": x})
        np.testing.assert_allclose(probs, want_probs, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(h, want_h, rtol=1e-5, atol=1e-5)
    import pathlib
    seqrt.InferenceSession(pathlib.Path(mlp_path))


def test_run_output_selection(mlp_path):
    sess = seqrt.InferenceSession(mlp_path)
    x = np.ones((1, 2, 4), np.float32)
    probs, h = sess.run(None, {"x": x})
    assert len(sess.run([], {"x": x})) == 2  # empty list: all, as in onnxruntime
    (only_h,) = sess.run(["h"], {"x": x})
    np.testing.assert_array_equal(only_h, h)
    h2, p2 = sess.run(["h", "probs"], {"x": x})
    np.testing.assert_array_equal(p2, probs)
    a, b = sess.run(["h", "h"], {"x": x})
    np.testing.assert_array_equal(a, b)
    assert a is not b and a.ctypes.data != b.ctypes.data


def test_run_with_options(mlp_path):
    so = seqrt.SessionOptions()
    so.intra_op_num_threads = 1
    so.graph_optimization_level = seqrt.GraphOptimizationLevel.ORT_DISABLE_ALL
    sess = seqrt.InferenceSession(mlp_path, so, providers=["CPUExecutionProvider"])
    assert sess.get_session_options() is so
    x = np.random.default_rng(1).standard_normal((3, 2, 4)).astype(np.float32)
    (probs,) = sess.run(["probs"], {"x": x}, seqrt.RunOptions())
    np.testing.assert_allclose(probs, mlp_reference(x)[0], rtol=1e-5, atol=1e-6)


def test_introspection(mlp_path):
    sess = seqrt.InferenceSession(mlp_path)
    (inp,) = sess.get_inputs()
    assert (inp.name, inp.type, inp.shape) == ("x", "tensor(float)", ["N", "T", 4])
    assert [(o.name, o.type, o.shape) for o in sess.get_outputs()] == [
        ("probs", "tensor(float)", ["N", 3]), ("h", "tensor(float)", ["N", "T", 3])]
    assert "NodeArg(name='x'" in repr(inp)
    assert [i.name for i in sess.get_overridable_initializers()] == []
    assert sess.get_providers() == ["CPUExecutionProvider"]
    assert sess.get_provider_options() == {"CPUExecutionProvider": {}}
    sess.set_providers(["CPUExecutionProvider"])
    sess.disable_fallback()
    sess.enable_fallback()


def test_modelmeta(mlp_path):
    meta = seqrt.InferenceSession(mlp_path).get_modelmeta()
    assert meta.producer_name == "seqrt-python-test"
    assert meta.graph_name == "mlp_graph"
    assert meta.graph_description == "graph doc"
    assert meta.domain == "test.seqrt"
    assert meta.description == "model doc"
    assert meta.version == 3
    assert meta.custom_metadata_map == {"author": "tests", "purpose": "metadata"}


def test_other_providers_warn_and_run_on_cpu(mlp_path):
    with pytest.warns(UserWarning, match="CUDAExecutionProvider"):
        sess = seqrt.InferenceSession(mlp_path, providers=["CUDAExecutionProvider", "CPUExecutionProvider"])
    assert sess.get_providers() == ["CPUExecutionProvider"]
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the CPU provider, in ORT's tuple form, warns about nothing
        seqrt.InferenceSession(mlp_path, providers=[("CPUExecutionProvider", {"arena_extend_strategy": "x"})])


def test_zero_copy_input_and_conversions(mlp_path):
    sess = seqrt.InferenceSession(mlp_path)
    x = np.random.default_rng(2).standard_normal((2, 6, 4)).astype(np.float32)
    want = sess.run(None, {"x": x})[0]
    # Non-contiguous, Fortran-ordered and big-endian arrays are converted once, same result.
    np.testing.assert_array_equal(sess.run(None, {"x": np.asfortranarray(x)})[0], want)
    big = np.zeros((2, 12, 4), np.float32)
    big[:, ::2] = x
    np.testing.assert_array_equal(sess.run(None, {"x": big[:, ::2]})[0], want)
    np.testing.assert_array_equal(sess.run(None, {"x": x.astype(">f4")})[0], want)
    # Lists take the model's dtype.
    np.testing.assert_allclose(sess.run(None, {"x": x.tolist()})[0], want, rtol=1e-6)
    # The input is not modified, and outputs are writable arrays of their own.
    before = x.copy()
    out = sess.run(None, {"x": x})[0]
    np.testing.assert_array_equal(x, before)
    out[...] = 0
    assert out.flags.writeable and out.flags.c_contiguous


def test_plan_matches_cli(mlp_path):
    sess = seqrt.InferenceSession(mlp_path)
    plan = sess.plan({"x": (2, 5, 4)})
    assert isinstance(plan, seqrt.Plan)
    assert [n.op_type for n in plan.nodes] == ["MatMul", "Add", "ReduceMean", "Softmax"]
    assert all(isinstance(n, seqrt.PlannedNode) and n.kernel for n in plan.nodes)
    assert plan.arena_bytes <= plan.naive_bytes + sum(n.scratch_bytes for n in plan.nodes)
    for v in plan.values:
        assert isinstance(v, seqrt.PlannedValue)
        assert v.first_step <= v.last_step
        if v.offset >= 0:
            assert v.offset + v.bytes <= plan.arena_bytes
    assert "Plan(4 nodes" in repr(plan)
    cli = os.environ.get("SEQRT_CLI")
    if cli:
        out = subprocess.run([cli, "info", mlp_path, "--plan", "--shape", "x=2x5x4", "--json"], check=True,
                             capture_output=True, text=True).stdout
        info = json.loads(out)
        text = json.dumps(info)
        assert str(plan.arena_bytes) in text
        for n in plan.nodes:
            assert n.kernel in text


def test_lstm_matches_numpy():
    """ONNX LSTM equations in numpy (default activations, no bias, zero initial state)."""
    sess = seqrt.InferenceSession(lstm_model_bytes(hidden=8, features=3))
    import onnx
    from onnx import numpy_helper
    m = onnx.load_from_string(lstm_model_bytes(hidden=8, features=3))
    Wt, Rt = (numpy_helper.to_array(i).astype(np.float64) for i in m.graph.initializer)
    x = np.random.default_rng(5).standard_normal((7, 1, 3)).astype(np.float32)
    h = np.zeros((1, 8))
    c = np.zeros((1, 8))
    sig = lambda v: 1 / (1 + np.exp(-v))
    for t in range(7):
        g = x[t] @ Wt[0].T + h @ Rt[0].T
        i, o, f, cc = np.split(g, 4, axis=1)  # ONNX gate order i, o, f, c
        c = sig(f) * c + sig(i) * np.tanh(cc)
        h = sig(o) * np.tanh(c)
    (y_h,) = sess.run(None, {"x": x})
    np.testing.assert_allclose(y_h[0], h, rtol=1e-4, atol=1e-5)


def test_open_stream_follows_the_build():
    """open_stream binds Session::OpenStream when the library has it (seqrt/stream.h), and says
    so plainly when it does not."""
    from conftest import lstm_model_bytes
    import seqrt._seqrt as core
    sess = seqrt.InferenceSession(lstm_model_bytes(hidden=4, features=3))
    if not core._has_stream:
        with pytest.raises(seqrt.NotImplemented, match="no streaming"):
            sess.open_stream()
        return
    # Streaming the sequence in two chunks gives the full run's final state.
    x = np.random.default_rng(4).standard_normal((10, 1, 3)).astype(np.float32)
    (full,) = sess.run(None, {"x": x})
    stream = sess.open_stream()
    assert isinstance(stream, seqrt.Stream) and stream.info["time_input"] == "x"
    stream.run(None, {"x": x[:6]})
    (last,) = stream.run(None, {"x": x[6:]})
    assert stream.steps_seen == 10
    np.testing.assert_allclose(last, full, rtol=1e-4, atol=1e-5)
    stream.reset()
    assert stream.steps_seen == 0
