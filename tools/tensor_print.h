// Human-readable printing of output tensors for `seqrt run --print`: small tensors in full,
// large ones as a summary (shape, min/max/mean, first values), and the top 5 classes of
// 1-D/2-D probability outputs (last dim non-negative and summing to about 1).
#pragma once

#include <string>

#include "seqrt/tensor.h"

namespace seqrt::tools {

// Element `i` of any numeric tensor as a double (0 for non-numeric dtypes).
double ElementAsDouble(const Tensor& t, int64_t i);

// A multi-line description ending in '\n'.
std::string FormatTensor(const std::string& name, const Tensor& t);

}  // namespace seqrt::tools
