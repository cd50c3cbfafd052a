// oneDNN fast path for float32 Softmax / LogSoftmax (softmax_v2 primitive). The header hides
// oneDNN so ops/softmax.cc can list the kernels without including dnnl.hpp.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "graph/graph.h"
#include "ops/kernel.h"

namespace seqrt::ops {

// Prepare declines (Unimplemented) for non-float32 tensors, tensors under 2048 elements
// (where the reference kernel is faster), or when oneDNN would only offer its reference
// implementation.
absl::StatusOr<std::unique_ptr<OpKernel>> MakeOnednnSoftmax(const graph::Node& node);
absl::StatusOr<std::unique_ptr<OpKernel>> MakeOnednnLogSoftmax(const graph::Node& node);

}  // namespace seqrt::ops
