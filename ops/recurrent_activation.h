// The activation functions ONNX lists for recurrent ops (RNN / GRU / LSTM), with their
// alpha/beta. A header of its own, with no dependencies, because the per-ISA gate kernels
// (ops/simd/) take it and must not include anything with inline code of its own (see
// ops/simd/kernel_table.h).
#pragma once

namespace seqrt::ops {

struct RecurrentActivation {
  enum class Kind {
    kRelu, kTanh, kSigmoid, kAffine, kLeakyRelu, kThresholdedRelu, kScaledTanh, kHardSigmoid,
    kElu, kSoftsign, kSoftplus
  };
  Kind kind = Kind::kTanh;
  float alpha = 0.f;
  float beta = 0.f;
  float Apply(float x) const;  // defined in recurrent_attrs.cc
};

}  // namespace seqrt::ops
