// oneDNN fast path for float32 MaxPool and AveragePool (1-D to 3-D), on the plain NC[D]HW
// layout the graph uses. The header hides oneDNN so ops/nn/pool.cc can list the kernels
// without including dnnl.hpp.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "graph/graph.h"
#include "ops/kernel.h"

namespace seqrt::ops {

// Prepare declines (Unimplemented) for non-float32 tensors, empty tensors, a requested
// Indices output (oneDNN's workspace is not ONNX's flat indices), AveragePool windows that
// count padding but reach past it in ceil mode, or when oneDNN offers only its reference code.
absl::StatusOr<std::unique_ptr<OpKernel>> MakeOnednnMaxPool(const graph::Node& node);
absl::StatusOr<std::unique_ptr<OpKernel>> MakeOnednnAveragePool(const graph::Node& node);

}  // namespace seqrt::ops
