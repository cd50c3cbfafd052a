// Parsed, validated attributes of ONNX RNN / GRU / LSTM, shared by the shape function and
// every recurrent kernel (reference and fast), so each kernel reads the same facts.
#pragma once

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/graph.h"
#include "ops/recurrent_activation.h"

namespace seqrt::ops {

enum class RecurrentCell { kRnn, kGru, kLstm };

struct RecurrentAttrs {
  RecurrentCell cell = RecurrentCell::kLstm;
  int num_directions = 1;          // 2 for bidirectional
  bool reverse = false;            // direction == "reverse" (unidirectional)
  int64_t hidden_size = 0;         // 0 when the attribute is absent: taken from R's shape
  // Per direction: cell-specific count (RNN 1, GRU 2, LSTM 3), directions concatenated,
  // defaults filled in (RNN Tanh; GRU Sigmoid,Tanh; LSTM Sigmoid,Tanh,Tanh).
  std::vector<RecurrentActivation> activations;
  std::optional<float> clip;       // absent: no clipping
  bool input_forget = false;       // LSTM
  bool linear_before_reset = false;  // GRU
  int layout = 0;                  // 0: [T,N,*] time-major; 1: [N,T,*] batch-major (opset 14+)
  int gates() const { return cell == RecurrentCell::kRnn ? 1 : cell == RecurrentCell::kGru ? 3 : 4; }
  int activations_per_direction() const { return cell == RecurrentCell::kRnn ? 1 : cell == RecurrentCell::kGru ? 2 : 3; }
  const RecurrentActivation& activation(int direction, int k) const {
    return activations[direction * activations_per_direction() + k];
  }
};

// The ONNX activation functions applied in C precision (float or double: the reference kernel
// can run in double).
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

// Reads and validates the node's attributes; errors name the node and the attribute.
absl::StatusOr<RecurrentAttrs> ParseRecurrentAttrs(const graph::Node& node, RecurrentCell cell);
// The same, with the cell taken from the node's op type.
absl::StatusOr<RecurrentAttrs> ParseRecurrentAttrs(const graph::Node& node);

// For kernel constructors, which cannot return a Status: parses into `attrs` and returns the
// error (if any) for the kernel's init_status().
absl::Status ParseRecurrentAttrsInto(const graph::Node& node, RecurrentAttrs& attrs);

// RNN / GRU / LSTM from the op type; anything else is an error naming the node.
absl::StatusOr<RecurrentCell> RecurrentCellOf(const graph::Node& node);

}  // namespace seqrt::ops
