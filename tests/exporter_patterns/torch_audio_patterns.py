#!/usr/bin/python3
"""PyTorch audio and OCR models with recurrent layers, exported by torch.onnx.export (Debian's
python3-torch 1.13), as backend-style test cases. Expected outputs come from PyTorch running
the same module in float64, never from seqrt.

Cases (issue 15):
  crnn      a CRNN text recognizer: Conv2d -> BatchNorm2d -> ReLU -> MaxPool2d (twice) ->
            columns as time steps -> bidirectional LSTM -> Linear -> LogSoftmax. Exported with
            training=TrainingMode.PRESERVE, as recognizers meant for fine-tuning are: the default
            (EVAL) folds each BatchNorm into its Conv, PRESERVE keeps BatchNormalization nodes.
  enhancer  a convolutional speech enhancer: Conv1d encoder -> GRU -> ConvTranspose1d decoder
            with a skip connection -> sigmoid mask, and the in-place assignment
            `out[:, 0] = x[:, 0]` (keep the DC bin) that torch exports as ScatterND.
  stft_lstm an STFT + mel front end feeding an LSTM: torch.stft (centre padding by reflection)
            -> power -> mel filterbank (torchaudio's) -> log -> LSTM -> Linear.

torch 1.13 has no ONNX symbolic for aten::stft (newer releases export it as the STFT operator
of opset 17). Users of 1.13 register one, as stft_lstm does below: the symbolic emits what
newer exporters emit (the signal as [batch, length, 1], STFT with a constant step and frame
length, then a Transpose to torch's [batch, bins, frames, 2]); everything around it is
torch.onnx's own export.

Usage: torch_audio_patterns.py --out DIR [--case NAME]... [--list]
Writes DIR/torch_audio_<name>/{model.onnx, test_data_set_0/}.
"""
import argparse
import io
import sys
import warnings

import numpy as np
import onnx
import torch
import torchaudio
from torch import nn
from torch.onnx import symbolic_helper

from common import write_case


class Crnn(nn.Module):
    """[batch, 1, 16, width] text-line image -> [width/2, batch, classes] log-probabilities."""

    def __init__(self, classes=11):
        super().__init__()

        def block(cin, cout, pool):
            return [nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(), pool]

        # CRNN's pooling halves height twice but width once (the second pool is 2x1), so
        # there are width/2 time steps.
        self.cnn = nn.Sequential(*block(1, 8, nn.MaxPool2d(2)), *block(8, 16, nn.MaxPool2d((2, 1))))
        self.rnn = nn.LSTM(16 * 4, 24, bidirectional=True)
        self.head = nn.Linear(48, classes)
        # Trained-looking batch statistics, so BatchNorm is not the identity.
        for m in self.cnn:
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
                m.weight.data.uniform_(0.5, 1.5)
                m.bias.data.uniform_(-0.2, 0.2)

    def forward(self, image):
        f = self.cnn(image)  # [batch, 16, 4, width/2]
        b, c, h, w = f.shape
        seq = f.permute(3, 0, 1, 2).reshape(w, b, c * h)
        y, _ = self.rnn(seq)
        return torch.log_softmax(self.head(y), dim=2)


class Enhancer(nn.Module):
    """[batch, 16 bins, frames] noisy magnitudes -> enhanced magnitudes, same shape."""

    def __init__(self, bins=16, width=24):
        super().__init__()
        self.enc = nn.Conv1d(bins, width, 3, stride=2, padding=1)
        self.gru = nn.GRU(width, width, batch_first=True)
        self.dec = nn.ConvTranspose1d(width, bins, 4, stride=2, padding=1)
        self.mask = nn.Conv1d(2 * bins, bins, 1)

    def forward(self, x):
        h = torch.relu(self.enc(x))               # [batch, width, frames/2]
        r, _ = self.gru(h.transpose(1, 2))        # [batch, frames/2, width]
        d = torch.relu(self.dec(r.transpose(1, 2)))  # [batch, bins, frames]
        m = torch.sigmoid(self.mask(torch.cat([d, x], dim=1)))
        out = x * m
        out[:, 0] = x[:, 0]  # the DC bin passes through untouched (ScatterND)
        return out


N_FFT, HOP, MELS, RATE = 64, 16, 12, 8000


class StftLstm(nn.Module):
    """[batch, samples] waveform -> [batch, frames, 5] per-frame scores."""

    def __init__(self):
        super().__init__()
        self.register_buffer("window", torch.hann_window(N_FFT))
        fbanks = torchaudio.functional.melscale_fbanks(N_FFT // 2 + 1, 0.0, RATE / 2, MELS, RATE)
        self.register_buffer("fbanks", fbanks)
        self.rnn = nn.LSTM(MELS, 16, batch_first=True)
        self.head = nn.Linear(16, 5)

    def forward(self, wave):
        z = torch.stft(wave, N_FFT, hop_length=HOP, window=self.window, center=True, pad_mode="reflect",
                       return_complex=False)  # [batch, bins, frames, 2]
        power = z.pow(2).sum(-1)
        mel = torch.matmul(power.transpose(1, 2), self.fbanks)
        y, _ = self.rnn(torch.log(mel + 1e-6))
        return self.head(y)


@symbolic_helper.parse_args("v", "i", "i", "i", "v", "b", "b", "b")
def stft_symbolic(g, signal, n_fft, hop_length, win_length, window, normalized, onesided, return_complex):
    if normalized or win_length not in (None, n_fft) or symbolic_helper._is_none(window):
        raise RuntimeError("this symbolic covers stft with a full-length window, not normalized")
    signal = g.op("Unsqueeze", signal, g.op("Constant", value_t=torch.tensor([-1])))
    step = g.op("Constant", value_t=torch.tensor(hop_length, dtype=torch.int64))
    length = g.op("Constant", value_t=torch.tensor(n_fft, dtype=torch.int64))
    frames = g.op("STFT", signal, step, window, length, onesided_i=1 if onesided is not False else 0)
    return g.op("Transpose", frames, perm_i=[0, 2, 1, 3])


def case_crnn(rng):
    shape = (3, 1, 16, 40)
    return (13, Crnn(), {"image": rng.uniform(0, 1, shape).astype(np.float32)}, ["log_probs"],
            {"image": {0: "batch", 3: "width"}, "log_probs": {0: "steps", 1: "batch"}}, {"batch": 2, "width": 24},
            {"training": torch.onnx.TrainingMode.PRESERVE})


def case_enhancer(rng):
    shape = (3, 16, 12)
    return (14, Enhancer(), {"noisy": rng.uniform(0, 2, shape).astype(np.float32)}, ["enhanced"],
            {"noisy": {0: "batch", 2: "frames"}, "enhanced": {0: "batch", 2: "frames"}}, {"batch": 2, "frames": 8}, {})


def case_stft_lstm(rng):
    shape = (3, 640)
    return (17, StftLstm(), {"wave": rng.uniform(-1, 1, shape).astype(np.float32)}, ["scores"],
            {"wave": {0: "batch", 1: "time"}, "scores": {0: "batch", 1: "frames"}}, {"batch": 2, "time": 400}, {})


CASES = {name[len("case_"):]: fn for name, fn in sorted(globals().items()) if name.startswith("case_")}


def build(name, root):
    # one generator per case, seeded by its name, so a case does not change when others are added
    seed = sum(map(ord, name)) * 7919
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    opset, module, inputs, output_names, axes, export_dims, export_options = CASES[name](rng)
    module.eval()
    # Exported with another batch and length than the test data, so the test also checks that
    # the dynamic axes really are dynamic in what torch emits.
    dummies = []
    for arg, v in inputs.items():
        shape = [export_dims.get(axes.get(arg, {}).get(d), n) for d, n in enumerate(v.shape)]
        dummies.append(torch.zeros(shape).uniform_(-1, 1))
    buf = io.BytesIO()
    torch.onnx.export(module, tuple(dummies), buf, input_names=list(inputs), output_names=output_names,
                      dynamic_axes=axes, opset_version=opset, **export_options)
    model = onnx.load_from_string(buf.getvalue())
    onnx.checker.check_model(model)
    with torch.no_grad():
        expected = module.double()(*(torch.from_numpy(v).double() for v in inputs.values()))
    if isinstance(expected, torch.Tensor):
        expected = [expected]
    return write_case(root, f"torch_audio_{name}", model, list(inputs.items()),
                      [(n, e.numpy().astype(np.float32)) for n, e in zip(output_names, expected)])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out")
    ap.add_argument("--case", action="append", choices=sorted(CASES), help="only these cases (default: all)")
    ap.add_argument("--list", action="store_true", help="print the case names and exit")
    a = ap.parse_args()
    if a.list:
        print("\n".join(f"torch_audio_{n}" for n in CASES))
        return 0
    if not a.out:
        ap.error("--out is required")
    torch.set_num_threads(1)
    torch.onnx.register_custom_op_symbolic("aten::stft", stft_symbolic, 17)
    # torch warns about batch sizes fixed by exports without initial states (the test data's
    # batch differs from the export's, so that would be caught), and about stft's real output.
    warnings.filterwarnings("ignore", category=UserWarning)
    for name in a.case or CASES:
        build(name, a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
