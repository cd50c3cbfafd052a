// Helpers shared by the shape and tensor-manipulation ops (shape_*.cc, tensor_*.cc). These
// ops never look at element values, so they move elements by byte size; and many read small
// integer tensors (shapes, axes, pads, repeats) both in shape functions and in kernels.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "graph/graph.h"
#include "ops/kernel.h"
#include "ops/op_schema.h"
#include "seqrt/tensor.h"

namespace seqrt::ops {

// Per-dimension scratch vectors. Inline storage covers rank <= 8, so kernels can build them
// inside Compute without touching the heap.
using SmallInts = absl::InlinedVector<int64_t, 8>;

// "<node>: <message>" as an InvalidArgument error. Kernels keep node.Describe() as `where`.
absl::Status NodeError(const graph::Node& node, std::string_view message);
absl::Status NodeError(std::string_view where, std::string_view message);
// Prefixes an attribute-lookup error (which does not know its node) with the node.
absl::Status WithNode(const graph::Node& node, const absl::Status& status);

// Reads `count` integers of an int32/int64 buffer. Other dtypes are an InvalidArgument error
// naming `what` and the node.
absl::Status ReadInts(std::string_view where, std::string_view what, DType dtype, const void* data,
                      int64_t count, SmallInts* out);

// Shape-function side: the values of integer input `i` when known now, nullopt when the
// input is present but its data is not known yet (the node then runs dynamically), and an
// error when its dtype is not int32/int64.
absl::StatusOr<std::optional<std::vector<int64_t>>> ConstantInts(const InferContext& ctx, int i,
                                                                 std::string_view what);

// Kernel side: the values of integer input `i` at run time.
absl::Status InputInts(std::string_view where, const ComputeContext& ctx, int i,
                       std::string_view what, SmallInts* out);

// The number of elements of a 1-D (or scalar) input as far as the shape function knows:
// nullopt when its rank or length is unknown.
std::optional<int64_t> KnownLength(const InferContext& ctx, int i);

// Product of dims [begin, end).
int64_t DimProduct(const Dims& dims, int begin, int end);
graph::Dim DimProduct(const graph::Shape& shape, int begin, int end);

// Element size in bytes of a dtype these ops can move (everything seqrt computes with).
// Errors with Unimplemented for strings/undefined.
absl::StatusOr<size_t> MovableElementSize(const graph::Node& node, DType dtype);

// Copies a box of `dims` elements from `src` to `dst`, each side walked with its own element
// strides. A source stride may be 0 (repeat: Expand, Tile) or negative (Slice with negative
// steps). Adjacent dims that are contiguous on both sides are merged first, so the common
// cases become a few memcpy calls; a transposing copy is tiled for cache reuse.
void StridedCopy(void* dst, absl::Span<const int64_t> dst_strides, const void* src,
                 absl::Span<const int64_t> src_strides, absl::Span<const int64_t> dims,
                 size_t elem_size);

// Calls f(E{}) with the unsigned integer type E of `elem_size` bytes (1, 2, 4 or 8: every
// dtype seqrt computes with), so type-agnostic kernels copy whole elements at a time.
template <typename F>
void VisitElementSize(size_t elem_size, F&& f) {
  switch (elem_size) {
    case 1: f(uint8_t{}); break;
    case 2: f(uint16_t{}); break;
    case 4: f(uint32_t{}); break;
    default: f(uint64_t{}); break;
  }
}

// Row-major element strides of `dims`.
SmallInts RowMajorStrides(absl::Span<const int64_t> dims);

}  // namespace seqrt::ops
