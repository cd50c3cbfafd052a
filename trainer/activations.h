// Sigmoid and tanh over contiguous arrays. double uses the C library (the gradient checks'
// oracle); float uses a branch-free exp that GCC vectorizes, because the transcendental
// functions, not the GEMMs, dominated float training time (≈40 % in a perf profile of LSTM(128)).
// The float exp is accurate to a few ulp; results are deterministic on every run.
#pragma once

#include <cmath>
#include <cstdint>

namespace seqrt::trainer {

// Defined in activations.cc, compiled without trapping-math so the loops vectorize.
void SigmoidArray(const float* __restrict in, float* __restrict out, int64_t n);
void TanhArray(const float* __restrict in, float* __restrict out, int64_t n);

inline void SigmoidArray(const double* in, double* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = 1.0 / (1.0 + std::exp(-in[i]));
}
inline void TanhArray(const double* in, double* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = std::tanh(in[i]);
}

}  // namespace seqrt::trainer
