// oneDNN fast paths for float32 MatMul and Gemm (oneDNN matmul primitive). Constant weights
// are reordered once, in Prepare, into the layout the primitive prefers. The header hides
// oneDNN so ops/matmul.cc can list the kernels without including dnnl.hpp.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "graph/graph.h"
#include "ops/kernel.h"

namespace seqrt::ops {

// Prepare declines (Unimplemented) for non-float32 operands, empty tensors, more dims than
// oneDNN handles, or when oneDNN would only offer its reference implementation.
absl::StatusOr<std::unique_ptr<OpKernel>> MakeOnednnMatMul(const graph::Node& node);
absl::StatusOr<std::unique_ptr<OpKernel>> MakeOnednnGemm(const graph::Node& node);

}  // namespace seqrt::ops
