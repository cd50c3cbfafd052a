"""Keras recurrent layers in float64 numpy, written from Keras' own equations and weight layout
(keras.layers.SimpleRNN / LSTM / GRU, Bidirectional, Masking), never from ONNX's.

Weight layout, as `layer.get_weights()` returns it:
  SimpleRNN  kernel [F, H], recurrent_kernel [H, H], bias [H]
  LSTM       kernel [F, 4H], recurrent_kernel [H, 4H], bias [4H]; gate blocks i, f, c, o
  GRU        kernel [F, 3H], recurrent_kernel [H, 3H]; gate blocks z, r, h;
             bias [2, 3H] (input bias, recurrent bias) when reset_after=True, else [3H]
Masks: a step whose mask is False leaves the states unchanged (keras.backend.rnn); the exporters
turn right-padded masks into sequence_lens, so callers only build right-padded masks.
go_backwards: the layer reads the (padded) sequence from its end and returns its outputs in
processing order. Outputs at masked steps are not compared by the tests (ONNX zeroes them, Keras
repeats the previous output), only the states and the unmasked steps.
"""
import numpy as np


def sigmoid(v):
    return 1.0 / (1.0 + np.exp(-v))


def hard_sigmoid(v):
    """Keras 2's hard_sigmoid: clip(0.2 x + 0.5, 0, 1)."""
    return np.clip(0.2 * v + 0.5, 0.0, 1.0)


RECURRENT_ACTIVATIONS = {"sigmoid": sigmoid, "hard_sigmoid": hard_sigmoid}


def _run(step, x, states, mask, go_backwards):
    """keras.backend.rnn on batch-major x [N, T, F]: returns (outputs [N, T, H], final states)."""
    n, t, _ = x.shape
    mask = np.ones((n, t), bool) if mask is None else mask
    order = range(t - 1, -1, -1) if go_backwards else range(t)
    outputs = []
    for s in order:
        new_states = step(x[:, s].astype(np.float64), states)
        keep = mask[:, s][:, None]
        states = [np.where(keep, new, old) for new, old in zip(new_states, states)]
        outputs.append(states[0])
    return np.stack(outputs, axis=1), states


def simple_rnn(x, kernel, recurrent_kernel, bias, mask=None, go_backwards=False):
    def step(xt, states):
        return [np.tanh(xt @ kernel + states[0] @ recurrent_kernel + bias)]
    h0 = np.zeros((x.shape[0], kernel.shape[1]))
    seq, (h,) = _run(step, x, [h0], mask, go_backwards)
    return seq, h


def lstm(x, kernel, recurrent_kernel, bias, mask=None, go_backwards=False, recurrent_activation="sigmoid"):
    """Returns (sequence, h, c)."""
    units = recurrent_kernel.shape[0]
    act = RECURRENT_ACTIVATIONS[recurrent_activation]

    def step(xt, states):
        h, c = states
        z = xt @ kernel + h @ recurrent_kernel + bias
        i, f, g, o = (z[:, k * units:(k + 1) * units] for k in range(4))
        c = act(f) * c + act(i) * np.tanh(g)
        return [act(o) * np.tanh(c), c]

    zeros = np.zeros((x.shape[0], units))
    seq, (h, c) = _run(step, x, [zeros, zeros], mask, go_backwards)
    return seq, h, c


def gru(x, kernel, recurrent_kernel, bias, reset_after, mask=None, go_backwards=False):
    """Returns (sequence, h)."""
    units = recurrent_kernel.shape[0]
    if reset_after:
        input_bias, recurrent_bias = bias[0], bias[1]
    else:
        input_bias, recurrent_bias = bias, np.zeros(3 * units)

    def split(m):
        return [m[..., k * units:(k + 1) * units] for k in range(3)]

    def step(xt, states):
        (h,) = states
        x_z, x_r, x_h = split(xt @ kernel + input_bias)
        r_kz, r_kr, r_kh = split(recurrent_kernel)
        b_z, b_r, b_h = split(recurrent_bias)
        if reset_after:
            # the reset gate multiplies the recurrent projection, bias included
            z = sigmoid(x_z + h @ r_kz + b_z)
            r = sigmoid(x_r + h @ r_kr + b_r)
            hh = np.tanh(x_h + r * (h @ r_kh + b_h))
        else:
            # the reset gate multiplies the state before its projection
            z = sigmoid(x_z + h @ r_kz)
            r = sigmoid(x_r + h @ r_kr)
            hh = np.tanh(x_h + (r * h) @ r_kh)
        return [z * h + (1.0 - z) * hh]

    h0 = np.zeros((x.shape[0], units))
    seq, (h,) = _run(step, x, [h0], mask, go_backwards)
    return seq, h


def bidirectional(layer, x, forward_weights, backward_weights, mask=None, **kw):
    """keras.layers.Bidirectional(merge_mode='concat'): the backward copy runs with
    go_backwards=True and, for sequences, its outputs are reversed back to input order.
    Returns (sequence [N, T, 2H], concatenated final h [N, 2H])."""
    fw = layer(x, *forward_weights, mask=mask, **kw)
    bw = layer(x, *backward_weights, mask=mask, go_backwards=True, **kw)
    seq = np.concatenate([fw[0], bw[0][:, ::-1]], axis=-1)
    return seq, np.concatenate([fw[1], bw[1]], axis=-1)


def masking(x, mask_value=0.0):
    """keras.layers.Masking: a step is kept when any of its features differs from mask_value."""
    return np.any(x != mask_value, axis=-1)


def dense(x, kernel, bias):
    return x @ kernel + bias


def softmax(v):
    e = np.exp(v - v.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)
