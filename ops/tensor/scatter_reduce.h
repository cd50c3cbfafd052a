// What ScatterND and ScatterElements share: combining an update with the element already in
// place (16-bit floats combine in float), and running in place. Both declare
// Aliasing::kMayReuseInput, so the planner may give the output data's buffer when nothing
// reads data later (x[:, i] = y in a loop then costs the slice, not the tensor). Should
// indices or updates be the very value data is, they are first copied to scratch, as the
// writes would otherwise change them while they are read.
#pragma once

#include <algorithm>
#include <cstring>

#include "ops/kernel.h"
#include "ops/tensor_util.h"

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

// Plan side: scratch for the inputs (1: indices, 2: updates) that are data's own value.
class ScatterInputs {
 public:
  void Prepare(PrepareContext& ctx) {
    const graph::Node& node = ctx.node();
    size_t bytes = 0;
    for (int i : {1, 2}) {
      copy_[i] = node.inputs[i] == node.inputs[0];
      if (!copy_[i]) continue;
      size_[i] = static_cast<size_t>(NumElements(ctx.input_dims(i))) * DTypeSize(ctx.input_dtype(i));
      offset_[i] = bytes;
      bytes += (size_[i] + 63) / 64 * 64;
    }
    ctx.RequestScratch(bytes);
  }
  // Run side: input i's data, safe to read while the output is written.
  const void* Stable(const ComputeContext& ctx, int i) const {
    if (!copy_[i]) return ctx.input(i);
    char* at = static_cast<char*>(ctx.scratch()) + offset_[i];
    std::memcpy(at, ctx.input(i), size_[i]);
    return at;
  }

 private:
  bool copy_[3] = {false, false, false};
  size_t size_[3] = {0, 0, 0};
  size_t offset_[3] = {0, 0, 0};
};

}  // namespace seqrt::ops::tensor
