#!/usr/bin/python3
"""The signal ops (ops/signal/: DFT, STFT, Hann/Hamming/BlackmanWindow, MelWeightMatrix) on
the forms the ONNX node tests of onnx 1.12 leave out: DFT-20 with its axis input, onesided,
dft_length padding and truncation, negative axes, prime lengths (Bluestein), double and
float16; complex STFT; windows in other dtypes; mel matrices of realistic sizes. Expected
outputs come from numpy (np.fft, the spec's window and mel equations written out here), never
from seqrt. Each case is a backend-style folder run with `seqrt test`; bad inputs must fail
with a one-line error naming the node.

    SEQRT_CLI=build/seqrt /usr/bin/python3 tests/signal_ops_test.py
"""
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

SEQRT = os.environ.get("SEQRT_CLI", "")
NP_TO_ONNX = {np.float32: TensorProto.FLOAT, np.float64: TensorProto.DOUBLE, np.float16: TensorProto.FLOAT16,
              np.int64: TensorProto.INT64, np.int32: TensorProto.INT32, np.uint8: TensorProto.UINT8}


def write_case(root, name, node, opset, inputs, outputs, inits=()):
    """inputs/outputs/inits: lists of (name, array). Graph value types come from the arrays."""
    folder = os.path.join(root, name)
    os.makedirs(os.path.join(folder, "test_data_set_0"))
    vi = lambda n, a: helper.make_tensor_value_info(n, NP_TO_ONNX[a.dtype.type], a.shape)
    graph = helper.make_graph([node], name, [vi(n, a) for n, a in inputs], [vi(n, a) for n, a in outputs],
                              [numpy_helper.from_array(np.array(a, order="C"), n) for n, a in inits])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    onnx.save(model, os.path.join(folder, "model.onnx"))
    for kind, values in (("input", inputs), ("output", outputs)):
        for k, (n, a) in enumerate(values):
            with open(os.path.join(folder, "test_data_set_0", f"{kind}_{k}.pb"), "wb") as f:
                f.write(numpy_helper.from_array(np.array(a, order="C"), n).SerializeToString())
    return folder


def run_seqrt(folder, rtol="1e-4", atol="1e-5", threads=1):
    return subprocess.run([SEQRT, "test", "--rtol", rtol, "--atol", atol, "-x", str(threads), folder],
                          capture_output=True, text=True)


def as_pairs(z, dtype):
    return np.stack([z.real, z.imag], axis=-1).astype(dtype)


def window(kind, size, periodic):
    a0, a1, a2 = {"hann": (0.5, 0.5, 0.0), "hamming": (25 / 46, 21 / 46, 0.0), "blackman": (0.42, 0.5, 0.08)}[kind]
    n = np.arange(size, dtype=np.float64)
    period = size if periodic else size - 1
    if period == 0:
        return np.ones(size)
    return a0 - a1 * np.cos(2 * np.pi * n / period) + a2 * np.cos(4 * np.pi * n / period)


def mel_matrix(bands, dft_length, sample_rate, lower, upper):
    """The spec's MelWeightMatrix definition: num_mel_bins + 2 edges evenly spaced in mel with
    step (mel(upper) - mel(lower)) / (num_mel_bins + 2), mapped to bins
    floor((dft_length + 1) * hz / sample_rate); triangles rising to 1 at the centre edge."""
    mel = lambda f: 2595 * np.log10(1 + f / 700)
    step = (mel(upper) - mel(lower)) / (bands + 2)
    hz = 700 * (10 ** ((np.arange(bands + 2) * step + mel(lower)) / 2595) - 1)
    edge = np.floor((dft_length + 1) * hz / sample_rate).astype(np.int64)
    out = np.zeros((dft_length // 2 + 1, bands))
    for i in range(bands):
        left, centre, right = edge[i], edge[i + 1], edge[i + 2]
        if centre == left:
            out[centre, i] = 1
        else:
            for j in range(left, centre + 1):
                out[j, i] = (j - left) / (centre - left)
        for j in range(centre, right):
            out[j, i] = (right - j) / (right - centre)
    return out


class SignalCases(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not SEQRT:
            raise unittest.SkipTest("SEQRT_CLI is not set")
        cls.tmp = tempfile.TemporaryDirectory(prefix="seqrt_signal_")
        cls.rng = np.random.default_rng(20)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def check(self, name, node, opset, inputs, outputs, rtol="1e-4", atol="1e-5", threads=1, inits=()):
        folder = write_case(self.tmp.name, name, node, opset, inputs, outputs, inits)
        r = run_seqrt(folder, rtol, atol, threads)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("1 passed, 0 failed", r.stdout + r.stderr)

    def check_error(self, name, node, opset, inputs, outputs, words):
        folder = write_case(self.tmp.name, name, node, opset, inputs, outputs)
        r = run_seqrt(folder)
        text = r.stdout + r.stderr
        self.assertNotIn("1 passed", text)
        for w in words:
            self.assertIn(w, text)

    def signal(self, shape, dtype=np.float32):
        return self.rng.uniform(-1, 1, shape).astype(dtype)

    # ---- DFT ----
    def test_dft20_axis_input_negative_onesided_padded(self):
        x = self.signal((2, 3, 12, 1))
        y = np.fft.rfft(x[..., 0], n=20, axis=2)
        node = helper.make_node("DFT", ["x", "len", "axis"], ["y"], onesided=1)
        self.check("dft20_neg_axis_onesided_pad", node, 20,
                   [("x", x), ("len", np.array(20, np.int64)), ("axis", np.array(-2, np.int64))], [("y", as_pairs(y, np.float32))])

    def test_dft20_default_axis_is_last_signal_axis(self):
        x = self.signal((2, 5, 7, 2))
        y = np.fft.fft(x[..., 0] + 1j * x[..., 1], axis=2)
        self.check("dft20_default_axis", helper.make_node("DFT", ["x"], ["y"]), 20, [("x", x)],
                   [("y", as_pairs(y, np.float32))])

    def test_dft20_inverse_truncated_axis0(self):
        x = self.signal((9, 4, 2))
        y = np.fft.ifft(x[:6, :, 0] + 1j * x[:6, :, 1], axis=0)
        node = helper.make_node("DFT", ["x", "len", "axis"], ["y"], inverse=1)
        self.check("dft20_inverse_truncated", node, 20,
                   [("x", x), ("len", np.array(6, np.int32)), ("axis", np.array(0, np.int64))], [("y", as_pairs(y, np.float32))])

    def test_dft17_prime_length_onesided_double(self):
        x = self.signal((3, 4, 31, 1), np.float64)
        y = np.fft.rfft(x[..., 0], axis=2)
        node = helper.make_node("DFT", ["x"], ["y"], axis=2, onesided=1)
        self.check("dft17_prime_onesided_double", node, 17, [("x", x)], [("y", as_pairs(y, np.float64))],
                   rtol="1e-12", atol="1e-12")

    def test_dft17_audio_length_float16(self):
        x = self.signal((2, 400, 1), np.float16)
        y = np.fft.fft(x[..., 0].astype(np.float64), axis=1)
        self.check("dft17_400_float16", helper.make_node("DFT", ["x"], ["y"], axis=1), 17, [("x", x)],
                   [("y", as_pairs(y, np.float16))], rtol="2e-3", atol="2e-2")

    def test_dft17_inverse_of_real_lines_odd_count(self):
        # Real lines are transformed two at a time; three lines leave one alone.
        x = self.signal((3, 10, 1))
        y = np.fft.ifft(x[..., 0], axis=1)
        self.check("dft17_inverse_real_odd", helper.make_node("DFT", ["x"], ["y"], axis=1, inverse=1), 17, [("x", x)],
                   [("y", as_pairs(y, np.float32))])

    def test_dft_rejects_onesided_complex(self):
        x = self.signal((1, 8, 2))
        self.check_error("dft_onesided_complex", helper.make_node("DFT", ["x"], ["y"], onesided=1), 17, [("x", x)],
                         [("y", np.zeros((1, 5, 2), np.float32))], ["DFT node", "onesided=1 needs a real input"])

    def test_dft_rejects_axis_on_complex_pair(self):
        x = self.signal((1, 8, 1))
        self.check_error("dft_bad_axis", helper.make_node("DFT", ["x"], ["y"], axis=2), 17, [("x", x)],
                         [("y", np.zeros((1, 8, 2), np.float32))], ["DFT node", "axis 2 is outside"])

    def test_dft_rejects_absurd_length(self):
        x = self.signal((1, 8, 1))
        node = helper.make_node("DFT", ["x", "len"], ["y"])
        self.check_error("dft_absurd_length", node, 17, [("x", x), ("len", np.array(1 << 40, np.int64))],
                         [("y", np.zeros((1, 8, 2), np.float32))], ["DFT node", "must be in [1, 4194304]"])

    # ---- STFT ----
    def test_stft_complex_two_sided_with_window_and_length(self):
        x = self.signal((2, 100, 2))
        w = window("hamming", 24, True).astype(np.float32)
        z = x[..., 0].astype(np.float64) + 1j * x[..., 1]
        frames = (100 - 24) // 10 + 1
        y = np.stack([np.fft.fft(z[:, f * 10:f * 10 + 24] * w, axis=1) for f in range(frames)], axis=1)
        node = helper.make_node("STFT", ["x", "step", "w", "len"], ["y"], onesided=0)
        self.check("stft_complex_two_sided", node, 17,
                   [("x", x), ("step", np.array(10, np.int64)), ("w", w), ("len", np.array(24, np.int64))],
                   [("y", as_pairs(y, np.float32))])

    def test_stft_odd_frame_no_window(self):
        x = self.signal((1, 50, 1), np.float64)
        frames = (50 - 15) // 7 + 1
        y = np.stack([np.fft.rfft(x[:, f * 7:f * 7 + 15, 0], axis=1) for f in range(frames)], axis=1)
        node = helper.make_node("STFT", ["x", "step", "", "len"], ["y"])
        self.check("stft_odd_frame", node, 17, [("x", x), ("step", np.array(7, np.int32)), ("len", np.array(15, np.int32))],
                   [("y", as_pairs(y, np.float64))], rtol="1e-12", atol="1e-12")

    def test_stft_constant_step_and_window_runtime_frame_length(self):
        # The window and step fix the output at load time; frame_length arrives with the data.
        x = self.signal((1, 64, 1))
        w = window("blackman", 16, False).astype(np.float32)
        frames = (64 - 16) // 6 + 1
        y = np.stack([np.fft.rfft(x[:, f * 6:f * 6 + 16, 0] * w, axis=1) for f in range(frames)], axis=1)
        node = helper.make_node("STFT", ["x", "step", "w", "len"], ["y"])
        self.check("stft_runtime_frame_length", node, 17, [("x", x), ("len", np.array(16, np.int64))],
                   [("y", as_pairs(y, np.float32))], inits=[("step", np.array(6, np.int64)), ("w", w)])

    def test_stft_rejects_short_signal(self):
        x = self.signal((1, 10, 1))
        node = helper.make_node("STFT", ["x", "step", "", "len"], ["y"])
        self.check_error("stft_short", node, 17, [("x", x), ("step", np.array(4, np.int64)), ("len", np.array(16, np.int64))],
                         [("y", np.zeros((1, 1, 9, 2), np.float32))], ["STFT node", "shorter than one frame"])

    def test_transforms_split_over_two_threads(self):
        # Large enough that DFT and STFT spread their lines over the session's threads (each
        # thread with its own scratch slot); an odd number of real lines leaves one alone.
        x = self.signal((2, 64001, 1))
        w = window("hann", 400, True).astype(np.float32)
        frames = (64001 - 400) // 160 + 1
        y = np.stack([np.fft.rfft(x[:, f * 160:f * 160 + 400, 0] * w, axis=1) for f in range(frames)], axis=1)
        self.check("stft_two_threads", helper.make_node("STFT", ["x", "step", "w"], ["y"]), 17,
                   [("x", x), ("step", np.array(160, np.int64)), ("w", w)], [("y", as_pairs(y, np.float32))], threads=2)
        x = self.signal((3, 257, 341, 1))
        y = np.fft.fft(x[..., 0], axis=1)
        self.check("dft_two_threads", helper.make_node("DFT", ["x"], ["y"], axis=1), 17, [("x", x)],
                   [("y", as_pairs(y, np.float32))], threads=2)

    # ---- windows ----
    def test_windows_in_other_dtypes(self):
        for kind, op in (("hann", "HannWindow"), ("hamming", "HammingWindow"), ("blackman", "BlackmanWindow")):
            for periodic in (1, 0):
                size = 33
                node = helper.make_node(op, ["n"], ["w"], periodic=periodic, output_datatype=TensorProto.DOUBLE)
                self.check(f"{kind}_{periodic}_double", node, 17, [("n", np.array(size, np.int64))],
                           [("w", window(kind, size, periodic))], rtol="1e-12", atol="1e-12")
        node = helper.make_node("HannWindow", ["n"], ["w"], output_datatype=TensorProto.UINT8)
        self.check("hann_uint8", node, 17, [("n", np.array(8, np.int32))],
                   [("w", window("hann", 8, True).astype(np.uint8))])
        node = helper.make_node("HammingWindow", ["n"], ["w"], periodic=0)
        self.check("hamming_one_point", node, 17, [("n", np.array(1, np.int32))], [("w", np.ones(1, np.float32))])

    # ---- MelWeightMatrix ----
    def test_mel_weight_matrix_speech_sizes(self):
        args = (40, 512, 16000, 20.0, 8000.0)
        node = helper.make_node("MelWeightMatrix", ["bins", "len", "rate", "lo", "hi"], ["m"],
                                output_datatype=TensorProto.DOUBLE)
        self.check("mel_40_512_double", node, 17,
                   [("bins", np.array(40, np.int64)), ("len", np.array(512, np.int64)), ("rate", np.array(16000, np.int64)),
                    ("lo", np.array(20.0, np.float32)), ("hi", np.array(8000.0, np.float32))],
                   [("m", mel_matrix(*args))], rtol="1e-12", atol="1e-12")

    def test_mel_weight_matrix_rejects_edge_past_nyquist(self):
        node = helper.make_node("MelWeightMatrix", ["bins", "len", "rate", "lo", "hi"], ["m"])
        self.check_error("mel_past_nyquist", node, 17,
                         [("bins", np.array(8, np.int32)), ("len", np.array(16, np.int32)), ("rate", np.array(8000, np.int32)),
                          ("lo", np.array(0.0, np.float32)), ("hi", np.array(16000.0, np.float32))],
                         [("m", np.zeros((9, 8), np.float32))], ["MelWeightMatrix node", "past the last of the 9 bins"])


if __name__ == "__main__":
    unittest.main()
