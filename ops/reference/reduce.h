// Reductions (ReduceSum/Mean/Max/...) and ArgMax/ArgMin: attribute parsing shared by the shape
// function and the kernels, plus the reference kernels' factories.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/graph.h"
#include "ops/kernel.h"

namespace seqrt::ops {

enum class ReduceKind { kSum, kMean, kMax, kMin, kProd, kL1, kL2, kLogSum, kLogSumExp, kSumSquare };

// What a Reduce* node asks for, with opset differences already resolved.
struct ReduceAttrs {
  ReduceKind kind = ReduceKind::kSum;
  bool keepdims = true;
  bool noop_with_empty_axes = false;
  // From ReduceSum-13 / every other Reduce*-18 the axes are input 1, before that an attribute.
  bool axes_from_input = false;
  std::vector<int64_t> attr_axes;
};

absl::StatusOr<ReduceAttrs> ParseReduceAttrs(const graph::Node& node, ReduceKind kind);

// Bit i set = axis i is reduced. `axes` are the raw (possibly negative) axes; an empty list
// means "all axes" (callers handle noop_with_empty_axes first). Errors (out of range, repeated
// axis) start with `where`, the node's description.
absl::StatusOr<uint64_t> ReducedAxesMask(const ReduceAttrs& attrs, std::span<const int64_t> axes,
                                         int rank, std::string_view where);

// Maximum rank the reduction kernels handle (one bit per axis in the mask).
inline constexpr int kMaxReduceRank = 64;

absl::StatusOr<std::unique_ptr<OpKernel>> MakeReduceKernel(const graph::Node& node, ReduceKind kind);

// ArgMax / ArgMin: attributes shared by shape function and kernel.
struct ArgReduceAttrs {
  bool is_max = true;
  int64_t axis = 0;
  bool keepdims = true;
  bool select_last_index = false;  // opset 12+
};

ArgReduceAttrs ParseArgReduceAttrs(const graph::Node& node, bool is_max);
absl::StatusOr<std::unique_ptr<OpKernel>> MakeArgReduceKernel(const graph::Node& node, bool is_max);

}  // namespace seqrt::ops
