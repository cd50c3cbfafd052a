// Combining an update with the element already in place, shared by ScatterND and
// ScatterElements. 16-bit floats combine in float.
#pragma once

#include <algorithm>

#include "ops/dtype_dispatch.h"
#include "ops/tensor/tensor_index_ops.h"

namespace seqrt::ops::tensor {

template <typename T>
inline void ScatterCombine(ScatterReduction reduction, T* dst, const T& update) {
  using C = ComputeType<T>;
  if constexpr (std::is_same_v<T, bool>) {
    // bool: add is "or", mul is "and", max/min likewise.
    switch (reduction) {
      case ScatterReduction::kNone: *dst = update; break;
      case ScatterReduction::kAdd: case ScatterReduction::kMax: *dst = *dst || update; break;
      case ScatterReduction::kMul: case ScatterReduction::kMin: *dst = *dst && update; break;
    }
  } else {
    const C a = static_cast<C>(*dst), b = static_cast<C>(update);
    switch (reduction) {
      case ScatterReduction::kNone: *dst = update; return;
      case ScatterReduction::kAdd: *dst = static_cast<T>(a + b); return;
      case ScatterReduction::kMul: *dst = static_cast<T>(a * b); return;
      case ScatterReduction::kMax: *dst = static_cast<T>(std::max(a, b)); return;
      case ScatterReduction::kMin: *dst = static_cast<T>(std::min(a, b)); return;
    }
  }
}

}  // namespace seqrt::ops::tensor
