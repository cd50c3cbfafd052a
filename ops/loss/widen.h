// The losses compute in float or double. For float16/bfloat16 tensors the scores, weights
// and results are widened into planned scratch (no allocation in Compute); for float and
// double they are used in place.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "ops/dtype_dispatch.h"
#include "seqrt/dtype.h"

namespace seqrt::ops::loss {

template <typename T>
using WideType = std::conditional_t<std::is_same_v<T, double>, double, float>;

// Scratch layout for widening: scores, weights, results, log-probabilities (floats each).
struct WidenLayout {
  bool widen = false;
  int64_t scores = 0, weights = 0, out = 0, extra = 0;
  size_t bytes = 0;

  // `extra` floats of working space are always reserved (SoftmaxCrossEntropyLoss keeps its
  // log-probabilities there when no output holds them).
  static WidenLayout For(DType dtype, int64_t scores, int64_t weights, int64_t out, int64_t extra = 0,
                         size_t extra_elem = sizeof(float)) {
    WidenLayout l;
    l.widen = dtype == DType::kFloat16 || dtype == DType::kBFloat16;
    if (l.widen) {
      l.scores = scores;
      l.weights = weights;
      l.out = out;
    }
    l.extra = extra;
    l.bytes = static_cast<size_t>(l.scores + l.weights + l.out) * sizeof(float) +
              static_cast<size_t>(extra) * extra_elem;
    return l;
  }
};

template <typename T>
class Widened {
 public:
  using C = WideType<T>;
  Widened(const WidenLayout& l, void* scratch, const T* scores, const T* weights, T* out)
      : layout_(l), out_t_(out) {
    if constexpr (std::is_same_v<T, C>) {
      scores_ = scores;
      weights_ = weights;
      out_ = out;
      extra_ = static_cast<C*>(scratch);
    } else {
      auto* base = static_cast<float*>(scratch);
      float* s = base;
      float* w = s + l.scores;
      out_ = w + l.weights;
      extra_ = out_ + l.out;
      for (int64_t i = 0; i < l.scores; ++i) s[i] = static_cast<float>(scores[i]);
      if (weights) for (int64_t i = 0; i < l.weights; ++i) w[i] = static_cast<float>(weights[i]);
      scores_ = s;
      weights_ = weights ? w : nullptr;
    }
  }
  const C* scores() const { return scores_; }
  const C* weights() const { return weights_; }
  C* out() const { return out_; }
  C* extra() const { return extra_; }
  // Narrows the results back into the output tensor.
  void Finish() const {
    if constexpr (!std::is_same_v<T, C>)
      for (int64_t i = 0; i < layout_.out; ++i) out_t_[i] = T(out_[i]);
  }

 private:
  const WidenLayout& layout_;
  T* out_t_;
  const C* scores_ = nullptr;
  const C* weights_ = nullptr;
  C* out_ = nullptr;
  C* extra_ = nullptr;
};

}  // namespace seqrt::ops::loss
