#!/usr/bin/env python3
"""An independent numpy forward pass of models exported by `seqrt train`, compared with seqrt.

The exported ONNX graph is walked node by node; recurrent nodes are evaluated with Keras'
documented equations after mapping the ONNX W/R/B back to Keras' kernel / recurrent_kernel /
bias layouts (LSTM gates i,f,c,o; GRU z,r,h; reset_after = linear_before_reset). Nothing here
comes from seqrt's C++. Then `seqrt run` (the Session API) runs the same model on the same
input, and the outputs must agree to 1e-5.

Usage: trainer_numpy_forward.py [--keep DIR]   (SEQRT_CLI names the seqrt binary)
"""
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import numpy_helper

# ONNX gate slot -> Keras gate index.
GATE_MAP = {"LSTM": [0, 3, 1, 2], "GRU": [0, 1, 2], "RNN": [0]}


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def keras_weights(op, W, R, B, d):
    """ONNX W [D,G*H,F], R [D,G*H,H], B [D,2*G*H] -> Keras kernel [F,G*H], recurrent [H,G*H], biases."""
    gmap = GATE_MAP[op]
    G = len(gmap)
    H = R.shape[2]
    kernel = np.zeros((W.shape[2], G * H))
    rec = np.zeros((H, G * H))
    b_in = np.zeros(G * H)
    b_rec = np.zeros(G * H)
    for g_onnx, g_keras in enumerate(gmap):
        rows = slice(g_onnx * H, (g_onnx + 1) * H)
        cols = slice(g_keras * H, (g_keras + 1) * H)
        kernel[:, cols] = W[d, rows, :].T
        rec[:, cols] = R[d, rows, :].T
        b_in[cols] = B[d, rows]
        b_rec[cols] = B[d, G * H:][rows]
    return kernel, rec, b_in, b_rec


def keras_layer(op, attrs, x, kernel, rec, b_in, b_rec, reverse):
    """One direction over x [T, N, F] (time-major). Returns the states [T, N, H] in natural order."""
    T, N, _ = x.shape
    H = rec.shape[0]
    h = np.zeros((N, H))
    c = np.zeros((N, H))
    out = np.zeros((T, N, H))
    steps = range(T - 1, -1, -1) if reverse else range(T)
    for t in steps:
        xt = x[t]
        if op == "RNN":
            # SimpleRNN: h = activation(x·kernel + h·recurrent_kernel + bias)
            a = xt @ kernel + h @ rec + b_in + b_rec
            h = np.tanh(a) if attrs["activations"][0] == b"Tanh" else np.maximum(a, 0)
        elif op == "LSTM":
            # LSTM: z = x·W + h·U + b split i,f,c,o; c = f*c + i*tanh(z_c); h = o*tanh(c)
            z = xt @ kernel + h @ rec + b_in + b_rec
            i, f, g, o = (z[:, k * H:(k + 1) * H] for k in range(4))
            c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
            h = sigmoid(o) * np.tanh(c)
        else:
            xz = xt @ kernel + b_in
            if attrs.get("linear_before_reset", 0):
                # reset_after=True: recurrent part (with its own bias) is computed before the reset gate.
                hz = h @ rec + b_rec
                z = sigmoid(xz[:, :H] + hz[:, :H])
                r = sigmoid(xz[:, H:2 * H] + hz[:, H:2 * H])
                hh = np.tanh(xz[:, 2 * H:] + r * hz[:, 2 * H:])
            else:
                # reset_after=False: the reset gate scales h before the candidate's recurrent kernel.
                z = sigmoid(xz[:, :H] + h @ rec[:, :H] + b_rec[:H])
                r = sigmoid(xz[:, H:2 * H] + h @ rec[:, H:2 * H] + b_rec[H:2 * H])
                hh = np.tanh(xz[:, 2 * H:] + (r * h) @ rec[:, 2 * H:] + b_rec[2 * H:])
            h = z * h + (1 - z) * hh
        out[t] = h
    return out


def numpy_forward(model_path, x):
    model = onnx.load(model_path)
    g = model.graph
    env = {g.input[0].name: x.astype(np.float64)}
    for init in g.initializer:
        arr = numpy_helper.to_array(init)
        env[init.name] = arr.astype(np.float64) if arr.dtype == np.float32 else arr
    for node in g.node:
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
        ins = [env[n] if n else None for n in node.input]
        op = node.op_type
        if op == "Transpose":
            outs = [np.transpose(ins[0], attrs["perm"])]
        elif op == "Squeeze":
            outs = [np.squeeze(ins[0], axis=tuple(int(a) for a in ins[1]))]
        elif op == "Reshape":
            shape = [ins[0].shape[i] if s == 0 else int(s) for i, s in enumerate(ins[1])]
            outs = [ins[0].reshape(shape)]
        elif op == "MatMul":
            outs = [ins[0] @ ins[1]]
        elif op == "Add":
            outs = [ins[0] + ins[1]]
        elif op == "Relu":
            outs = [np.maximum(ins[0], 0)]
        elif op == "Softmax":
            e = np.exp(ins[0] - ins[0].max(axis=-1, keepdims=True))
            outs = [e / e.sum(axis=-1, keepdims=True)]
        elif op in GATE_MAP:
            X, W, R, B = ins[:4]
            D = W.shape[0]
            ys = []
            for d in range(D):
                kernel, rec, b_in, b_rec = keras_weights(op, W, R, B, d)
                ys.append(keras_layer(op, attrs, X, kernel, rec, b_in, b_rec, reverse=(d == 1)))
            Y = np.stack(ys, axis=1)  # [T, D, N, H]
            Y_h = np.stack([ys[0][-1]] + ([ys[1][0]] if D == 2 else []), axis=0)
            outs = [Y, Y_h]
        else:
            raise SystemExit(f"numpy forward: unexpected op {op} in the export")
        for name, val in zip(node.output, outs):
            if name:
                env[name] = val
    return env[g.output[0].name]


CASES = [
    # (name, layers, classification?, opset)
    ("lstm", "lstm:8,dense:4", True, 13),
    ("gru", "gru:8,dense:4", True, 13),
    ("gru_v1", "gru-v1:6,dense:4", True, 14),
    ("rnn_tanh", "rnn:6,dense:4", True, 13),
    ("rnn_relu", "rnn-relu:6,dense:4", True, 15),
    ("bilstm_stack", "bilstm:5,gru:4,dense-relu:6,dense:4", True, 13),
    ("bigru_birnn", "bigru:4,birnn:3,dense:4", True, 17),
    ("regression", "lstm:6,dense:3", False, 13),
]


def make_data(rng, n, t, f, classes):
    x = rng.standard_normal((n, t, f)).astype(np.float32)
    y = (rng.integers(0, 4, size=n).astype(np.int64) if classes
         else rng.standard_normal((n, 3)).astype(np.float32))
    return x, y


def train_case(cli, work, name, layers, classes, opset, seed=0):
    rng = np.random.default_rng(seed)
    x, y = make_data(rng, 96, 12, 3, classes)
    np.save(os.path.join(work, "x.npy"), x)
    np.save(os.path.join(work, "y.npy"), y)
    model = os.path.join(work, f"{name}.onnx")
    subprocess.run([cli, "train", "--x", os.path.join(work, "x.npy"), "--y", os.path.join(work, "y.npy"),
                    "--layers", layers, "--epochs", "3", "--batch", "16", "--lr", "0.02", "--seed", "3",
                    "--opset", str(opset), "--out", model, "-q"], check=True, stdout=subprocess.DEVNULL)
    return model


def run_seqrt(cli, work, model, x, tag):
    xp = os.path.join(work, f"in_{tag}.npy")
    np.save(xp, x)
    out_dir = os.path.join(work, f"out_{tag}")
    subprocess.run([cli, "run", model, "--input", f"x={xp}", "--output-dir", out_dir, "--output-format", "npy"],
                   check=True, stdout=subprocess.DEVNULL)
    return np.load(os.path.join(out_dir, "y.npy"))


def main():
    cli = os.environ.get("SEQRT_CLI")
    if not cli:
        raise SystemExit("trainer_numpy_forward.py: set SEQRT_CLI to the seqrt binary")
    keep = sys.argv[sys.argv.index("--keep") + 1] if "--keep" in sys.argv else None
    work = keep or tempfile.mkdtemp(prefix="seqrt_trainer_np_")
    os.makedirs(work, exist_ok=True)
    worst = 0.0
    failures = []
    for name, layers, classes, opset in CASES:
        model = train_case(cli, work, name, layers, classes, opset)
        for n, t in ((7, 12), (2, 31)):
            x = np.random.default_rng(n * 100 + t).standard_normal((n, t, 3)).astype(np.float32)
            ref = numpy_forward(model, x)
            got = run_seqrt(cli, work, model, x, f"{name}_{n}_{t}")
            if got.shape != ref.shape:
                failures.append(f"{name}: shape {got.shape} vs numpy {ref.shape}")
                continue
            err = float(np.max(np.abs(got.astype(np.float64) - ref)))
            worst = max(worst, err)
            print(f"{name:14s} opset {opset} N={n} T={t}: max |seqrt - numpy| = {err:.2e}")
            if err > 1e-5:
                failures.append(f"{name} N={n} T={t}: max error {err:.2e} > 1e-5")
    print(f"worst error {worst:.2e}")
    if failures:
        print("FAILED:\n  " + "\n  ".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
