"""The real exported models of shared/models/real through InferenceSession(...).run(None, feeds):
outputs match the expected ones stored beside them (produced by ONNX Runtime 1.30; rtol 1e-3,
atol 1e-5 as SOURCES.md says). Tensors are read with onnx's numpy_helper, not seqrt."""
import glob
import os

import numpy as np
import pytest

import seqrt
from conftest import REAL_DIR, read_pb

CASES = sorted(d for d in glob.glob(os.path.join(REAL_DIR, "*")) if os.path.isfile(os.path.join(d, "model.onnx")))


def test_real_models_present():
    assert len(CASES) >= 27, f"expected the 27 real models in {REAL_DIR}, found {len(CASES)}"


def load_case(case):
    data = os.path.join(case, "test_data_set_0")
    inputs = [read_pb(p) for p in sorted(glob.glob(os.path.join(data, "input_*.pb")))]
    outputs = [read_pb(p) for p in sorted(glob.glob(os.path.join(data, "output_*.pb")))]
    return inputs, outputs


@pytest.mark.parametrize("case", CASES, ids=[os.path.basename(c) for c in CASES])
def test_real_model(case):
    sess = seqrt.InferenceSession(os.path.join(case, "model.onnx"))
    inputs, expected = load_case(case)
    names = [i.name for i in sess.get_inputs()]
    feeds = {(name or names[k]): value for k, (name, value) in enumerate(inputs)}
    got = sess.run(None, feeds)
    out_names = [o.name for o in sess.get_outputs()]
    assert len(got) == len(out_names)
    for k, (name, want) in enumerate(expected):
        index = out_names.index(name) if name in out_names else k
        actual = got[index]
        assert actual.dtype == want.dtype, f"{out_names[index]}: dtype {actual.dtype}, expected {want.dtype}"
        assert actual.shape == want.shape, f"{out_names[index]}: shape {actual.shape}, expected {want.shape}"
        np.testing.assert_allclose(actual, want, rtol=1e-3, atol=1e-5, err_msg=out_names[index])
