"""Two Python threads run one session at once and get the single-threaded answers; the GIL is
released while a run computes (another thread keeps executing Python meanwhile)."""
import sys
import threading

import numpy as np

import seqrt
from conftest import lstm_model_bytes, mlp_model_bytes, mlp_reference


def test_two_threads_one_session():
    sess = seqrt.InferenceSession(mlp_model_bytes())
    rng = np.random.default_rng(11)
    # Different shapes per thread, so the two also plan concurrently.
    xs = [rng.standard_normal((2, 3 + k, 4)).astype(np.float32) for k in range(2)]
    errors = []
    barrier = threading.Barrier(2)

    def work(x):
        try:
            barrier.wait()
            want = mlp_reference(x)[0]
            for _ in range(200):
                np.testing.assert_allclose(sess.run(["probs"], {"x": x})[0], want, rtol=1e-5, atol=1e-6)
        except Exception as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(x,)) for x in xs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


def test_gil_released_during_run():
    """With a switch interval of 100 s, the interpreter does not preempt a thread holding the GIL:
    the main thread can only tick while the worker sits in a run if that run released the GIL."""
    sess = seqrt.InferenceSession(lstm_model_bytes(hidden=256, features=64))
    x = np.random.default_rng(0).standard_normal((3000, 1, 64)).astype(np.float32)
    inside = threading.Event()
    done = threading.Event()
    result = []

    def worker():
        inside.set()
        result.append(sess.run(None, {"x": x})[0])
        done.set()

    old = sys.getswitchinterval()
    sys.setswitchinterval(100.0)
    try:
        t = threading.Thread(target=worker)
        t.start()
        inside.wait()
        ticks = 0
        while not done.wait(0.0005):  # waiting releases the GIL; each wake-up needs it back
            ticks += 1
        t.join()
    finally:
        sys.setswitchinterval(old)
    assert result and result[0].shape == (1, 1, 256)
    assert ticks >= 3, f"the main thread ran only {ticks} times during the run: the GIL was held"
