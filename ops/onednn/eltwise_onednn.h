// oneDNN fast path for float32 unary elementwise ops (Relu, Tanh, Sigmoid, Exp, Clip...).
// The header hides oneDNN so op families can list the kernel without including dnnl.hpp.
#pragma once

#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "graph/graph.h"
#include "ops/kernel.h"

namespace seqrt::ops {

// Whether the oneDNN eltwise kernel can serve this ai.onnx op type at all.
bool OnednnHasEltwise(std::string_view op_type);

// Builds the kernel; its Prepare declines (Unimplemented) for non-float32 tensors, bounds
// only known at run time (Clip), tensors too small (or, for cheap functions, runs too
// single-threaded) to repay oneDNN's per-call overhead, or when oneDNN would only offer
// its slow reference code.
absl::StatusOr<std::unique_ptr<OpKernel>> MakeOnednnEltwiseKernel(const graph::Node& node);

}  // namespace seqrt::ops
