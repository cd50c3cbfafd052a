// oneDNN fast path for float32 ConvTranspose (1-D to 3-D) through oneDNN's deconvolution.
// Constant weights are reordered once, in Prepare, from ONNX's [C_in, C_out/group, k...]
// into the primitive's preferred layout; activations go through scratch reorders when the
// primitive prefers a blocked layout. The header hides oneDNN from ops/nn/.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "graph/graph.h"
#include "ops/kernel.h"

namespace seqrt::ops {

// Prepare declines (Unimplemented) for non-float32 tensors, empty tensors, more than 3
// spatial dims, outputs larger than the padding-free size (output_padding or output_shape
// reaching past every input tap), or when oneDNN offers only its reference implementation.
absl::StatusOr<std::unique_ptr<OpKernel>> MakeOnednnConvTranspose(const graph::Node& node);

}  // namespace seqrt::ops
