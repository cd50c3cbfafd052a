#!/usr/bin/python3
"""An independent numpy implementation of ONNX RNN / GRU / LSTM, and a generator of random
backend-style test cases (model.onnx + test_data_set_0/{input,output}_K.pb) from it.

Run with Debian's python (it has numpy and onnx):
    /usr/bin/python3 tests/recurrent_spec.py --seed 1 --count 240 --out /tmp/rec_cases

This file deliberately shares no structure with seqrt's C++ reference kernel: it works on
whole batches with matrix products, handles sequence_lens with masks, and runs the reverse
direction by reversing each row's valid prefix (ONNX ReverseSequence semantics), running
forward, and reversing back. Expected values are computed in float64.

Semantics chosen where the ONNX text is silent (same choices as seqrt, documented there):
  * clip bounds the input of every gate activation (after bias and peephole terms), not Ct
    before h (ONNX Runtime does the same);
  * input_forget=1 couples the gates as ft = 1 - it;
  * activation_alpha / activation_beta are consumed in order by the functions that take
    that parameter; missing values take the ONNX operator defaults;
  * a row with sequence_lens == 0 keeps its initial state in Y_h / Y_c; Y is 0 past a
    row's length.
"""

import argparse
import json
import os
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto

# name -> (uses alpha, uses beta, default alpha, default beta, function of (x, alpha, beta))
ACTIVATIONS = {
    "Relu": (False, False, 0.0, 0.0, lambda x, a, b: np.maximum(x, 0.0)),
    "Tanh": (False, False, 0.0, 0.0, lambda x, a, b: np.tanh(x)),
    "Sigmoid": (False, False, 0.0, 0.0, lambda x, a, b: 0.5 * (1.0 + np.tanh(0.5 * x))),
    "Affine": (True, True, 1.0, 0.0, lambda x, a, b: a * x + b),
    "LeakyRelu": (True, False, 0.01, 0.0, lambda x, a, b: np.where(x >= 0, x, a * x)),
    "ThresholdedRelu": (True, False, 1.0, 0.0, lambda x, a, b: np.where(x > a, x, 0.0)),
    "ScaledTanh": (True, True, 1.0, 1.0, lambda x, a, b: a * np.tanh(b * x)),
    "HardSigmoid": (True, True, 0.2, 0.5, lambda x, a, b: np.clip(a * x + b, 0.0, 1.0)),
    "Elu": (True, False, 1.0, 0.0, lambda x, a, b: np.where(x >= 0, x, a * np.expm1(np.minimum(x, 0.0)))),
    "Softsign": (False, False, 0.0, 0.0, lambda x, a, b: x / (1.0 + np.abs(x))),
    "Softplus": (False, False, 0.0, 0.0, lambda x, a, b: np.logaddexp(0.0, x)),
}
GATES = {"RNN": 1, "GRU": 3, "LSTM": 4}
FUNCS_PER_DIR = {"RNN": 1, "GRU": 2, "LSTM": 3}
DEFAULT_FUNCS = {"RNN": ["Tanh"], "GRU": ["Sigmoid", "Tanh"], "LSTM": ["Sigmoid", "Tanh", "Tanh"]}


def resolve_activations(cfg):
    """List (per direction) of callables, from the attributes as a model would carry them."""
    ndir = 2 if cfg["direction"] == "bidirectional" else 1
    names = cfg.get("activations") or DEFAULT_FUNCS[cfg["op"]] * ndir
    if ndir == 2 and len(names) == FUNCS_PER_DIR[cfg["op"]]:
        names = names * 2
    alphas = list(cfg.get("activation_alpha") or [])
    betas = list(cfg.get("activation_beta") or [])
    funcs = []
    for name in names:
        canon = next(k for k in ACTIVATIONS if k.lower() == name.lower())
        uses_a, uses_b, da, db, fn = ACTIVATIONS[canon]
        a = alphas.pop(0) if (uses_a and alphas) else da
        b = betas.pop(0) if (uses_b and betas) else db
        funcs.append(lambda x, fn=fn, a=a, b=b: fn(x, a, b))
    k = FUNCS_PER_DIR[cfg["op"]]
    return [funcs[d * k:(d + 1) * k] for d in range(ndir)]


def reverse_prefixes(x, lens):
    """x: [T, N, ...]; reverses each row's first lens[n] steps (ONNX ReverseSequence)."""
    out = x.copy()
    for n, L in enumerate(lens):
        out[:L, n] = x[:L, n][::-1]
    return out


def run_direction(cfg, x, w, r, wb, rb, p, h0, c0, lens, funcs, dt):
    """One forward pass over time-major x [T, N, I]. Returns Y [T, N, H], h_last, c_last."""
    T, N, _ = x.shape
    H = r.shape[1]
    op = cfg["op"]
    clip = cfg.get("clip")
    cl = (lambda v: np.clip(v, -clip, clip)) if clip is not None else (lambda v: v)
    h, c = h0.copy(), c0.copy()
    ys = np.zeros((T, N, H), dtype=dt)
    for t in range(T):
        active = (t < lens)[:, None]  # rows still inside their sequence
        xw = x[t] @ w.T + wb          # [N, G*H]
        if op == "RNN":
            (f,) = funcs
            h_new = f(cl(xw + h @ r.T + rb))
            c_new = c
        elif op == "GRU":
            f, g = funcs
            rz, rr, rh = r[:H], r[H:2 * H], r[2 * H:]
            z = f(cl(xw[:, :H] + h @ rz.T + rb[:H]))
            rt = f(cl(xw[:, H:2 * H] + h @ rr.T + rb[H:2 * H]))
            if cfg.get("linear_before_reset", 0):
                hh = g(cl(xw[:, 2 * H:] + rt * (h @ rh.T + rb[2 * H:])))
            else:
                hh = g(cl(xw[:, 2 * H:] + (rt * h) @ rh.T + rb[2 * H:]))
            h_new = (1.0 - z) * hh + z * h
            c_new = c
        else:
            f, g, hf = funcs
            gates = xw + h @ r.T + rb
            gi, go, gf, gc = (gates[:, k * H:(k + 1) * H] for k in range(4))
            pi, po, pf = p[:H], p[H:2 * H], p[2 * H:]
            i = f(cl(gi + pi * c))
            fg = 1.0 - i if cfg.get("input_forget", 0) else f(cl(gf + pf * c))
            c_new = fg * c + i * g(cl(gc))
            o = f(cl(go + po * c_new))
            h_new = o * hf(c_new)
        h = np.where(active, h_new, h)
        c = np.where(active, c_new, c)
        ys[t] = np.where(active, h_new, 0.0)
    return ys, h, c


def reference(cfg, inputs, dt):
    """Evaluates the node in dtype dt. inputs: dict name -> array as stored in the model."""
    op = cfg["op"]
    G = GATES[op]
    batch_major = cfg.get("layout", 0) == 1
    X = inputs["X"].astype(dt)
    if batch_major:
        X = X.transpose(1, 0, 2)
    T, N, _ = X.shape
    W, R = inputs["W"].astype(dt), inputs["R"].astype(dt)
    D, H = W.shape[0], R.shape[2]
    B = inputs["B"].astype(dt) if "B" in inputs else np.zeros((D, 2 * G * H), dt)
    lens = inputs["sequence_lens"].astype(np.int64) if "sequence_lens" in inputs else np.full(N, T)

    def state(name):
        if name not in inputs:
            return np.zeros((D, N, H), dt)
        s = inputs[name].astype(dt)
        return s.transpose(1, 0, 2) if batch_major else s

    H0, C0 = state("initial_h"), state("initial_c")
    P = inputs["P"].astype(dt) if "P" in inputs else np.zeros((D, 3 * H), dt)
    funcs = resolve_activations(cfg)
    Y = np.zeros((T, D, N, H), dt)
    Yh = np.zeros((D, N, H), dt)
    Yc = np.zeros((D, N, H), dt)
    for d in range(D):
        backward = cfg["direction"] == "reverse" or d == 1
        xd = reverse_prefixes(X, lens) if backward else X
        ys, h, c = run_direction(cfg, xd, W[d], R[d], B[d, :G * H], B[d, G * H:], P[d],
                                 H0[d], C0[d], lens, funcs[d], dt)
        Y[:, d] = reverse_prefixes(ys, lens) if backward else ys
        Yh[d], Yc[d] = h, c
    if batch_major:
        return {"Y": Y.transpose(2, 0, 1, 3), "Y_h": Yh.transpose(1, 0, 2), "Y_c": Yc.transpose(1, 0, 2)}
    return {"Y": Y, "Y_h": Yh, "Y_c": Yc}


# ---------------------------------------------------------------------------------------
# Random configurations

EXOTIC_RANGES = {  # (alpha range, beta range) for drawn parameters; keeps states bounded
    "Affine": ((0.5, 1.2), (-0.5, 0.5)),
    "LeakyRelu": ((0.01, 0.5), None),
    "ThresholdedRelu": ((0.0, 1.0), None),
    "ScaledTanh": ((0.5, 1.5), (0.5, 2.0)),
    "HardSigmoid": ((0.1, 0.5), (0.3, 0.7)),
    "Elu": ((0.5, 1.5), None),
}


def random_config(rng):
    op = str(rng.choice(["RNN", "GRU", "LSTM"]))
    cfg = {"op": op,
           "direction": str(rng.choice(["forward", "reverse", "bidirectional"])),
           "layout": int(rng.random() < 0.4),
           "dtype": "double" if rng.random() < 0.2 else "float",
           "N": int(rng.integers(1, 8)), "T": int(rng.integers(1, 21)),
           "I": int(rng.integers(1, 65)), "H": int(rng.integers(1, 65))}
    cfg["opset"] = 14 if cfg["layout"] else int(rng.choice([7, 14, 17]))
    ndir = 2 if cfg["direction"] == "bidirectional" else 1
    k = FUNCS_PER_DIR[op]
    if rng.random() < 0.5:
        names, alphas, betas = [], [], []
        per_dir = rng.random() < 0.7  # else one list shared by both directions
        for _ in range(k * (ndir if per_dir else 1)):
            name = str(rng.choice(sorted(ACTIVATIONS)))
            names.append(name if rng.random() < 0.8 else name.lower())
            ranges = EXOTIC_RANGES.get(name)
            if ranges:
                alphas.append(float(rng.uniform(*ranges[0])))
                if ranges[1]:
                    betas.append(float(rng.uniform(*ranges[1])))
        cfg["activations"] = names
        # Values are consumed in order by the functions that take them; a list that stops
        # early (or is absent) leaves the later functions at their ONNX defaults.
        for key, values in (("activation_alpha", alphas), ("activation_beta", betas)):
            keep = len(values) if rng.random() < 0.7 else int(rng.integers(0, len(values) + 1))
            if keep:
                cfg[key] = values[:keep]
    if rng.random() < 0.3:
        cfg["clip"] = float(rng.uniform(0.3, 5.0))
    if op == "LSTM" and rng.random() < 0.25:
        cfg["input_forget"] = 1
    if op == "GRU":
        cfg["linear_before_reset"] = int(rng.random() < 0.5)
    cfg["hidden_size_attr"] = rng.random() < 0.85
    cfg["has_B"] = rng.random() < 0.75
    cfg["has_lens"] = rng.random() < 0.4
    cfg["has_h0"] = rng.random() < 0.5
    cfg["has_c0"] = op == "LSTM" and rng.random() < 0.5
    cfg["has_P"] = op == "LSTM" and rng.random() < 0.4
    outs = ["Y", "Y_h", "Y_c"][:3 if op == "LSTM" else 2]
    if rng.random() < 0.6:
        cfg["outputs"] = outs
    else:
        mask = rng.random(len(outs)) < 0.5
        if not mask.any():
            mask[rng.integers(len(outs))] = True
        cfg["outputs"] = [o for o, m in zip(outs, mask) if m]
    cfg["symbolic_dims"] = rng.random() < 0.3
    return cfg


def random_inputs(cfg, rng):
    op, N, T, I, H = cfg["op"], cfg["N"], cfg["T"], cfg["I"], cfg["H"]
    G = GATES[op]
    D = 2 if cfg["direction"] == "bidirectional" else 1
    sw, sr = 1.0 / np.sqrt(I), 1.0 / np.sqrt(H)
    u = lambda shape, s: rng.uniform(-s, s, size=shape)
    x_shape = (N, T, I) if cfg["layout"] else (T, N, I)
    st_shape = (N, D, H) if cfg["layout"] else (D, N, H)
    inputs = {"X": u(x_shape, 1.0), "W": u((D, G * H, I), sw), "R": u((D, G * H, H), sr)}
    if cfg["has_B"]:
        inputs["B"] = u((D, 2 * G * H), 0.5)
    if cfg["has_lens"]:
        lens = rng.integers(1, T + 1, size=N)
        if rng.random() < 0.15:
            lens[rng.integers(N)] = 0
        inputs["sequence_lens"] = lens.astype(np.int32)
    if cfg["has_h0"]:
        inputs["initial_h"] = u(st_shape, 1.0)
    if cfg["has_c0"]:
        inputs["initial_c"] = u(st_shape, 1.0)
    if cfg["has_P"]:
        inputs["P"] = u((D, 3 * H), 0.5)
    dt = np.float64 if cfg["dtype"] == "double" else np.float32
    return {k: (v if k == "sequence_lens" else v.astype(dt)) for k, v in inputs.items()}


def well_conditioned(cfg, inputs, expected):
    """True when float32 evaluation (numpy's own summation order) stays well inside the test
    tolerance of the float64 result, so any correct float32 kernel can pass; rejects cases
    on a discontinuity (ThresholdedRelu at its threshold) or with cancellation blow-up."""
    if cfg["dtype"] == "double":
        return all(np.isfinite(v).all() for v in expected.values())
    with np.errstate(all="ignore"):
        f32 = reference(cfg, inputs, np.float32)
    for name in cfg["outputs"]:
        want, got = expected[name], f32[name].astype(np.float64)
        if not np.isfinite(want).all() or np.abs(want).max(initial=0) > 1e4:
            return False
        if not (np.abs(got - want) <= 2e-6 + 2e-6 * np.abs(want)).all():
            return False
    return True


# ---------------------------------------------------------------------------------------
# Writing backend-style cases

INPUT_ORDER = ["X", "W", "R", "B", "sequence_lens", "initial_h", "initial_c", "P"]


def build_model(cfg, inputs, expected):
    op = cfg["op"]
    elem = TensorProto.DOUBLE if cfg["dtype"] == "double" else TensorProto.FLOAT
    node_inputs = [name if name in inputs else "" for name in INPUT_ORDER[:8 if op == "LSTM" else 6]]
    while node_inputs and node_inputs[-1] == "":
        node_inputs.pop()
    outs = ["Y", "Y_h", "Y_c"][:3 if op == "LSTM" else 2]
    node_outputs = [o if o in cfg["outputs"] else "" for o in outs]
    while node_outputs and node_outputs[-1] == "":
        node_outputs.pop()
    attrs = {"direction": cfg["direction"]}
    if cfg["hidden_size_attr"]:
        attrs["hidden_size"] = cfg["H"]
    for key in ("activations", "activation_alpha", "activation_beta", "clip", "input_forget",
                "linear_before_reset"):
        if key in cfg:
            attrs[key] = cfg[key]
    if cfg["opset"] >= 14 and (cfg["layout"] or "layout_explicit" in cfg):
        attrs["layout"] = cfg["layout"]
    node = helper.make_node(op, node_inputs, node_outputs, name="rec", **attrs)

    def info(name, arr):
        shape = list(arr.shape)
        if cfg["symbolic_dims"] and name == "X":
            shape = ["batch", "seq", shape[2]] if cfg["layout"] else ["seq", "batch", shape[2]]
        et = TensorProto.INT32 if name == "sequence_lens" else elem
        return helper.make_tensor_value_info(name, et, shape)

    graph = helper.make_graph(
        [node], f"{op.lower()}_spec",
        [info(n, inputs[n]) for n in INPUT_ORDER if n in inputs],
        [helper.make_tensor_value_info(o, elem, [None] * expected[o].ndim if cfg["symbolic_dims"]
                                       else list(expected[o].shape)) for o in cfg["outputs"]])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", cfg["opset"])],
                              producer_name="seqrt-recurrent-spec")
    model.ir_version = 7
    onnx.checker.check_model(model)
    return model


def write_case(path, cfg, inputs, expected):
    os.makedirs(os.path.join(path, "test_data_set_0"), exist_ok=True)
    with open(os.path.join(path, "model.onnx"), "wb") as f:
        f.write(build_model(cfg, inputs, expected).SerializeToString())
    data = os.path.join(path, "test_data_set_0")
    for k, name in enumerate(n for n in INPUT_ORDER if n in inputs):
        t = numpy_helper.from_array(inputs[name], name)
        with open(os.path.join(data, f"input_{k}.pb"), "wb") as f:
            f.write(t.SerializeToString())
    dt = np.float64 if cfg["dtype"] == "double" else np.float32
    for k, name in enumerate(cfg["outputs"]):
        t = numpy_helper.from_array(expected[name].astype(dt), name)
        with open(os.path.join(data, f"output_{k}.pb"), "wb") as f:
            f.write(t.SerializeToString())
    with open(os.path.join(path, "config.json"), "w") as f:
        json.dump(cfg, f, indent=1, sort_keys=True)


def self_check():
    """Sanity checks of the spec itself against hand-derived values."""
    # One-step RNN with identity-like weights: Y = tanh(x*w + h0*r + wb + rb).
    cfg = {"op": "RNN", "direction": "forward", "layout": 0}
    ins = {"X": np.array([[[0.5]]]), "W": np.array([[[2.0]]]), "R": np.array([[[3.0]]]),
           "B": np.array([[0.1, 0.2]]), "initial_h": np.array([[[0.25]]])}
    out = reference(cfg, ins, np.float64)
    assert np.isclose(out["Y"][0, 0, 0, 0], np.tanh(0.5 * 2 + 0.25 * 3 + 0.3))
    # Reverse direction with lengths equals forward on the reversed valid prefix.
    rng = np.random.default_rng(0)
    cfg = {"op": "GRU", "direction": "reverse", "layout": 0, "linear_before_reset": 1}
    ins = {"X": rng.normal(size=(5, 2, 3)), "W": rng.normal(size=(1, 12, 3)) * 0.3,
           "R": rng.normal(size=(1, 12, 4)) * 0.3, "sequence_lens": np.array([5, 3])}
    rev = reference(cfg, ins, np.float64)
    fwd_ins = dict(ins, X=ins["X"][:3, 1:2][::-1], sequence_lens=np.array([3]))
    fwd = reference(dict(cfg, direction="forward"), fwd_ins, np.float64)
    assert np.allclose(rev["Y_h"][0, 1], fwd["Y_h"][0, 0])
    assert np.allclose(rev["Y"][:3, 0, 1], fwd["Y"][::-1, 0, 0])
    assert np.all(rev["Y"][3:, 0, 1] == 0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count", type=int, default=240)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    self_check()
    rng = np.random.default_rng(args.seed)
    written = rejected = 0
    while written < args.count:
        cfg = random_config(rng)
        inputs = random_inputs(cfg, rng)
        with np.errstate(all="ignore"):
            expected = reference(cfg, inputs, np.float64)
        if not well_conditioned(cfg, inputs, expected):
            rejected += 1
            continue
        name = f"case_{written:04d}_{cfg['op'].lower()}_{cfg['direction'][:3]}"
        write_case(os.path.join(args.out, name), cfg, inputs, expected)
        written += 1
    print(f"wrote {written} cases to {args.out} ({rejected} ill-conditioned draws rejected)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
