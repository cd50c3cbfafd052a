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
