// Tensor results as the Values OpKernel::ComputeWithOutputs returns (for kernels whose
// outputs are all tensors: the data-sized ops).
#pragma once

#include <iterator>
#include <vector>

#include "seqrt/tensor.h"
#include "seqrt/value.h"

namespace seqrt::ops {

inline std::vector<Value> TensorsAsValues(std::vector<Tensor> tensors) {
  return std::vector<Value>(std::make_move_iterator(tensors.begin()), std::make_move_iterator(tensors.end()));
}

}  // namespace seqrt::ops
