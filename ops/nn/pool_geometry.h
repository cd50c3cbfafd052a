// Pooling attributes (MaxPool, AveragePool, LpPool, MaxUnpool) and the output geometry they
// give for concrete input dims, shared by the shape functions, the reference kernels and the
// oneDNN kernel, so every kernel agrees on window placement.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/graph.h"
#include "ops/reference/conv.h"

namespace seqrt::ops {

struct PoolAttrs {
  AutoPad auto_pad = AutoPad::kNotSet;
  bool ceil_mode = false;
  bool count_include_pad = false;  // AveragePool
  int64_t storage_order = 0;       // MaxPool indices: 0 row-major, 1 column-major
  int64_t p = 2;                   // LpPool
  // kernel_shape is required; the others are empty when not given.
  std::vector<int64_t> kernel_shape, pads, strides, dilations;
};

// Reads and validates the attributes (kernel_shape present, strides/dilations >= 1...).
absl::StatusOr<PoolAttrs> ParsePoolAttrs(const graph::Node& node);

// Concrete geometry for X [N, C, D...]. pad_end may exceed the given pads when ceil_mode
// adds a last, partial window; `pad_end_given` keeps the padding the model asked for
// (AveragePool with count_include_pad divides by windows clipped to it).
struct PoolGeometry {
  int64_t n = 0, c = 0;
  std::vector<int64_t> in, kernel, out, stride, dilation, pad_begin, pad_end, pad_end_given;
  int spatial_rank() const { return static_cast<int>(in.size()); }
};

// Output size of one spatial dim (shape functions use it on known dims).
absl::StatusOr<int64_t> PoolOutputDim(const PoolAttrs& attrs, int dim, int rank, int64_t in,
                                      std::string_view where);

absl::StatusOr<PoolGeometry> GetPoolGeometry(const PoolAttrs& attrs, const Dims& x,
                                             std::string_view where);

}  // namespace seqrt::ops
