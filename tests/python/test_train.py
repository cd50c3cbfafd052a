"""seqrt.train from Python: it learns an easy task, its ONNX export runs in an InferenceSession
and matches an independent numpy forward pass of that export (tests/trainer_numpy_forward.py,
Keras' equations), and the knobs and errors reach the C++ trainer."""
import os
import sys

import numpy as np
import pytest

import seqrt

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from trainer_numpy_forward import numpy_forward  # noqa: E402


def easy_task(n=256, t=8, f=3, seed=0):
    """Class = whether the first feature's sum over time is positive: a GRU learns it quickly."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, t, f))  # float64 on purpose: train converts to float32
    y = (x[:, :, 0].sum(axis=1) > 0).astype(np.int64)
    return x, y


def test_train_learns_and_exports(tmp_path):
    x, y = easy_task()
    seen = []
    model = seqrt.train(x, y, layers="gru:16,dense:2", epochs=15, batch_size=32, learning_rate=0.01, seed=3,
                        on_epoch=seen.append)
    assert isinstance(model, seqrt.TrainedModel)
    assert [s.epoch for s in model.history] == list(range(1, 16)) and [s.epoch for s in seen] == list(range(1, 16))
    assert isinstance(model.history[0], seqrt.EpochStats)
    assert model.history[-1].train_loss < model.history[0].train_loss
    stats = model.evaluate(x, y)
    assert stats.train_accuracy > 0.9 or stats.val_accuracy > 0.9 or model.history[-1].train_accuracy > 0.9
    assert model.parameter_count > 0 and "gru" in model.summary().lower()

    path = tmp_path / "m.onnx"
    model.save(path, opset=14, input_name="x", output_name="y")
    probs = seqrt.InferenceSession(str(path)).run(None, {"x": x.astype(np.float32)})[0]
    independent = numpy_forward(str(path), x.astype(np.float32))
    np.testing.assert_allclose(probs, independent, rtol=1e-4, atol=1e-5)
    # The classifier is right on the easy task (by the independent forward pass).
    assert (independent.argmax(axis=1) == y).mean() > 0.9
    np.testing.assert_allclose(model.predict(x), probs, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(model.session().run(None, {"x": x.astype(np.float32)})[0], probs, rtol=1e-5)
    assert model.to_onnx()[:2] != b""


def test_regression_and_options():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((64, 5, 2)).astype(np.float32)
    y = x[:, -1, :].copy()  # float targets: regression
    model = seqrt.train(x, y, layers="lstm:8,dense:2", epochs=3, batch_size=16, optimizer="sgd", learning_rate=0.05,
                        momentum=0.9, clip_norm=1.0, validation_split=0.25, shuffle=False, seed=2,
                        early_stopping_patience=2, restore_best_weights=True, threads=1, backend="reference")
    assert all(s.has_validation for s in model.history)
    assert model.predict(x).shape == (64, 2)
    assert 1 <= model.best_epoch <= 3


def test_train_errors():
    x, y = easy_task(n=32)
    with pytest.raises(seqrt.InvalidArgument):
        seqrt.train(x, y, layers="lstm:8,banana:3", epochs=1)
    with pytest.raises(seqrt.InvalidArgument):
        seqrt.train(x, y, layers="lstm:8,dense:2", epochs=1, optimizer="rmsprop")
    with pytest.raises(seqrt.InvalidArgument):
        seqrt.train(x, y, layers="lstm:8,dense:2", epochs=1, backend="gpu")
    with pytest.raises(seqrt.InvalidArgument):
        seqrt.train(x[:, :, 0], y, layers="lstm:8,dense:2", epochs=1)  # rank 2
    with pytest.raises(seqrt.InvalidArgument):
        seqrt.train(x, y[:5], layers="lstm:8,dense:2", epochs=1)  # N mismatch


def test_callback_exception_stops_training():
    x, y = easy_task(n=32)

    def boom(stats):
        raise KeyError(f"stop at {stats.epoch}")

    with pytest.raises(KeyError, match="stop at 1"):
        seqrt.train(x, y, layers="rnn:4,dense:2", epochs=5, on_epoch=boom)
