#!/usr/bin/python3
"""Builds Keras SimpleRNN test models the way the exporters emit them, plus expected outputs.

tf2onnx has no SimpleRNN rewriter, so a Keras SimpleRNN becomes an ONNX Loop (see
../shared/notes/exporters.md): the batch-major input is transposed to time-major, the Loop runs
`Shape(x)[1]` times, carries a time counter `i`, the state h (zeros built from Shape -> Slice ->
Concat -> Expand) and, in some tf2onnx versions, the weights themselves; its body gathers x[i],
computes tanh(x_i.K + b + h.R), stops on `iter < T and i+1 < T` and emits h as a scan output.
keras2onnx emits the same network with native RNN nodes. Expected outputs come from a numpy
SimpleRNN written from Keras' equations h_t = act(x_t.K + h_{t-1}.R + b), never from seqrt.

Usage: keras_simple_rnn.py --out DIR [--hidden 128] [--steps 100]
Writes DIR/<case>.onnx and DIR/<case>_input_b<N>.npy / _expected_b<N>.npy.
"""
import argparse
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 13
INT32_MAX = 2**31 - 1


class Builder:
    def __init__(self):
        self.nodes, self.inits, self.n = [], [], 0

    def name(self, base):
        self.n += 1
        return f"{base}__{self.n}"

    def const(self, array, base="const"):
        nm = self.name(base)
        self.inits.append(numpy_helper.from_array(np.asarray(array), nm))
        return nm

    def op(self, op_type, inputs, base=None, nout=1, **attrs):
        outs = [self.name(base or op_type) for _ in range(nout)]
        self.nodes.append(helper.make_node(op_type, inputs, outs, name=self.name(op_type + "_node"), **attrs))
        return outs[0] if nout == 1 else outs


ACT = {"tanh": ("Tanh", np.tanh), "relu": ("Relu", lambda v: np.maximum(v, 0.0)),
       "sigmoid": ("Sigmoid", lambda v: 1.0 / (1.0 + np.exp(-v)))}


def simple_rnn_loop(b, x_bm, k, r, bias, act, prefix, carry_weights=False, extra_op=False, short_trip=False,
                    batch_major=False):
    """tf2onnx's Loop for one SimpleRNN layer; returns (sequence [T,N,H] name, final h name)."""
    hidden = k.shape[1]
    xt = b.op("Transpose", [x_bm], f"{prefix}/transpose", perm=[1, 0, 2])
    shape = b.op("Cast", [b.op("Shape", [x_bm], f"{prefix}/Shape")], f"{prefix}/Shape_i32", to=TensorProto.INT32)
    batch = b.op("Slice", [shape, b.const(np.array([0], np.int64)), b.const(np.array([1], np.int64)),
                           b.const(np.array([0], np.int64))], f"{prefix}/strided_slice")
    zeros_shape = b.op("Cast", [b.op("Concat", [batch, b.const(np.array([hidden], np.int32))], axis=0)],
                       f"{prefix}/zeros_shape", to=TensorProto.INT64)
    h0 = b.op("Expand", [b.const(np.array(0.0, np.float32)), zeros_shape], f"{prefix}/zeros")
    steps = b.op("Squeeze", [b.op("Slice", [shape, b.const(np.array([1], np.int64)), b.const(np.array([2], np.int64)),
                                            b.const(np.array([0], np.int64))]),
                             b.const(np.array([0], np.int64))], f"{prefix}/strided_slice_1")
    max_iter = b.op("Cast", [steps], f"{prefix}/Max", to=TensorProto.INT64)
    if short_trip:  # a near miss: a fixed trip count that may stop before the sequence ends
        max_iter = b.const(np.array(50, np.int64), f"{prefix}/Max")
    steps_f = b.op("Cast", [steps], f"{prefix}/steps_f", to=TensorProto.FLOAT)
    less0 = b.op("Less", [b.const(np.array(0, np.int32)), steps], f"{prefix}/while/Less")
    cond0 = b.op("And", [less0, less0], f"{prefix}/while/LogicalAnd")
    k_name, r_name, b_name = (b.const(k, f"{prefix}/kernel"), b.const(r, f"{prefix}/recurrent_kernel"),
                              b.const(bias, f"{prefix}/bias"))

    # The body. Outer names it reads (xt, steps_f and, unless carried, the weights) are captures.
    bn = []
    def body_op(op_type, inputs, out, **attrs):
        bn.append(helper.make_node(op_type, inputs, [out], name=f"{prefix}/while/{out}_node", **attrs))
        return out
    it, cin, ti, h = f"{prefix}_iter", f"{prefix}_cond_in", f"{prefix}_placeholder", f"{prefix}_placeholder_2"
    body_inputs = [helper.make_tensor_value_info(it, TensorProto.INT64, []),
                   helper.make_tensor_value_info(cin, TensorProto.BOOL, []),
                   helper.make_tensor_value_info(ti, TensorProto.INT32, []),
                   helper.make_tensor_value_info(h, TensorProto.FLOAT, None)]
    kk, rr, bb = k_name, r_name, b_name
    if carry_weights:
        kk, rr, bb = f"{prefix}_k_in", f"{prefix}_r_in", f"{prefix}_b_in"
        body_inputs += [helper.make_tensor_value_info(kk, TensorProto.FLOAT, list(k.shape)),
                        helper.make_tensor_value_info(rr, TensorProto.FLOAT, list(r.shape)),
                        helper.make_tensor_value_info(bb, TensorProto.FLOAT, list(bias.shape))]
    one = f"{prefix}/while/add/y"
    body_inits = [numpy_helper.from_array(np.array(1, np.int32), one)]
    if batch_major:  # reads x[:, i] from the batch-major input instead of the transposed copy
        x_i = body_op("Gather", [x_bm, ti], f"{prefix}_TensorListGetItem", axis=1)
    else:
        x_i = body_op("Gather", [xt, ti], f"{prefix}_TensorListGetItem")
    mm = body_op("MatMul", [x_i, kk], f"{prefix}_MatMul")
    ba = body_op("Add", [mm, bb], f"{prefix}_BiasAdd")
    mm1 = body_op("MatMul", [h, rr], f"{prefix}_MatMul_1")
    pre = body_op("Add", [ba, mm1], f"{prefix}_add")
    if extra_op:  # a near miss: one more op in the cell
        pre = body_op("Mul", [pre, b_name], f"{prefix}_extra")
    h_new = body_op(ACT[act][0], [pre], f"{prefix}_Identity_4")
    t_new = body_op("Add", [ti, one], f"{prefix}_Identity_2")
    c1 = body_op("Less", [body_op("Cast", [it], f"{prefix}_iter_f", to=TensorProto.FLOAT), steps_f], f"{prefix}_Less_1")
    c2 = body_op("Less", [body_op("Cast", [t_new], f"{prefix}_t_f", to=TensorProto.FLOAT), steps_f], f"{prefix}_Less")
    cout = body_op("And", [c1, c2], f"{prefix}_LogicalAnd")
    scan = body_op("Identity", [h_new], f"{prefix}_TensorListSetItem")
    body_outputs = [helper.make_tensor_value_info(cout, TensorProto.BOOL, []),
                    helper.make_tensor_value_info(t_new, TensorProto.INT32, []),
                    helper.make_tensor_value_info(h_new, TensorProto.FLOAT, None)]
    loop_inputs = [max_iter, cond0, b.const(np.array(0, np.int32), f"{prefix}/while/loop_counter"), h0]
    if carry_weights:
        pk, pr, pb = (body_op("Identity", [v], f"{v}_out") for v in (kk, rr, bb))
        body_outputs += [helper.make_tensor_value_info(v, TensorProto.FLOAT, None) for v in (pk, pr, pb)]
        loop_inputs += [k_name, r_name, b_name]
    body_outputs.append(helper.make_tensor_value_info(scan, TensorProto.FLOAT, None))
    body = helper.make_graph(bn, f"{prefix}_while_body", body_inputs, body_outputs, body_inits)
    n_out = len(body_outputs) - 1
    outs = [f"{prefix}/while_loop:{j}" for j in range(n_out)]
    b.nodes.append(helper.make_node("Loop", loop_inputs, outs, name=f"{prefix}/while", body=body))
    return outs[-1], outs[1]


def simple_rnn_native(b, x_bm, k, r, bias, act, prefix):
    """keras2onnx's native RNN for one layer; returns (sequence [T,N,H], final h [N,H])."""
    hidden = k.shape[1]
    xt = b.op("Transpose", [x_bm], f"{prefix}/transpose", perm=[1, 0, 2])
    w = b.const(k.T[None].copy(), f"{prefix}/W")
    rr = b.const(r.T[None].copy(), f"{prefix}/R")
    bb = b.const(np.concatenate([bias, np.zeros_like(bias)])[None], f"{prefix}/B")
    y, yh = b.op("RNN", [xt, w, rr, bb], f"{prefix}/rnn", nout=2, hidden_size=hidden, activations=[ACT[act][0]])
    axes1, axes0 = b.const(np.array([1], np.int64)), b.const(np.array([0], np.int64))
    return b.op("Squeeze", [y, axes1], f"{prefix}/Y"), b.op("Squeeze", [yh, axes0], f"{prefix}/Y_h")


def numpy_simple_rnn(x, k, r, bias, act):
    """Keras SimpleRNN (return_sequences=True) on batch-major x, in float64."""
    n, t, _ = x.shape
    h = np.zeros((n, k.shape[1]))
    seq = []
    for s in range(t):
        h = ACT[act][1](x[:, s] @ k + h @ r + bias)
        seq.append(h)
    return np.stack(seq, axis=1)


def make_model(weights, act, form, carry_weights=False, extra_op=False, use_final_state=False, short_trip=False,
               batch_major=False):
    """SimpleRNN(H, return_sequences=True) -> SimpleRNN(H) -> Dense(C)."""
    b = Builder()
    x = "input"
    (k1, r1, b1), (k2, r2, b2), (wd, bd) = weights
    if form == "loop":
        seq1, _ = simple_rnn_loop(b, x, k1, r1, b1, act, "simple_rnn", carry_weights, batch_major=batch_major)
    else:
        seq1, _ = simple_rnn_native(b, x, k1, r1, b1, act, "simple_rnn")
    x2 = b.op("Transpose", [seq1], "simple_rnn/transpose_1", perm=[1, 0, 2])
    if form == "loop":
        seq2, last2 = simple_rnn_loop(b, x2, k2, r2, b2, act, "simple_rnn_1", carry_weights, extra_op, short_trip)
    else:
        seq2, last2 = simple_rnn_native(b, x2, k2, r2, b2, act, "simple_rnn_1")
    if use_final_state:
        last = last2
    else:  # tf2onnx reads return_sequences=False as the last scan step
        sl = b.op("Slice", [seq2, b.const(np.array([-1], np.int64)), b.const(np.array([INT32_MAX], np.int64)),
                            b.const(np.array([0], np.int64))], "simple_rnn_1/strided_slice_3")
        last = b.op("Squeeze", [sl, b.const(np.array([0], np.int64))], "simple_rnn_1/last")
    y = b.op("Add", [b.op("MatMul", [last, b.const(wd, "dense/kernel")]), b.const(bd, "dense/bias")], "dense")
    b.nodes[-1].output[0] = "output"
    f = k1.shape[0]
    graph = helper.make_graph(b.nodes, f"keras_simple_rnn_{form}",
                              [helper.make_tensor_value_info(x, TensorProto.FLOAT, ["N", "T", f])],
                              [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["N", wd.shape[1]])],
                              b.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="tf2onnx" if form == "loop" else "keras2onnx")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def expected(x, weights, act, extra_scale=None):
    (k1, r1, b1), (k2, r2, b2), (wd, bd) = weights
    s1 = numpy_simple_rnn(x.astype(np.float64), k1, r1, b1, act)
    s2 = numpy_simple_rnn(s1, k2, r2, b2, act)
    return (s2[:, -1] @ wd + bd).astype(np.float32)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--hidden", type=int, default=128)
    ap.add_argument("--features", type=int, default=16)
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--batches", default="1,64")
    ap.add_argument("--seed", type=int, default=3)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    rng = np.random.default_rng(a.seed)
    hid, feat, classes = a.hidden, a.features, 10

    def glorot(*shape):
        lim = np.sqrt(6.0 / (shape[0] + shape[-1]))
        return rng.uniform(-lim, lim, shape).astype(np.float32)

    def orthogonal(n):
        q, _ = np.linalg.qr(rng.standard_normal((n, n)))
        return q.astype(np.float32)

    weights = ((glorot(feat, hid), orthogonal(hid), rng.uniform(-0.1, 0.1, hid).astype(np.float32)),
               (glorot(hid, hid), orthogonal(hid), rng.uniform(-0.1, 0.1, hid).astype(np.float32)),
               (glorot(hid, classes), rng.uniform(-0.1, 0.1, classes).astype(np.float32)))
    cases = {
        "loop_tanh": dict(act="tanh", form="loop"),
        "loop_tanh_carried_weights": dict(act="tanh", form="loop", carry_weights=True, use_final_state=True),
        "loop_tanh_batch_major": dict(act="tanh", form="loop", batch_major=True),
        "loop_relu": dict(act="relu", form="loop"),
        "loop_sigmoid": dict(act="sigmoid", form="loop"),
        "native_tanh": dict(act="tanh", form="native"),
        "near_miss": dict(act="tanh", form="loop", extra_op=True),
        "near_miss_short_trip": dict(act="tanh", form="loop", short_trip=True),
    }
    for name, kw in cases.items():
        onnx.save(make_model(weights, **kw), os.path.join(a.out, f"{name}.onnx"))
    for n in (int(v) for v in a.batches.split(",")):
        x = rng.uniform(-1, 1, (n, a.steps, feat)).astype(np.float32)
        np.save(os.path.join(a.out, f"input_b{n}.npy"), x)
        for act in ACT:
            np.save(os.path.join(a.out, f"expected_{act}_b{n}.npy"), expected(x, weights, act))


if __name__ == "__main__":
    main()
