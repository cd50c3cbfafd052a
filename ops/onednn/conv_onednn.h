// oneDNN fast path for float32 Conv (1-D to 3-D). Constant weights are reordered once, in
// Prepare, into the primitive's preferred layout; activations are reordered to and from the
// primitive's layout through scratch memory when it prefers a blocked one. The header hides
// oneDNN so ops/conv.cc can list the kernel without including dnnl.hpp.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "graph/graph.h"
#include "ops/kernel.h"

namespace seqrt::ops {

// Prepare declines (Unimplemented) for non-float32 tensors, empty tensors, more than 3
// spatial dims, or when oneDNN would only offer its reference implementation.
absl::StatusOr<std::unique_ptr<OpKernel>> MakeOnednnConv(const graph::Node& node);

}  // namespace seqrt::ops
