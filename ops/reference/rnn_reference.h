// The reference kernel for RNN, GRU and LSTM: it follows the ONNX equations literally, one
// batch row and one time step at a time; it is the oracle the fast kernels are tested against.
// The shape facts it shares with them are in ops/recurrent_spec.h.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "graph/graph.h"
#include "ops/kernel.h"
#include "ops/recurrent_spec.h"

namespace seqrt::ops {

// The reference kernel for RNN, GRU and LSTM (the cell is taken from node.op_type).
absl::StatusOr<std::unique_ptr<OpKernel>> MakeReferenceRecurrentKernel(const graph::Node& node);

}  // namespace seqrt::ops
