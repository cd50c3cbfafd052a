#!/usr/bin/python3
"""Keras models with native recurrent ONNX nodes, built the way tf2onnx and keras2onnx export
them (../shared/notes/exporters.md), as backend-style test cases with expected outputs from
keras_native_reference.py (numpy written from Keras' equations and weight layout).

The weights are drawn in Keras' layout (kernel [F, G*H], gate blocks i,f,c,o / z,r,h) and
converted here exactly as the exporters convert them (LSTM blocks reordered to ONNX's i,o,f,c and
transposed; GRU biases stacked; zero recurrent biases where Keras has none), so a runtime that
reads a gate or a bias in the wrong place fails the comparison.

Usage: keras_native_patterns.py --out DIR [--case NAME]... [--list]
Writes DIR/keras_native_<name>/{model.onnx, test_data_set_0/}.
"""
import argparse
import sys

import numpy as np
from onnx import TensorProto, numpy_helper

import keras_native_reference as keras
from common import INT32_MAX, GraphBuilder, write_case

FLOAT, INT32, INT64 = TensorProto.FLOAT, TensorProto.INT32, TensorProto.INT64
N, T, F = 3, 7, 5  # batch, time steps, features of the test inputs


class Weights:
    """Keras-initialised weights (glorot kernels, orthogonal recurrent kernels) with random
    biases, so that every bias slot matters."""

    def __init__(self, rng):
        self.rng = rng

    def glorot(self, rows, cols):
        lim = np.sqrt(6.0 / (rows + cols))
        return self.rng.uniform(-lim, lim, (rows, cols)).astype(np.float32)

    def recurrent(self, units, gates):
        blocks = [np.linalg.qr(self.rng.standard_normal((units, units)))[0] for _ in range(gates)]
        return np.concatenate(blocks, axis=1).astype(np.float32)

    def bias(self, *shape):
        return self.rng.uniform(-0.5, 0.5, shape).astype(np.float32)

    def lstm(self, features, units):
        return self.glorot(features, 4 * units), self.recurrent(units, 4), self.bias(4 * units)

    def gru(self, features, units, reset_after):
        b = self.bias(2, 3 * units) if reset_after else self.bias(3 * units)
        return self.glorot(features, 3 * units), self.recurrent(units, 3), b

    def simple_rnn(self, features, units):
        return self.glorot(features, units), self.recurrent(units, 1), self.bias(units)

    def dense(self, features, units):
        return self.glorot(features, units), self.bias(units)


# ---- Keras weights -> ONNX W, R, B (what the exporters do) ----

LSTM_KERAS_TO_ONNX = [0, 3, 1, 2]  # ONNX block k (i, o, f, c) takes Keras block (i, f, c, o)[k]


def lstm_to_onnx(kernel, recurrent_kernel, bias):
    units = recurrent_kernel.shape[0]

    def reorder(m):
        return np.concatenate([m[..., g * units:(g + 1) * units] for g in LSTM_KERAS_TO_ONNX], axis=-1)

    return reorder(kernel).T, reorder(recurrent_kernel).T, np.concatenate([reorder(bias), np.zeros(4 * units)])


def gru_to_onnx(kernel, recurrent_kernel, bias):
    """Keras z, r, h is ONNX's gate order: only transposes; reset_after's [2, 3H] bias is
    [input bias, recurrent bias] = ONNX's [Wb, Rb]; a single bias gets zero Rb."""
    b = bias.reshape(-1) if bias.ndim == 2 else np.concatenate([bias, np.zeros_like(bias)])
    return kernel.T, recurrent_kernel.T, b


def simple_rnn_to_onnx(kernel, recurrent_kernel, bias):
    return kernel.T, recurrent_kernel.T, np.concatenate([bias, np.zeros_like(bias)])


def stack_directions(*per_direction):
    """[D, ...] float32 W, R, B from one (W, R, B) per direction."""
    return tuple(np.stack([d[k] for d in per_direction]).astype(np.float32) for k in range(3))


# ---- graph glue as tf2onnx / keras2onnx emit it ----

def tf2onnx_zero_state(b, x_batch_major, units, prefix):
    """zeros [1, N, H] for a dynamic batch: Shape -> Cast(int32) -> Slice -> Concat([b, H]) ->
    Cast(int64) -> Expand(0.0) -> Unsqueeze (ConstantOfShape instead of Expand before opset 11)."""
    shape = b.op("Cast", [b.op("Shape", [x_batch_major], f"{prefix}/Shape")], f"{prefix}/Shape_i32", to=INT32)
    batch = b.slice(shape, [0], [1], [0], f"{prefix}/strided_slice")
    dims = b.op("Concat", [batch, b.const(np.array([units], np.int32))], f"{prefix}/zeros/packed", axis=0)
    dims = b.op("Cast", [dims], f"{prefix}/zeros/shape", to=INT64)
    if b.opset < 11:
        zeros = b.op("ConstantOfShape", [dims], f"{prefix}/zeros",
                     value=numpy_helper.from_array(np.array([0.0], np.float32)))
    else:
        zeros = b.op("Expand", [b.const(np.array(0.0, np.float32), f"{prefix}/zeros/Const"), dims], f"{prefix}/zeros")
    return b.axes_op("Unsqueeze", zeros, [0], f"{prefix}/initial_state")


def tf2onnx_states(b, x_batch_major, units, prefix, directions, count):
    """`count` initial states ([D, N, H]); bidirectional ones are Concat(fw, bw)."""
    states = []
    for s in range(count):
        per_dir = [tf2onnx_zero_state(b, x_batch_major, units, f"{prefix}/{d}_{s}") for d in range(directions)]
        states.append(per_dir[0] if directions == 1 else b.op("Concat", per_dir, f"{prefix}/state_{s}", axis=0))
    return states


def recurrent(b, op, x_time_major, weights, units, prefix, direction="forward", lens="", states=(), **attrs):
    """One native recurrent node; returns its outputs (Y, Y_h[, Y_c])."""
    w, r, bias = weights
    inputs = [x_time_major, b.const(w, f"{prefix}/W"), b.const(r, f"{prefix}/R"), b.const(bias, f"{prefix}/B"),
              lens, *states]
    while inputs[-1] == "":
        inputs.pop()
    nout = 3 if op == "LSTM" else 2
    return b.op(op, inputs, prefix, nout=nout, hidden_size=units, direction=direction, **attrs)


def time_major(b, x, prefix):
    return b.op("Transpose", [x], f"{prefix}/transpose", perm=[1, 0, 2])


def tf2onnx_sequence(b, y, prefix):
    """return_sequences=True: Squeeze the num_directions axis, back to batch-major."""
    return b.op("Transpose", [b.axes_op("Squeeze", y, [1], f"{prefix}/Squeeze")], f"{prefix}/transpose_1",
                perm=[1, 0, 2])


def tf2onnx_last_step(b, y_time_major, prefix):
    """return_sequences=False: the last scan step, Slice(-1, INT32_MAX) on time, Squeeze."""
    last = b.slice(y_time_major, [-1], [INT32_MAX], [0], f"{prefix}/strided_slice_3")
    return b.axes_op("Squeeze", last, [0], f"{prefix}/last")


def tf2onnx_direction(b, y, d, prefix):
    """One direction [T, N, H] of a bidirectional Y [T, 2, N, H]: Slice on axis 1 + Squeeze."""
    return b.axes_op("Squeeze", b.slice(y, [d], [d + 1], [1], f"{prefix}/slice_{d}"), [1], f"{prefix}/dir_{d}")


def keras2onnx_sequence(b, y, prefix):
    """keras2onnx: Transpose(Y, [2, 0, 1, 3]) -> Reshape [N, T, D*H]."""
    t = b.op("Transpose", [y], f"{prefix}/Y_batch_major", perm=[2, 0, 1, 3])
    return b.op("Reshape", [t, b.ints([0, 0, -1])], f"{prefix}/sequence")


def keras2onnx_state(b, y_h, prefix):
    """keras2onnx: Y_h [D, N, H] -> Transpose -> Reshape [N, D*H]."""
    t = b.op("Transpose", [y_h], f"{prefix}/Y_h_batch_major", perm=[1, 0, 2])
    return b.op("Reshape", [t, b.ints([0, -1])], f"{prefix}/state")


def dense(b, x, weights, prefix, softmax=False):
    """Dense -> MatMul + Add (rank 2 or, as Keras 2 applies Dense to [N, T, H], rank 3)."""
    kernel, bias = weights
    y = b.op("Add", [b.op("MatMul", [x, b.const(kernel, f"{prefix}/kernel")], f"{prefix}/MatMul"),
                     b.const(bias, f"{prefix}/bias")], f"{prefix}/BiasAdd")
    return b.op("Softmax", [y], f"{prefix}/Softmax", axis=-1) if softmax else y


def mask_lengths(b, x, prefix, from_ids=False):
    """keras2onnx's sequence_lens from a right-padded mask: Not(Equal(x, 0)) -> Cast -> (ReduceMax
    over features for Masking) -> ReduceSum over time -> Cast(int32)."""
    zero = b.const(np.array(0, np.int32) if from_ids else np.array(0.0, np.float32), f"{prefix}/mask_value")
    keep = b.op("Not", [b.op("Equal", [x, zero], f"{prefix}/Equal")], f"{prefix}/NotEqual")
    mask = b.op("Cast", [keep], f"{prefix}/mask_f", to=FLOAT)
    if not from_ids:
        mask = b.axes_op("ReduceMax", mask, [-1], f"{prefix}/Any", keepdims=0)
    total = b.axes_op("ReduceSum", mask, [1], f"{prefix}/Sum", keepdims=0)
    return b.op("Cast", [total], f"{prefix}/sequence_lens", to=INT32)


def time_steps_per_row(b, x_batch_major, prefix):
    """int64 [N] filled with T, the sequence lengths of an unmasked ReverseSequence."""
    shape = b.op("Shape", [x_batch_major], f"{prefix}/Shape")
    steps = b.slice(shape, [1], [2], [0], f"{prefix}/steps")
    return b.op("Expand", [steps, b.slice(shape, [0], [1], [0], f"{prefix}/batch")], f"{prefix}/seq_lengths")


LSTM_ACTS = dict(activations=["Sigmoid", "Tanh", "Tanh"])
GRU_ACTS = dict(activations=["Sigmoid", "Tanh"])


def float_input(rng):
    return rng.uniform(-1, 1, (N, T, F)).astype(np.float32)


def right_padded(x, lengths):
    x = x.copy()
    for row, length in enumerate(lengths):
        x[row, length:] = 0.0
    return x


# ---- the cases: each returns (model, inputs, outputs) ----

def case_lstm(rng, w):
    """tf2onnx: LSTM(12) -> Dense(4, softmax); outputs the probabilities and the LSTM state."""
    H = 12
    lk, dk = w.lstm(F, H), w.dense(H, 4)
    b = GraphBuilder(15)
    h0, c0 = tf2onnx_states(b, "input_1", H, "lstm", 1, 2)
    y, _, _ = recurrent(b, "LSTM", time_major(b, "input_1", "lstm"), stack_directions(lstm_to_onnx(*lk)), H,
                        "lstm/LSTM", states=[h0, c0], **LSTM_ACTS)
    tf2onnx_last_step(b, b.axes_op("Squeeze", y, [1], "lstm/Squeeze"), "lstm")
    b.nodes[-1].output[0] = "lstm"
    dense(b, "lstm", dk, "dense", softmax=True)
    b.nodes[-1].output[0] = "dense"
    model = b.finish("keras_lstm", [("input_1", FLOAT, ["N", "T", F])],
                     [("dense", FLOAT, ["N", 4]), ("lstm", FLOAT, ["N", H])], "tf2onnx")
    x = float_input(rng)
    _, h, _ = keras.lstm(x, *lk)
    return model, [("input_1", x)], [("dense", keras.softmax(keras.dense(h, *dk))), ("lstm", h)]


def case_lstm_hard_sigmoid(rng, w):
    """An older export: Keras 2.2's default LSTM(recurrent_activation='hard_sigmoid') through tf2onnx
    at opset 10 -> HardSigmoid(0.2, 0.5), Tanh, Tanh; zero states from ConstantOfShape."""
    H = 10
    lk = w.lstm(F, H)
    b = GraphBuilder(10)
    h0, c0 = tf2onnx_states(b, "input_1", H, "lstm", 1, 2)
    y, _, _ = recurrent(b, "LSTM", time_major(b, "input_1", "lstm"), stack_directions(lstm_to_onnx(*lk)), H,
                        "lstm/LSTM", states=[h0, c0], activations=["HardSigmoid", "Tanh", "Tanh"],
                        activation_alpha=[0.2], activation_beta=[0.5])
    tf2onnx_sequence(b, y, "lstm")
    b.nodes[-1].output[0] = "lstm"
    model = b.finish("keras_lstm_hard_sigmoid", [("input_1", FLOAT, ["N", "T", F])],
                     [("lstm", FLOAT, ["N", "T", H])], "tf2onnx")
    x = float_input(rng)
    seq, _, _ = keras.lstm(x, *lk, recurrent_activation="hard_sigmoid")
    return model, [("input_1", x)], [("lstm", seq)]


def case_gru_reset_after(rng, w):
    """tf2onnx: GRU(reset_after=True, return_sequences=True) -> linear_before_reset=1, then a
    Keras 2 Dense on the [N, T, H] sequence (one MatMul + Add for every step)."""
    H = 16
    gk, dk = w.gru(F, H, True), w.dense(H, 6)
    b = GraphBuilder(15)
    (h0,) = tf2onnx_states(b, "input_1", H, "gru", 1, 1)
    y, _ = recurrent(b, "GRU", time_major(b, "input_1", "gru"), stack_directions(gru_to_onnx(*gk)), H,
                     "gru/GRU", states=[h0], linear_before_reset=1, **GRU_ACTS)
    tf2onnx_sequence(b, y, "gru")
    b.nodes[-1].output[0] = "gru"
    dense(b, "gru", dk, "dense")
    b.nodes[-1].output[0] = "dense"
    model = b.finish("keras_gru_reset_after", [("input_1", FLOAT, ["N", "T", F])],
                     [("gru", FLOAT, ["N", "T", H]), ("dense", FLOAT, ["N", "T", 6])], "tf2onnx")
    x = float_input(rng)
    seq, _ = keras.gru(x, *gk, reset_after=True)
    return model, [("input_1", x)], [("gru", seq), ("dense", keras.dense(seq, *dk))]


def case_gru_reset_before(rng, w):
    """keras2onnx (opset 11): GRU(reset_after=False) -> linear_before_reset=0, B = [bias, 0],
    no initial state; sequence via Transpose(Y, [2,0,1,3]) -> Reshape, state via Squeeze."""
    H = 12
    gk = w.gru(F, H, False)
    b = GraphBuilder(11)
    y, yh = recurrent(b, "GRU", time_major(b, "input_1", "gru"), stack_directions(gru_to_onnx(*gk)), H,
                      "gru/GRU", linear_before_reset=0, **GRU_ACTS)
    keras2onnx_sequence(b, y, "gru")
    b.nodes[-1].output[0] = "gru"
    b.axes_op("Squeeze", yh, [0], "gru/state")
    b.nodes[-1].output[0] = "gru_state"
    model = b.finish("keras_gru_reset_before", [("input_1", FLOAT, ["N", "T", F])],
                     [("gru", FLOAT, ["N", "T", H]), ("gru_state", FLOAT, ["N", H])], "keras2onnx")
    x = float_input(rng)
    seq, h = keras.gru(x, *gk, reset_after=False)
    return model, [("input_1", x)], [("gru", seq), ("gru_state", h)]


def case_simple_rnn(rng, w):
    """keras2onnx (opset 11): SimpleRNN -> native RNN (W = kernel.T, B = [b, 0]) -> Dense."""
    H = 20
    sk, dk = w.simple_rnn(F, H), w.dense(H, 5)
    b = GraphBuilder(11)
    _, yh = recurrent(b, "RNN", time_major(b, "input_1", "simple_rnn"), stack_directions(simple_rnn_to_onnx(*sk)),
                      H, "simple_rnn/RNN", activations=["Tanh"])
    state = b.axes_op("Squeeze", yh, [0], "simple_rnn/state")
    dense(b, state, dk, "dense", softmax=True)
    b.nodes[-1].output[0] = "dense"
    model = b.finish("keras_simple_rnn", [("input_1", FLOAT, ["N", "T", F])], [("dense", FLOAT, ["N", 5])],
                     "keras2onnx")
    x = float_input(rng)
    _, h = keras.simple_rnn(x, *sk)
    return model, [("input_1", x)], [("dense", keras.softmax(keras.dense(h, *dk)))]


def case_bidirectional_lstm(rng, w):
    """tf2onnx: Bidirectional(LSTM(12)) -> one bidirectional node; forward's last step and
    backward's step 0, each read with Slice + Squeeze, concatenated -> Dense."""
    H = 12
    fw, bw, dk = w.lstm(F, H), w.lstm(F, H), w.dense(2 * H, 3)
    b = GraphBuilder(13)
    h0, c0 = tf2onnx_states(b, "input_1", H, "bidirectional", 2, 2)
    y, _, _ = recurrent(b, "LSTM", time_major(b, "input_1", "bidirectional"),
                        stack_directions(lstm_to_onnx(*fw), lstm_to_onnx(*bw)), H, "bidirectional/LSTM",
                        direction="bidirectional", states=[h0, c0], activations=LSTM_ACTS["activations"] * 2)
    fw_last = tf2onnx_last_step(b, tf2onnx_direction(b, y, 0, "bidirectional/fw"), "bidirectional/fw")
    bw_first = b.axes_op("Squeeze", b.slice(tf2onnx_direction(b, y, 1, "bidirectional/bw"), [0], [1], [0]), [0],
                         "bidirectional/bw/first")
    merged = b.op("Concat", [fw_last, bw_first], "bidirectional/concat", axis=-1)
    dense(b, merged, dk, "dense", softmax=True)
    b.nodes[-1].output[0] = "dense"
    model = b.finish("keras_bidirectional_lstm", [("input_1", FLOAT, ["N", "T", F])],
                     [("dense", FLOAT, ["N", 3])], "tf2onnx")
    x = float_input(rng)
    _, h = keras.bidirectional(lambda *a, **k: keras.lstm(*a, **k)[:2], x, fw, bw)
    return model, [("input_1", x)], [("dense", keras.softmax(keras.dense(h, *dk)))]


def case_bidirectional_gru(rng, w):
    """tf2onnx: Bidirectional(GRU(8, return_sequences=True)), merge_mode concat: both directions'
    sequences concatenated on features -> [N, T, 16]."""
    H = 8
    fw, bw = w.gru(F, H, True), w.gru(F, H, True)
    b = GraphBuilder(15)
    (h0,) = tf2onnx_states(b, "input_1", H, "bidirectional", 2, 1)
    y, _ = recurrent(b, "GRU", time_major(b, "input_1", "bidirectional"),
                     stack_directions(gru_to_onnx(*fw), gru_to_onnx(*bw)), H, "bidirectional/GRU",
                     direction="bidirectional", states=[h0], linear_before_reset=1,
                     activations=GRU_ACTS["activations"] * 2)
    merged = b.op("Concat", [tf2onnx_direction(b, y, 0, "bidirectional"), tf2onnx_direction(b, y, 1, "bidirectional")],
                  "bidirectional/concat", axis=-1)
    b.op("Transpose", [merged], "bidirectional/transpose_1", perm=[1, 0, 2])
    b.nodes[-1].output[0] = "bidirectional"
    model = b.finish("keras_bidirectional_gru", [("input_1", FLOAT, ["N", "T", F])],
                     [("bidirectional", FLOAT, ["N", "T", 2 * H])], "tf2onnx")
    x = float_input(rng)
    seq, _ = keras.bidirectional(lambda *a, **k: keras.gru(*a, reset_after=True, **k), x, fw, bw)
    return model, [("input_1", x)], [("bidirectional", seq)]


def case_stacked(rng, w):
    """tf2onnx: LSTM(16, return_sequences) -> LSTM(12, return_sequences) -> GRU(8) -> Dense; each
    layer transposes back to batch-major and the next one to time-major again."""
    l1, l2, g3, dk = w.lstm(F, 16), w.lstm(16, 12), w.gru(12, 8, True), w.dense(8, 4)
    b = GraphBuilder(13)
    x = "input_1"
    for prefix, lk, units in (("lstm", l1, 16), ("lstm_1", l2, 12)):
        h0, c0 = tf2onnx_states(b, x, units, prefix, 1, 2)
        y, _, _ = recurrent(b, "LSTM", time_major(b, x, prefix), stack_directions(lstm_to_onnx(*lk)), units,
                            f"{prefix}/LSTM", states=[h0, c0], **LSTM_ACTS)
        x = tf2onnx_sequence(b, y, prefix)
    (h0,) = tf2onnx_states(b, x, 8, "gru", 1, 1)
    y, _ = recurrent(b, "GRU", time_major(b, x, "gru"), stack_directions(gru_to_onnx(*g3)), 8, "gru/GRU",
                     states=[h0], linear_before_reset=1, **GRU_ACTS)
    last = tf2onnx_last_step(b, b.axes_op("Squeeze", y, [1], "gru/Squeeze"), "gru")
    dense(b, last, dk, "dense", softmax=True)
    b.nodes[-1].output[0] = "dense"
    model = b.finish("keras_stacked", [("input_1", FLOAT, ["N", "T", F])], [("dense", FLOAT, ["N", 4])], "tf2onnx")
    xv = float_input(rng)
    s1, _, _ = keras.lstm(xv, *l1)
    s2, _, _ = keras.lstm(s1, *l2)
    _, h = keras.gru(s2, *g3, reset_after=True)
    return model, [("input_1", xv)], [("dense", keras.softmax(keras.dense(h, *dk)))]


def case_time_distributed(rng, w):
    """tf2onnx: LSTM(12, return_sequences) -> TimeDistributed(Dense(5)): Reshape(-1, H) -> MatMul ->
    Add -> Reshape(-1, T, 5), T read from the input's shape."""
    H, C = 12, 5
    lk, dk = w.lstm(F, H), w.dense(H, C)
    b = GraphBuilder(13)
    h0, c0 = tf2onnx_states(b, "input_1", H, "lstm", 1, 2)
    y, _, _ = recurrent(b, "LSTM", time_major(b, "input_1", "lstm"), stack_directions(lstm_to_onnx(*lk)), H,
                        "lstm/LSTM", states=[h0, c0], **LSTM_ACTS)
    seq = tf2onnx_sequence(b, y, "lstm")
    flat = b.op("Reshape", [seq, b.ints([-1, H])], "time_distributed/Reshape")
    per_step = dense(b, flat, dk, "time_distributed/dense")
    steps = b.slice(b.op("Shape", [seq], "time_distributed/Shape"), [1], [2], [0], "time_distributed/steps")
    shape = b.op("Concat", [b.ints([-1]), steps, b.ints([C])], "time_distributed/shape", axis=0)
    b.op("Reshape", [per_step, shape], "time_distributed/Reshape_1")
    b.nodes[-1].output[0] = "time_distributed"
    model = b.finish("keras_time_distributed", [("input_1", FLOAT, ["N", "T", F])],
                     [("time_distributed", FLOAT, ["N", "T", C])], "tf2onnx")
    x = float_input(rng)
    s, _, _ = keras.lstm(x, *lk)
    return model, [("input_1", x)], [("time_distributed", keras.dense(s, *dk))]


def token_ids(rng, vocab, lengths=None):
    ids = rng.integers(1, vocab, (N, T)).astype(np.int32)
    for row, length in enumerate(lengths or []):
        ids[row, length:] = 0
    return ids


def case_embedding(rng, w):
    """tf2onnx: int32 token ids -> Embedding (Gather) -> GRU(reset_after) -> Dense(softmax)."""
    V, E, H = 20, 6, 10
    emb = rng.uniform(-0.05, 0.05, (V, E)).astype(np.float32)
    gk, dk = w.gru(E, H, True), w.dense(H, 3)
    b = GraphBuilder(15)
    x = b.op("Gather", [b.const(emb, "embedding/embeddings"), "input_1"], "embedding/Gather", axis=0)
    (h0,) = tf2onnx_states(b, x, H, "gru", 1, 1)
    y, _ = recurrent(b, "GRU", time_major(b, x, "gru"), stack_directions(gru_to_onnx(*gk)), H, "gru/GRU",
                     states=[h0], linear_before_reset=1, **GRU_ACTS)
    last = tf2onnx_last_step(b, b.axes_op("Squeeze", y, [1], "gru/Squeeze"), "gru")
    dense(b, last, dk, "dense", softmax=True)
    b.nodes[-1].output[0] = "dense"
    model = b.finish("keras_embedding", [("input_1", INT32, ["N", "T"])], [("dense", FLOAT, ["N", 3])], "tf2onnx")
    ids = token_ids(rng, V)
    _, h = keras.gru(emb[ids], *gk, reset_after=True)
    return model, [("input_1", ids)], [("dense", keras.softmax(keras.dense(h, *dk)))]


MASK_LENGTHS = [7, 2, 5]  # right-padded rows of different lengths (T = 7)


def case_masking(rng, w):
    """keras2onnx (opset 13): Masking -> LSTM(12, return_sequences) -> GRU(8) -> Dense, both
    recurrent nodes fed sequence_lens computed from the input."""
    l1, g2, dk = w.lstm(F, 12), w.gru(12, 8, True), w.dense(8, 4)
    b = GraphBuilder(13)
    lens = mask_lengths(b, "input_1", "masking")
    y, _, _ = recurrent(b, "LSTM", time_major(b, "input_1", "lstm"), stack_directions(lstm_to_onnx(*l1)), 12,
                        "lstm/LSTM", lens=lens, **LSTM_ACTS)
    seq = keras2onnx_sequence(b, y, "lstm")
    _, yh = recurrent(b, "GRU", time_major(b, seq, "gru"), stack_directions(gru_to_onnx(*g2)), 8, "gru/GRU",
                      lens=lens, linear_before_reset=1, **GRU_ACTS)
    b.axes_op("Squeeze", yh, [0], "gru/state")
    b.nodes[-1].output[0] = "gru"
    dense(b, "gru", dk, "dense", softmax=True)
    b.nodes[-1].output[0] = "dense"
    model = b.finish("keras_masking", [("input_1", FLOAT, ["N", "T", F])],
                     [("dense", FLOAT, ["N", 4]), ("gru", FLOAT, ["N", 8])], "keras2onnx")
    x = right_padded(float_input(rng), MASK_LENGTHS)
    mask = keras.masking(x)
    s1, _, _ = keras.lstm(x, *l1, mask=mask)
    _, h = keras.gru(s1, *g2, reset_after=True, mask=mask)
    return model, [("input_1", x)], [("dense", keras.softmax(keras.dense(h, *dk))), ("gru", h)]


def case_masked_bidirectional(rng, w):
    """keras2onnx (opset 12, ReduceSum axes as attribute): Masking -> Bidirectional(LSTM(10)) with
    sequence_lens; final states Y_h [2, N, H] -> Transpose -> Reshape [N, 2H]."""
    H = 10
    fw, bw = w.lstm(F, H), w.lstm(F, H)
    b = GraphBuilder(12)
    lens = mask_lengths(b, "input_1", "masking")
    _, yh, _ = recurrent(b, "LSTM", time_major(b, "input_1", "bidirectional"),
                         stack_directions(lstm_to_onnx(*fw), lstm_to_onnx(*bw)), H, "bidirectional/LSTM",
                         direction="bidirectional", lens=lens, activations=LSTM_ACTS["activations"] * 2)
    keras2onnx_state(b, yh, "bidirectional")
    b.nodes[-1].output[0] = "bidirectional"
    model = b.finish("keras_masked_bidirectional", [("input_1", FLOAT, ["N", "T", F])],
                     [("bidirectional", FLOAT, ["N", 2 * H])], "keras2onnx")
    x = right_padded(float_input(rng), MASK_LENGTHS)
    _, h = keras.bidirectional(lambda *a, **k: keras.lstm(*a, **k)[:2], x, fw, bw, mask=keras.masking(x))
    return model, [("input_1", x)], [("bidirectional", h)]


def case_embedding_mask_zero(rng, w):
    """keras2onnx: Embedding(mask_zero=True) -> GRU(12): sequence_lens = ReduceSum(Cast(ids != 0))."""
    V, E, H = 16, 4, 12
    emb = rng.uniform(-0.5, 0.5, (V, E)).astype(np.float32)
    gk = w.gru(E, H, True)
    b = GraphBuilder(13)
    lens = mask_lengths(b, "input_1", "embedding", from_ids=True)
    x = b.op("Gather", [b.const(emb, "embedding/embeddings"), "input_1"], "embedding/Gather", axis=0)
    _, yh = recurrent(b, "GRU", time_major(b, x, "gru"), stack_directions(gru_to_onnx(*gk)), H, "gru/GRU",
                      lens=lens, linear_before_reset=1, **GRU_ACTS)
    b.axes_op("Squeeze", yh, [0], "gru/state")
    b.nodes[-1].output[0] = "gru"
    model = b.finish("keras_embedding_mask_zero", [("input_1", INT32, ["N", "T"])], [("gru", FLOAT, ["N", H])],
                     "keras2onnx")
    ids = token_ids(rng, V, MASK_LENGTHS)
    _, h = keras.gru(emb[ids], *gk, reset_after=True, mask=ids != 0)
    return model, [("input_1", ids)], [("gru", h)]


def case_go_backwards_tf2onnx(rng, w):
    """tf2onnx: LSTM(12, go_backwards=True, return_sequences=True): ReverseSequence on the
    time-major input (every row T long), a forward LSTM, outputs in processing order."""
    H = 12
    lk = w.lstm(F, H)
    b = GraphBuilder(15)
    h0, c0 = tf2onnx_states(b, "input_1", H, "lstm", 1, 2)
    rev = b.op("ReverseSequence", [time_major(b, "input_1", "lstm"), time_steps_per_row(b, "input_1", "lstm")],
               "lstm/ReverseV2", batch_axis=1, time_axis=0)
    y, yh, _ = recurrent(b, "LSTM", rev, stack_directions(lstm_to_onnx(*lk)), H, "lstm/LSTM", states=[h0, c0],
                         **LSTM_ACTS)
    tf2onnx_sequence(b, y, "lstm")
    b.nodes[-1].output[0] = "lstm"
    b.axes_op("Squeeze", yh, [0], "lstm/state")
    b.nodes[-1].output[0] = "lstm_state"
    model = b.finish("keras_go_backwards_tf2onnx", [("input_1", FLOAT, ["N", "T", F])],
                     [("lstm", FLOAT, ["N", "T", H]), ("lstm_state", FLOAT, ["N", H])], "tf2onnx")
    x = float_input(rng)
    seq, h, _ = keras.lstm(x, *lk, go_backwards=True)
    return model, [("input_1", x)], [("lstm", seq), ("lstm_state", h)]


def case_go_backwards_keras2onnx(rng, w):
    """keras2onnx (opset 11): GRU(10, go_backwards=True, return_sequences=True) -> a reverse-direction
    node; its Y (in input order) goes through ReverseSequence to Keras' processing order."""
    H = 10
    gk = w.gru(F, H, True)
    b = GraphBuilder(11)
    y, yh = recurrent(b, "GRU", time_major(b, "input_1", "gru"), stack_directions(gru_to_onnx(*gk)), H, "gru/GRU",
                      direction="reverse", linear_before_reset=1, **GRU_ACTS)
    y = b.axes_op("Squeeze", y, [1], "gru/Squeeze")
    rev = b.op("ReverseSequence", [y, time_steps_per_row(b, "input_1", "gru")], "gru/ReverseSequence",
               batch_axis=1, time_axis=0)
    b.op("Transpose", [rev], "gru/transpose_1", perm=[1, 0, 2])
    b.nodes[-1].output[0] = "gru"
    b.axes_op("Squeeze", yh, [0], "gru/state")
    b.nodes[-1].output[0] = "gru_state"
    model = b.finish("keras_go_backwards_keras2onnx", [("input_1", FLOAT, ["N", "T", F])],
                     [("gru", FLOAT, ["N", "T", H]), ("gru_state", FLOAT, ["N", H])], "keras2onnx")
    x = float_input(rng)
    seq, h = keras.gru(x, *gk, reset_after=True, go_backwards=True)
    return model, [("input_1", x)], [("gru", seq), ("gru_state", h)]


CASES = {name[len("case_"):]: fn for name, fn in sorted(globals().items()) if name.startswith("case_")}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out")
    ap.add_argument("--case", action="append", choices=sorted(CASES), help="only these cases (default: all)")
    ap.add_argument("--list", action="store_true", help="print the case names and exit")
    a = ap.parse_args()
    if a.list:
        print("\n".join(f"keras_native_{n}" for n in CASES))
        return 0
    if not a.out:
        ap.error("--out is required")
    for name in a.case or CASES:
        # one generator per case, seeded by its name, so a case does not change when others are added
        rng = np.random.default_rng(sum(map(ord, name)) * 7919)
        model, inputs, outputs = CASES[name](rng, Weights(rng))
        outputs = [(n, v.astype(np.float32)) for n, v in outputs]
        write_case(a.out, f"keras_native_{name}", model, inputs, outputs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
