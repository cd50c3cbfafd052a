"""Bad inputs raise the documented exceptions, with the one-line message the CLI prints."""
import os
import subprocess

import numpy as np
import pytest

import seqrt
from conftest import mlp_model_bytes, unsupported_model_bytes


def test_exception_hierarchy():
    assert issubclass(seqrt.InvalidArgument, ValueError) and issubclass(seqrt.InvalidArgument, seqrt.SeqrtError)
    assert issubclass(seqrt.NoSuchFile, FileNotFoundError)
    assert issubclass(seqrt.NotImplemented, NotImplementedError)
    assert issubclass(seqrt.Fail, RuntimeError)
    assert issubclass(seqrt.ResourceExhausted, MemoryError)
    assert issubclass(seqrt.DeadlineExceeded, TimeoutError)


def one_line(e):
    msg = str(e.value)
    assert msg and "\n" not in msg
    return msg


def test_missing_file():
    with pytest.raises(seqrt.NoSuchFile) as e:
        seqrt.InferenceSession("/nonexistent/model.onnx")
    assert "/nonexistent/model.onnx" in one_line(e)


def test_garbage_model(tmp_path):
    with pytest.raises(seqrt.InvalidArgument) as e:
        seqrt.InferenceSession(b"\x08\xff\xff\xff this is not a model")
    assert "ONNX model" in one_line(e)
    with pytest.raises(seqrt.InvalidArgument):
        seqrt.InferenceSession(str(tmp_path))  # a directory
    with pytest.raises(seqrt.InvalidArgument):
        seqrt.InferenceSession(12)


def test_unsupported_operator():
    with pytest.raises(seqrt.NotImplemented) as e:
        seqrt.InferenceSession(unsupported_model_bytes())
    assert "NoSuchOp" in one_line(e)


@pytest.fixture
def sess():
    return seqrt.InferenceSession(mlp_model_bytes())


def test_wrong_dtype(sess):
    with pytest.raises(seqrt.InvalidArgument) as e:
        sess.run(None, {"x": np.zeros((1, 2, 4), np.float64)})
    msg = one_line(e)
    assert "'x'" in msg and "double" in msg and "float" in msg
    with pytest.raises(ValueError):  # the documented built-in base
        sess.run(None, {"x": np.zeros((1, 2, 4), np.int64)})


def test_wrong_shape(sess):
    with pytest.raises(seqrt.InvalidArgument) as e:
        sess.run(None, {"x": np.zeros((1, 2, 5), np.float32)})
    assert "'x'" in one_line(e)
    with pytest.raises(seqrt.InvalidArgument) as e:
        sess.run(None, {"x": np.zeros((2, 4), np.float32)})
    assert "rank" in one_line(e)


def test_bad_names_and_types(sess):
    x = np.zeros((1, 2, 4), np.float32)
    with pytest.raises(seqrt.InvalidArgument, match="missing input 'x'"):
        sess.run(None, {})
    with pytest.raises(seqrt.InvalidArgument, match="unknown input 'y'"):
        sess.run(None, {"x": x, "y": x})
    with pytest.raises(seqrt.InvalidArgument, match="unknown output 'nope'"):
        sess.run(["nope"], {"x": x})
    with pytest.raises(seqrt.InvalidArgument, match="numpy dtype"):
        sess.run(None, {"x": np.array([["a"]])})
    with pytest.raises(seqrt.InvalidArgument):
        sess.run(None, [x])
    with pytest.raises(seqrt.InvalidArgument):
        sess.run("probs", {"x": x})
    with pytest.raises(seqrt.InvalidArgument):
        sess.run(None, {"x": x}, run_options="fast")
    with pytest.raises(seqrt.InvalidArgument):
        seqrt.InferenceSession(mlp_model_bytes(), sess_options={"threads": 1})
    with pytest.raises(seqrt.InvalidArgument):
        seqrt.InferenceSession(mlp_model_bytes(), providers="CPUExecutionProvider")
    with pytest.raises(seqrt.InvalidArgument):
        sess.plan([(1, 2, 4)])
    with pytest.raises(seqrt.InvalidArgument, match="unknown input"):
        sess.plan({"q": (1, 2, 4)})


def test_session_usable_after_errors(sess):
    for bad in ({"x": np.zeros((1, 2, 5), np.float32)}, {}):
        with pytest.raises(seqrt.InvalidArgument):
            sess.run(None, bad)
    assert sess.run(None, {"x": np.zeros((1, 2, 4), np.float32)})[0].shape == (1, 3)


def test_message_is_the_clis(sess, tmp_path):
    """`seqrt run` prints 'seqrt run: FILE: MESSAGE' for the same bad input (it adds the file the
    input came from); the exception's message is that MESSAGE."""
    cli = os.environ.get("SEQRT_CLI")
    if not cli:
        pytest.fail("SEQRT_CLI is not set (ctest sets it to the seqrt binary)")
    model = tmp_path / "mlp.onnx"
    model.write_bytes(mlp_model_bytes())
    bad = np.zeros((1, 2, 4), np.float64)
    path = str(tmp_path / "bad.npy")
    np.save(path, bad)
    proc = subprocess.run([cli, "run", str(model), "--input", f"x={path}"], capture_output=True, text=True)
    assert proc.returncode == 1, proc.stderr
    cli_line = proc.stderr.strip().splitlines()[-1]
    with pytest.raises(seqrt.InvalidArgument) as e:
        sess.run(None, {"x": bad})
    assert cli_line == f"seqrt run: {path}: {e.value}"
