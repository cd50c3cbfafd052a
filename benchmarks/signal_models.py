#!/usr/bin/python3
"""Benchmark models for the signal ops (ops/signal/), for benchmarks/compare_ort:
  stft400.onnx  HannWindow(400) + STFT, hop 160: the 25 ms / 10 ms front end of 16 kHz speech
                models (400 = 2^4 5^2 takes the mixed-radix FFT);
  stft512.onnx  HannWindow(512) + STFT, hop 128 (a power of two: radix 2).
Both take signal [N, time, 1]. tests/exporter_patterns/torch_audio_patterns.py --case stft_lstm
gives a whole torch front end (STFT + mel + LSTM) with the same input naming.

    /usr/bin/python3 benchmarks/signal_models.py --out DIR
    node benchmarks/compare_ort/compare_ort.mjs --seqrt build/seqrt --batch 1,8 --time 16000 DIR/*.onnx
"""
import argparse
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def stft_model(n_fft, hop):
    nodes = [helper.make_node("HannWindow", ["frame_length"], ["window"]),
             helper.make_node("STFT", ["signal", "frame_step", "window", "frame_length"], ["spectrum"])]
    inits = [numpy_helper.from_array(np.array(hop, np.int64), "frame_step"),
             numpy_helper.from_array(np.array(n_fft, np.int64), "frame_length")]
    graph = helper.make_graph(nodes, f"stft{n_fft}", [helper.make_tensor_value_info("signal", TensorProto.FLOAT, ["N", "time", 1])],
                              [helper.make_tensor_value_info("spectrum", TensorProto.FLOAT, ["N", "frames", n_fft // 2 + 1, 2])],
                              inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="seqrt-signal-bench")
    model.ir_version = 8
    return model


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    for n_fft, hop in ((400, 160), (512, 128)):
        onnx.save(stft_model(n_fft, hop), os.path.join(a.out, f"stft{n_fft}.onnx"))


if __name__ == "__main__":
    main()
