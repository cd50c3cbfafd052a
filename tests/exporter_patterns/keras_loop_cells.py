#!/usr/bin/python3
"""Builds Keras GRU and LSTM test models as tf2onnx leaves them in a Loop, plus expected outputs.

tf2onnx rewrites the Keras GRU/LSTM cells it recognises into native ONNX ops; the rest stay an
ONNX Loop running the cell's ops per step (see ../shared/notes/exporters.md). The bodies below
follow the real exports in ../shared/models/real (water_forecast_*: Keras 3 GRU, reset_after=True;
quant_sentinel_lstm*: Keras 3 LSTM): weights carried through the Loop, the GRU bias [2, 3H]
unstacked with Split + Squeeze, x.K + b split into gates, h.R sliced per gate with Slice, the LSTM
pre-activation as Gemm(x_t, K, Squeeze(h.R)) + b, the stop condition `iter < T and t + 1 < T`
on float casts. GRU reset_after=False follows Keras' cell: h.R[:, :2H] for z and r, then
(r * h).R[:, 2H:] for the candidate.

Expected outputs come from keras_native_reference.py (Keras' cell equations in float64 numpy),
never from seqrt. Near misses (a cell ONNX cannot express, or a Loop that stops early) must keep
their Loop; the test only checks that fused and unfused runs agree on them.

Usage: keras_loop_cells.py --out DIR [--hidden 32] [--features 8] [--steps 60] [--batches 1,64]
Writes DIR/<case>.onnx, DIR/input_b<N>.npy (lstm_batch1 reads input_b1.npy) and
DIR/expected_<case>_b<N>_out<K>.npy for output K of the exact cases.
"""
import argparse
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import keras_native_reference as keras  # noqa: E402  (float64 numpy Keras layers)
from keras_simple_rnn import INT32_MAX, Builder  # noqa: E402  (the shared graph builder)

OPSET = 13


# ----------------------------------------------------------------------------------------------
# tf2onnx's Loop scaffolding

class Body:
    """Collects one Loop body's nodes; names carry the layer prefix like tf2onnx's."""

    def __init__(self, prefix):
        self.prefix, self.nodes, self.inits = prefix, [], []

    def op(self, op_type, inputs, base, nout=1, **attrs):
        outs = [f"{self.prefix}/while/{base}:{j}" for j in range(nout)]
        self.nodes.append(helper.make_node(op_type, inputs, outs, name=f"{self.prefix}/while/{base}", **attrs))
        return outs[0] if nout == 1 else outs

    def const(self, array, base):
        name = f"{self.prefix}/while/{base}:0"
        self.inits.append(numpy_helper.from_array(np.asarray(array), name))
        return name


def layer_loop(b, x_bm, prefix, hidden, weights, cell, n_states, static_steps=None, trip=None, batch1=False):
    """One recurrent layer as tf2onnx's Loop. `cell(body, x_t, states, weight_names)` adds the
    cell ops and returns the new states (the first one is also the scan output). Returns the
    Loop's output names: [counter, states..., weights..., scan]."""
    if batch1:  # batch 1 and T static: tf2onnx turns the time-major Transpose into a Reshape
        xt = b.op("Reshape", [x_bm, b.const(np.array([static_steps, 1, -1], np.int64))], f"{prefix}/transpose")
        zeros = [b.const(np.zeros((1, hidden), np.float32), f"{prefix}/zeros") for _ in range(n_states)]
    else:
        xt = b.op("Transpose", [x_bm], f"{prefix}/transpose", perm=[1, 0, 2])
        shape = b.op("Cast", [b.op("Shape", [x_bm], f"{prefix}/Shape")], f"{prefix}/Shape_i32", to=TensorProto.INT32)
        batch = b.op("Slice", [shape, b.const(np.array([0], np.int64)), b.const(np.array([1], np.int64)),
                               b.const(np.array([0], np.int64))], f"{prefix}/strided_slice")
        zshape = b.op("Cast", [b.op("Concat", [batch, b.const(np.array([hidden], np.int32))], axis=0)],
                      f"{prefix}/zeros_shape", to=TensorProto.INT64)
        zero = b.op("Expand", [b.const(np.array(0.0, np.float32)), zshape], f"{prefix}/zeros")
        zeros = [zero] * n_states
    if static_steps is not None:  # T known when exporting: tf2onnx folds the bounds to constants
        max_iter = b.const(np.array(trip if trip is not None else static_steps, np.int64), f"{prefix}/Max")
        bound_f = None
        cond0 = b.op("Less", [b.const(np.array(0.0, np.float32)), b.const(np.array(static_steps, np.float32))],
                     f"{prefix}/while/Less_0")
    else:
        shape = b.op("Shape", [x_bm], f"{prefix}/Shape_t")
        steps = b.op("Squeeze", [b.op("Slice", [shape, b.const(np.array([1], np.int64)),
                                                b.const(np.array([2], np.int64)), b.const(np.array([0], np.int64))]),
                                 b.const(np.array([0], np.int64))], f"{prefix}/steps")
        max_iter = steps if trip is None else b.const(np.array(trip, np.int64), f"{prefix}/Max")
        bound_f = b.op("Cast", [steps], f"{prefix}/steps_f", to=TensorProto.FLOAT)
        cond0 = b.op("Less", [b.const(np.array(0, np.int64)), steps], f"{prefix}/while/Less_0")
    cond0 = b.op("And", [cond0, cond0], f"{prefix}/while/LogicalAnd")

    body = Body(prefix)
    it, cin, t = f"{prefix}_iter:0", f"{prefix}_cond:0", f"{prefix}_placeholder:0"
    states = [f"{prefix}_placeholder_{2 + j}:0" for j in range(n_states)]
    wnames = [f"{prefix}_{name}_resource:0" for name in weights]
    inputs = ([helper.make_tensor_value_info(it, TensorProto.INT64, []),
               helper.make_tensor_value_info(cin, TensorProto.BOOL, []),
               helper.make_tensor_value_info(t, TensorProto.INT32, [])] +
              [helper.make_tensor_value_info(s, TensorProto.FLOAT, ["unk", hidden]) for s in states] +
              [helper.make_tensor_value_info(w, TensorProto.FLOAT, list(weights[n].shape))
               for w, n in zip(wnames, weights)])
    t_new = body.op("Add", [t, body.const(np.array(1, np.int32), "add/y")], "Identity_2")
    x_t = body.op("Gather", [xt, t], "TensorArrayV2Read/TensorListGetItem")
    new_states = cell(body, x_t, states, dict(zip(weights, wnames)))
    scan = body.op("Identity", [new_states[0]], "TensorArrayV2Write/TensorListSetItem")
    if bound_f is None:  # folded constants in the body
        lim1 = body.const(np.array(static_steps, np.float32), "Less_1/y")
        lim2 = body.const(np.array(static_steps, np.float32), "Less/y")
    else:
        lim1 = lim2 = bound_f  # an outer value: a capture
    c1 = body.op("Less", [body.op("Cast", [it], "Less_1_cast", to=TensorProto.FLOAT), lim1], "Less_1")
    c2 = body.op("Less", [body.op("Cast", [t_new], "Less_cast", to=TensorProto.FLOAT), lim2], "Less")
    cout = body.op("And", [c1, c2], "LogicalAnd")
    outputs = ([helper.make_tensor_value_info(cout, TensorProto.BOOL, []),
                helper.make_tensor_value_info(t_new, TensorProto.INT32, [])] +
               [helper.make_tensor_value_info(s, TensorProto.FLOAT, ["unk", hidden]) for s in new_states] +
               [helper.make_tensor_value_info(w, TensorProto.FLOAT, list(weights[n].shape))
                for w, n in zip(wnames, weights)] +
               [helper.make_tensor_value_info(scan, TensorProto.FLOAT, ["unk", hidden])])
    graph = helper.make_graph(body.nodes, f"{prefix}_while_body", inputs, outputs, body.inits)
    counter = b.const(np.array(0, np.int32), f"{prefix}/while/loop_counter")
    wconsts = [b.const(arr, f"{prefix}/{name}") for name, arr in weights.items()]
    outs = [f"{prefix}/while_loop:{j}" for j in range(len(outputs) - 1)]
    b.nodes.append(helper.make_node("Loop", [max_iter, cond0, counter] + zeros + wconsts, outs,
                                    name=f"{prefix}/while_loop", body=graph))
    return outs


# ----------------------------------------------------------------------------------------------
# cell bodies

def gru_cell(hidden, reset_after, swapped_mix=False, tanh_reset=False):
    hid = hidden

    def cell(body, x_t, states, w):
        h = states[0]
        slice_cols = lambda v, lo, hi, base: body.op(  # noqa: E731
            "Slice", [v, body.const(np.array([0, lo], np.int64), base + "/starts"),
                      body.const(np.array([INT32_MAX, hi], np.int64), base + "/ends"),
                      body.const(np.array([0, 1], np.int64), base + "/axes")], base)
        mm = body.op("MatMul", [x_t, w["kernel"]], "gru_cell/MatMul")
        if reset_after:  # bias [2, 3H] unstacked into input and recurrent biases
            s0, s1 = body.op("Split", [w["bias"]], "gru_cell/split", nout=2, axis=0)
            b_x = body.op("Squeeze", [s0, body.const(np.array([0], np.int64), "axes0")], "gru_cell/Squeeze")
            b_r = body.op("Squeeze", [s1, body.const(np.array([0], np.int64), "axes1")], "gru_cell/Squeeze_1")
            inner = body.op("Add", [body.op("MatMul", [h, w["recurrent_kernel"]], "gru_cell/MatMul_1"), b_r],
                            "gru_cell/add")
            r_h = slice_cols(inner, 2 * hid, INT32_MAX, "gru_cell/strided_slice_2")
        else:
            b_x = w["bias"]
            r_zr = slice_cols(w["recurrent_kernel"], 0, 2 * hid, "gru_cell/strided_slice_k")
            inner = body.op("MatMul", [h, r_zr], "gru_cell/MatMul_1")
        x_z, x_r, x_h = body.op("Split", [body.op("Add", [mm, b_x], "gru_cell/BiasAdd")], "gru_cell/split_1",
                                nout=3, axis=-1)
        r_z = slice_cols(inner, 0, hid, "gru_cell/strided_slice")
        r_r = slice_cols(inner, hid, 2 * hid, "gru_cell/strided_slice_1")
        r_act = "Tanh" if tanh_reset else "Sigmoid"
        r = body.op(r_act, [body.op("Add", [x_r, r_r], "gru_cell/add_2")], "gru_cell/Sigmoid_1")
        if reset_after:
            reset = body.op("Mul", [r, r_h], "gru_cell/mul")
        else:
            r_hk = slice_cols(w["recurrent_kernel"], 2 * hid, INT32_MAX, "gru_cell/strided_slice_k2")
            reset = body.op("MatMul", [body.op("Mul", [r, h], "gru_cell/mul_0"), r_hk], "gru_cell/mul")
        hh = body.op("Tanh", [body.op("Add", [x_h, reset], "gru_cell/add_3")], "gru_cell/Tanh")
        z = body.op("Sigmoid", [body.op("Add", [x_z, r_z], "gru_cell/add_1")], "gru_cell/Sigmoid")
        one_minus_z = body.op("Sub", [body.const(np.array(1.0, np.float32), "gru_cell/sub/x"), z], "gru_cell/sub")
        if swapped_mix:  # h' = z * hh + (1 - z) * h: not a GRU
            a, c = body.op("Mul", [z, hh], "gru_cell/mul_1"), body.op("Mul", [one_minus_z, h], "gru_cell/mul_2")
        else:
            c = body.op("Mul", [one_minus_z, hh], "gru_cell/mul_2")
            a = body.op("Mul", [z, h], "gru_cell/mul_1")
        return [body.op("Add", [a, c], "Identity_4")]

    return cell


def lstm_cell(stale_cell=False):
    def cell(body, x_t, states, w):
        h, c = states
        rec = body.op("Squeeze", [body.op("MatMul", [h, w["recurrent_kernel"]], "lstm_cell/MatMul_1")],
                      "lstm_cell/Squeeze")
        gemm = body.op("Gemm", [x_t, w["kernel"], rec], "lstm_cell/MatMul_Gemm", transA=0, transB=0)
        z0, z1, z2, z3 = body.op("Split", [body.op("Add", [gemm, w["bias"]], "lstm_cell/BiasAdd_1")],
                                 "lstm_cell/split", nout=4, axis=1)
        g = body.op("Tanh", [z2], "lstm_cell/Tanh")
        o = body.op("Sigmoid", [z3], "lstm_cell/Sigmoid_2")
        f = body.op("Sigmoid", [z1], "lstm_cell/Sigmoid_1")
        keep = body.op("Mul", [f, c], "lstm_cell/mul")
        i = body.op("Sigmoid", [z0], "lstm_cell/Sigmoid")
        c_new = body.op("Add", [keep, body.op("Mul", [i, g], "lstm_cell/mul_1")], "Identity_5")
        # stale_cell: h' = o * tanh(c), the previous cell state (not an LSTM)
        h_new = body.op("Mul", [o, body.op("Tanh", [c if stale_cell else c_new], "lstm_cell/Tanh_1")], "Identity_4")
        return [h_new, c_new]

    return cell


# ----------------------------------------------------------------------------------------------
# models

def last_step(b, seq, prefix):
    """return_sequences=False read as the scan output's last step, like tf2onnx."""
    sl = b.op("Slice", [seq, b.const(np.array([-1], np.int64)), b.const(np.array([INT32_MAX], np.int64)),
                        b.const(np.array([0], np.int64))], f"{prefix}/strided_slice_3")
    return b.op("Squeeze", [sl, b.const(np.array([0], np.int64))], f"{prefix}/last")


def finish(b, name, x_dims, outputs):
    """outputs: {name: dims}."""
    graph = helper.make_graph(b.nodes, name, [helper.make_tensor_value_info("input", TensorProto.FLOAT, x_dims)],
                              [helper.make_tensor_value_info(o, TensorProto.FLOAT, d) for o, d in outputs.items()],
                              b.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="tf2onnx")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def dense(b, v, wd, bd):
    return b.op("Add", [b.op("MatMul", [v, b.const(wd, "dense/kernel")]), b.const(bd, "dense/bias")], "dense")


def gru_model(w, steps, reset_after, static, swapped_mix=False, tanh_reset=False, use_final_state=False):
    """GRU(H, return_sequences=True) -> GRU(H) -> Dense."""
    (k1, r1, b1), (k2, r2, b2), (wd, bd) = w
    b = Builder()
    hid = k1.shape[1] // 3
    t = steps if static else None
    outs = layer_loop(b, "input", "gru", hid, {"bias": b1, "kernel": k1, "recurrent_kernel": r1},
                      gru_cell(hid, reset_after), 1, static_steps=t)
    x2 = b.op("Transpose", [outs[-1]], "gru/transpose_1", perm=[1, 0, 2])
    outs = layer_loop(b, x2, "gru_1", hid, {"bias": b2, "kernel": k2, "recurrent_kernel": r2},
                      gru_cell(hid, reset_after, swapped_mix, tanh_reset), 1, static_steps=t)
    last = outs[1] if use_final_state else last_step(b, outs[-1], "gru_1")
    dense(b, last, wd, bd)
    b.nodes[-1].output[0] = "output"
    return finish(b, "keras_gru_loop", ["N", steps if static else "T", k1.shape[0]], {"output": ["N", wd.shape[1]]})


def lstm_model(w, steps, batch1=False, stale_cell=False, short_trip=False):
    """LSTM(H, return_sequences=True) -> LSTM(H) -> Dense; also outputs the last cell state."""
    (k1, r1, b1), (k2, r2, b2), (wd, bd) = w
    b = Builder()
    hid = k1.shape[1] // 4
    outs = layer_loop(b, "input", "lstm", hid, {"kernel": k1, "recurrent_kernel": r1, "bias": b1}, lstm_cell(), 2,
                      static_steps=steps, batch1=batch1)
    if batch1:
        x2 = outs[-1]  # already time-major [T, 1, H]; tf2onnx reshapes it, a no-op here
        x2 = b.op("Reshape", [x2, b.const(np.array([1, steps, hid], np.int64))], "lstm/transpose_1")
    else:
        x2 = b.op("Transpose", [outs[-1]], "lstm/transpose_1", perm=[1, 0, 2])
    outs = layer_loop(b, x2, "lstm_1", hid, {"kernel": k2, "recurrent_kernel": r2, "bias": b2},
                      lstm_cell(stale_cell), 2, static_steps=steps, trip=steps // 2 if short_trip else None,
                      batch1=batch1)
    dense(b, last_step(b, outs[-1], "lstm_1"), wd, bd)
    b.nodes[-1].output[0] = "output"
    b.nodes.append(helper.make_node("Identity", [outs[2]], ["state_c"], name="state_c"))
    n = 1 if batch1 else "N"
    return finish(b, "keras_lstm_loop", [n, steps, k1.shape[0]], {"output": [n, wd.shape[1]], "state_c": [n, hid]})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--hidden", type=int, default=32)
    ap.add_argument("--features", type=int, default=8)
    ap.add_argument("--steps", type=int, default=60)
    ap.add_argument("--batches", default="1,64")
    ap.add_argument("--seed", type=int, default=5)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    rng = np.random.default_rng(a.seed)
    hid, feat, classes, steps = a.hidden, a.features, 10, a.steps

    def glorot(*shape):
        lim = np.sqrt(6.0 / (shape[0] + shape[-1]))
        return rng.uniform(-lim, lim, shape).astype(np.float32)

    def recurrent(gates):
        q = np.concatenate([np.linalg.qr(rng.standard_normal((hid, hid)))[0] for _ in range(gates)], axis=1)
        return q.astype(np.float32)

    def small(*shape):
        return rng.uniform(-0.2, 0.2, shape).astype(np.float32)

    head = (glorot(hid, classes), small(classes))
    gru_ra = ((glorot(feat, 3 * hid), recurrent(3), small(2, 3 * hid)),
              (glorot(hid, 3 * hid), recurrent(3), small(2, 3 * hid)), head)
    gru_rb = ((glorot(feat, 3 * hid), recurrent(3), small(3 * hid)),
              (glorot(hid, 3 * hid), recurrent(3), small(3 * hid)), head)
    lstm_w = ((glorot(feat, 4 * hid), recurrent(4), small(4 * hid)),
              (glorot(hid, 4 * hid), recurrent(4), small(4 * hid)), head)

    models = {
        "gru_reset_after": gru_model(gru_ra, steps, True, static=True),
        "gru_reset_before": gru_model(gru_rb, steps, False, static=False, use_final_state=True),
        "lstm": lstm_model(lstm_w, steps),
        "lstm_batch1": lstm_model(lstm_w, steps, batch1=True),
        "near_miss_gru_swapped_mix": gru_model(gru_ra, steps, True, static=True, swapped_mix=True),
        "near_miss_gru_tanh_reset": gru_model(gru_rb, steps, False, static=False, tanh_reset=True),
        "near_miss_lstm_stale_cell": lstm_model(lstm_w, steps, stale_cell=True),
        "near_miss_lstm_short_trip": lstm_model(lstm_w, steps, short_trip=True),
    }
    for name, m in models.items():
        onnx.save(m, os.path.join(a.out, f"{name}.onnx"))

    def gru_expected(x, w, reset_after):
        (k1, r1, b1), (k2, r2, b2), (wd, bd) = w
        s1, _ = keras.gru(x.astype(np.float64), k1, r1, b1, reset_after)
        _, h2 = keras.gru(s1, k2, r2, b2, reset_after)
        return [(h2 @ wd + bd).astype(np.float32)]

    def lstm_expected(x, w):
        (k1, r1, b1), (k2, r2, b2), (wd, bd) = w
        s1, _, _ = keras.lstm(x.astype(np.float64), k1, r1, b1)
        _, h2, c2 = keras.lstm(s1, k2, r2, b2)
        return [(h2 @ wd + bd).astype(np.float32), c2.astype(np.float32)]

    def save(case, n, outs):
        for j, v in enumerate(outs):
            np.save(os.path.join(a.out, f"expected_{case}_b{n}_out{j}.npy"), v)

    for n in (int(v) for v in a.batches.split(",")):
        x = rng.uniform(-1, 1, (n, steps, feat)).astype(np.float32)
        np.save(os.path.join(a.out, f"input_b{n}.npy"), x)
        save("gru_reset_after", n, gru_expected(x, gru_ra, True))
        save("gru_reset_before", n, gru_expected(x, gru_rb, False))
        save("lstm", n, lstm_expected(x, lstm_w))
        if n == 1:
            save("lstm_batch1", n, lstm_expected(x, lstm_w))


if __name__ == "__main__":
    main()
