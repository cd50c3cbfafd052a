// RNN / GRU / LSTM: the shape facts every recurrent kernel agrees on (input slots, dims and
// their validation), the activation math, and the reference kernel's factory.
//
// The reference kernel follows the ONNX equations literally, one batch row and one time step
// at a time; it is the oracle the fast kernels are tested against.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/graph.h"
#include "ops/kernel.h"
#include "ops/recurrent_attrs.h"

namespace seqrt::ops {

// Input and output slots of RNN / GRU / LSTM (absent optional inputs have no value).
enum RecurrentInput { kRecX = 0, kRecW, kRecR, kRecB, kRecSequenceLens, kRecInitialH, kRecInitialC, kRecP };
enum RecurrentOutput { kRecY = 0, kRecYh, kRecYc };

// The four sizes a recurrent node is built from. At load time any may be unknown.
struct RecurrentDims {
  graph::Dim seq_len;      // T
  graph::Dim batch;        // N
  graph::Dim input_size;   // I
  graph::Dim hidden_size;  // H
};

// Checks every present input's rank and known dims against the attributes and each other
// (W [D,G*H,I], R [D,G*H,H], B [D,2*G*H], sequence_lens [N], initial_h/c [D,N,H] or
// [N,D,H] with layout 1, P [D,3*H]) and returns T, N, I, H. `inputs[i]` is null when input
// i is absent. Errors start with `where` and say expected vs got.
absl::StatusOr<RecurrentDims> CheckRecurrentShapes(const RecurrentAttrs& attrs,
                                                   const std::vector<const graph::Shape*>& inputs,
                                                   std::string_view where);

// Output shapes: Y [T,D,N,H] (layout 1: [N,T,D,H]); Y_h and Y_c [D,N,H] (layout 1: [N,D,H]).
graph::Shape RecurrentYShape(const RecurrentAttrs& attrs, const RecurrentDims& d);
graph::Shape RecurrentStateShape(const RecurrentAttrs& attrs, const RecurrentDims& d);

// Concrete sizes for kernels, from a PrepareContext whose dims are all known.
struct RecurrentGeometry {
  int64_t seq_len = 0, batch = 0, input_size = 0, hidden_size = 0;
  int num_directions = 1;
};
absl::StatusOr<RecurrentGeometry> GetRecurrentGeometry(const RecurrentAttrs& attrs,
                                                       const PrepareContext& ctx);

// sequence_lens must lie in [0, seq_len]; the error names the row and value.
absl::Status CheckSequenceLens(const int64_t* lens, int64_t batch, int64_t seq_len,
                               std::string_view where);

// The ONNX activation functions; C is float or double.
template <typename C>
C ApplyRecurrentActivation(const RecurrentActivation& act, C x) {
  const C alpha = static_cast<C>(act.alpha);
  const C beta = static_cast<C>(act.beta);
  using Kind = RecurrentActivation::Kind;
  switch (act.kind) {
    case Kind::kRelu: return x > C(0) ? x : C(0);
    case Kind::kTanh: return std::tanh(x);
    case Kind::kSigmoid: return C(1) / (C(1) + std::exp(-x));
    case Kind::kAffine: return alpha * x + beta;
    case Kind::kLeakyRelu: return x >= C(0) ? x : alpha * x;
    case Kind::kThresholdedRelu: return x > alpha ? x : C(0);
    case Kind::kScaledTanh: return alpha * std::tanh(beta * x);
    case Kind::kHardSigmoid: return std::min(std::max(alpha * x + beta, C(0)), C(1));
    case Kind::kElu: return x >= C(0) ? x : alpha * (std::exp(x) - C(1));
    case Kind::kSoftsign: return x / (C(1) + std::abs(x));
    // log(1 + e^x) without overflow for large x.
    case Kind::kSoftplus: return x > C(0) ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
  }
  return x;
}

// The reference kernel for RNN, GRU and LSTM (the cell is taken from node.op_type).
absl::StatusOr<std::unique_ptr<OpKernel>> MakeReferenceRecurrentKernel(const graph::Node& node);

}  // namespace seqrt::ops
