// Conv: attribute parsing and output geometry shared by the shape function and the kernels
// (reference and oneDNN), and the reference kernel's factory.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/graph.h"
#include "ops/kernel.h"

namespace seqrt::ops {

enum class AutoPad { kNotSet, kValid, kSameUpper, kSameLower };

struct ConvAttrs {
  AutoPad auto_pad = AutoPad::kNotSet;
  int64_t group = 1;
  // Empty when not given (defaults depend on the spatial rank).
  std::vector<int64_t> kernel_shape, pads, strides, dilations;
};

// Validates attribute values that do not depend on shapes (auto_pad spelling, group >= 1...).
absl::StatusOr<ConvAttrs> ParseConvAttrs(const graph::Node& node);

// One spatial dim's output size and padding. Errors say which dim and why.
struct ConvDim {
  int64_t out = 0, pad_begin = 0, pad_end = 0;
};
absl::StatusOr<ConvDim> ConvOutputDim(const ConvAttrs& attrs, int dim, int spatial_rank,
                                      int64_t in, int64_t kernel, std::string_view where);

// Everything a kernel needs, from concrete X [N, C, D...] and W [M, C/group, k...].
struct ConvGeometry {
  int64_t n = 0, c_in = 0, c_out = 0, group = 1;
  std::vector<int64_t> in, kernel, out, stride, dilation, pad_begin, pad_end;
  int spatial_rank() const { return static_cast<int>(in.size()); }
};
absl::StatusOr<ConvGeometry> GetConvGeometry(const ConvAttrs& attrs, const Dims& x, const Dims& w,
                                             std::string_view where);

absl::StatusOr<std::unique_ptr<OpKernel>> MakeReferenceConv(const graph::Node& node);

}  // namespace seqrt::ops
