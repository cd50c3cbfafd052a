// Parsed, validated attributes of ONNX RNN / GRU / LSTM, shared by the shape function and
// every recurrent kernel (reference and fast), so each kernel reads the same facts.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/graph.h"

namespace seqrt::ops {

enum class RecurrentCell { kRnn, kGru, kLstm };

// The activation functions ONNX lists for recurrent ops, with their alpha/beta.
struct RecurrentActivation {
  enum class Kind {
    kRelu, kTanh, kSigmoid, kAffine, kLeakyRelu, kThresholdedRelu, kScaledTanh, kHardSigmoid,
    kElu, kSoftsign, kSoftplus
  };
  Kind kind = Kind::kTanh;
  float alpha = 0.f;
  float beta = 0.f;
  float Apply(float x) const;
};

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
