// ConvTranspose attributes and output geometry, shared by the shape function, the reference
// kernel and the oneDNN deconvolution kernel.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/graph.h"
#include "ops/reference/conv.h"

namespace seqrt::ops {

struct ConvTransposeAttrs {
  AutoPad auto_pad = AutoPad::kNotSet;
  int64_t group = 1;
  // Empty when not given. output_shape may name only the spatial dims or all of them.
  std::vector<int64_t> kernel_shape, pads, strides, dilations, output_padding, output_shape;
};

absl::StatusOr<ConvTransposeAttrs> ParseConvTransposeAttrs(const graph::Node& node);

// X [N, C, D...] and W [C, M/group, k...] give Y [N, M, out...]. Output position
// o = i * stride - pad_begin + k * dilation for input position i and kernel tap k.
struct ConvTransposeGeometry {
  int64_t n = 0, c_in = 0, c_out = 0, group = 1;
  std::vector<int64_t> in, kernel, out, stride, dilation, pad_begin, pad_end;
  int spatial_rank() const { return static_cast<int>(in.size()); }
};

// One spatial dim: output size and padding. `kernel` is W's (or kernel_shape's) size.
struct ConvTransposeDim {
  int64_t out = 0, pad_begin = 0, pad_end = 0;
};
absl::StatusOr<ConvTransposeDim> ConvTransposeOutputDim(const ConvTransposeAttrs& a, int dim,
                                                        int rank, int64_t in, int64_t kernel,
                                                        std::string_view where);

absl::StatusOr<ConvTransposeGeometry> GetConvTransposeGeometry(const ConvTransposeAttrs& a,
                                                               const Dims& x, const Dims& w,
                                                               std::string_view where);

}  // namespace seqrt::ops
