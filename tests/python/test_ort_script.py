"""ort_style_script.py, written for onnxruntime, runs unchanged with seqrt standing in for the
onnxruntime module (`import seqrt as onnxruntime`), and its outputs match the expected ones
(which ONNX Runtime 1.30 produced) on several real models."""
import json
import os
import subprocess
import sys

import pytest

from conftest import REAL_DIR

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = ["silero_vad_silero_vad", "dtln_model_1", "tract_byte_sb_bidi_lstm", "flow_controller_torch_gru_model",
          "water_forecast_lstm_model"]

# The whole of the port: the name `onnxruntime` resolves to seqrt; the script is not edited.
RUNNER = "import sys, runpy, seqrt as onnxruntime; sys.modules['onnxruntime'] = onnxruntime; " \
         "sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')"


@pytest.mark.parametrize("model", MODELS)
def test_script_runs_unchanged(model):
    case = os.path.join(REAL_DIR, model)
    if not os.path.isdir(case):
        pytest.fail(f"shared real model missing: {case}")
    proc = subprocess.run([sys.executable, "-c", RUNNER, os.path.join(HERE, "ort_style_script.py"), case],
                          capture_output=True, text=True, env=os.environ)
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert lines, proc.stdout
    for out in lines:
        assert out["close"], out


def test_script_source_does_not_mention_seqrt():
    with open(os.path.join(HERE, "ort_style_script.py")) as f:
        assert "seqrt" not in f.read().replace("knows nothing of seqrt", "")


ORT_DIR = os.path.join(HERE, "..", "..", "benchmarks", "compare_ort")


def safe(name):
    return "".join(c if c.isalnum() or c in ".-" else "_" for c in name)


@pytest.mark.parametrize("model", ["lstm", "silero_vad_silero_vad", "tract_byte_sb_bidi_lstm", "needle_torch_rnn"])
def test_cross_check_with_onnxruntime_node(model, tmp_path):
    """The same feeds through seqrt (Python) and a live ONNX Runtime (onnxruntime-node from npm,
    benchmarks/compare_ort/ort_runner.mjs): the outputs agree (rtol 1e-3, atol 1e-5)."""
    import shutil
    import numpy as np
    import seqrt
    from conftest import lstm_model_bytes, read_pb
    node = shutil.which("node")
    if not node or not os.path.isdir(os.path.join(ORT_DIR, "node_modules", "onnxruntime-node")):
        pytest.skip("node or onnxruntime-node missing (benchmarks/compare_ort/run.sh installs it): no live ORT check")
    if model == "lstm":
        path = tmp_path / "lstm.onnx"
        path.write_bytes(lstm_model_bytes(hidden=32, features=8))
        feeds = {"x": np.random.default_rng(9).standard_normal((20, 1, 8)).astype(np.float32)}
    else:
        case = os.path.join(REAL_DIR, model)
        path = os.path.join(case, "model.onnx")
        sess = seqrt.InferenceSession(path)
        names = [i.name for i in sess.get_inputs()]
        import glob
        stored = [read_pb(p) for p in sorted(glob.glob(os.path.join(case, "test_data_set_0", "input_*.pb")))]
        feeds = {(n or names[k]): v for k, (n, v) in enumerate(stored)}
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    for name, value in feeds.items():
        np.save(inputs / f"{safe(name)}.npy", value)
    out_dir = tmp_path / "ort_out"
    proc = subprocess.run([node, os.path.join(ORT_DIR, "ort_runner.mjs"), "--model", str(path), "--inputs",
                           str(inputs), "--runs", "1", "--output-dir", str(out_dir)], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    sess = seqrt.InferenceSession(str(path))
    got = sess.run(None, feeds)
    for node_arg, value in zip(sess.get_outputs(), got):
        want = np.load(out_dir / f"{safe(node_arg.name)}.npy")
        assert value.shape == want.shape, node_arg.name
        np.testing.assert_allclose(value, want, rtol=1e-3, atol=1e-5, err_msg=node_arg.name)
