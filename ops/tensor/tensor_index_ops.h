// The tensor-indexing family (ops/tensor/): operators that pick, place or count elements by
// index or by value, one file per op (or per pair of inverse ops), each with its shape
// function beside its kernel. RegisterTensorIndexOps (register_tensor_index.cc) is the
// family's one registry line.
//   scatter_nd.cc:       ScatterND
//   scatter_elements.cc: ScatterElements and the deprecated Scatter
//   gather_nd.cc:        GatherND
//   depth_space.cc:      DepthToSpace, SpaceToDepth
//   one_hot.cc:          OneHot
//   nonzero.cc:          NonZero
//   compress.cc:         Compress
//   unique.cc:           Unique
// (Gather and GatherElements predate the folder: ops/tensor_gather.cc.)
#pragma once

#include <cstdint>
#include <string_view>

#include "absl/status/status.h"
#include "ops/registry.h"
#include "seqrt/dtype.h"

namespace seqrt::ops::tensor {

void RegisterScatterNDOp(OpRegistry& registry);
void RegisterScatterElementsOps(OpRegistry& registry);
void RegisterGatherNDOp(OpRegistry& registry);
void RegisterDepthSpaceOps(OpRegistry& registry);
void RegisterOneHotOp(OpRegistry& registry);
void RegisterNonZeroOp(OpRegistry& registry);
void RegisterCompressOp(OpRegistry& registry);
void RegisterUniqueOp(OpRegistry& registry);

// Element i of an int32/int64 index buffer.
inline int64_t IndexValue(DType dtype, const void* data, int64_t i) {
  return dtype == DType::kInt64 ? static_cast<const int64_t*>(data)[i]
                                : static_cast<const int32_t*>(data)[i];
}

// Index element i made non-negative against `dim` (negative counts from the back); an error
// naming the node, the index and the axis when it is outside [-dim, dim).
absl::Status ResolveIndex(std::string_view where, DType dtype, const void* data, int64_t i,
                          int64_t dim, int axis, int64_t* out);

// Indices must be int32 or int64 (undefined while not known yet).
absl::Status CheckIndexDType(const graph::Node& node, DType dtype, std::string_view what);

// How Scatter* combine an update with the element already there (opset 16 adds add/mul,
// 18 max/min).
enum class ScatterReduction { kNone, kAdd, kMul, kMax, kMin };
absl::StatusOr<ScatterReduction> ParseScatterReduction(const graph::Node& node);

}  // namespace seqrt::ops::tensor
