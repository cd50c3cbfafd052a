// oneDNN fast path for float32 two-operand arithmetic with numpy broadcasting: Add, Sub,
// Mul, Div, and the two-input forms of Sum, Mean, Min and Max. The header hides oneDNN.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "graph/graph.h"
#include "ops/kernel.h"

namespace seqrt::ops {

// Builds the kernel; its Prepare declines (Unimplemented) unless there are exactly two
// float32 inputs, a big output and several threads (single-threaded, the reference loop is
// as fast), and oneDNN's binary primitive can express the broadcast (only the second operand
// may broadcast; a broadcast first operand is swapped in for commutative ops) with an
// optimised implementation.
absl::StatusOr<std::unique_ptr<OpKernel>> MakeOnednnBinaryKernel(const graph::Node& node);

}  // namespace seqrt::ops
