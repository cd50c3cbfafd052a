// The float activations. Trapping math (GCC's default) forbids if-converting the clamps below,
// which keeps the loops scalar; these functions never rely on FP exceptions, so turn it off here.
#include "trainer/activations.h"

#include <cstdint>

#pragma GCC optimize("no-trapping-math")

namespace seqrt::trainer {
namespace {

// exp(x) for float: 2^n · p(r) with r = x − n·ln2 in [−ln2/2, ln2/2] and p the degree-6
// Taylor polynomial (relative error below 2e-7 on that interval).
inline float FastExp(float x) {
  // Builtins, not std:: calls: functions from headers compiled with other options are not inlined here.
  x = x < 88.0f ? x : 88.0f;
  x = x > -87.0f ? x : -87.0f;
  const float n = __builtin_floorf(x * 1.44269504f + 0.5f);
  const float r = (x - n * 0.693359375f) + n * 2.12194440e-4f;  // Cephes ln2 split: n·hi is exact
  float p = 1.0f / 720;
  p = p * r + 1.0f / 120;
  p = p * r + 1.0f / 24;
  p = p * r + 1.0f / 6;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  const int32_t bits = (static_cast<int32_t>(n) + 127) << 23;
  float scale;
  __builtin_memcpy(&scale, &bits, sizeof(scale));
  return p * scale;
}

}  // namespace

void SigmoidArray(const float* __restrict in, float* __restrict out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = 1.0f / (1.0f + FastExp(-in[i]));
}

void TanhArray(const float* __restrict in, float* __restrict out, int64_t n) {
  // tanh(x) = sign(x)·(1 − e)/(1 + e), e = exp(−2|x|): no overflow, exact sign.
  for (int64_t i = 0; i < n; ++i) {
    const float e = FastExp(-2.0f * __builtin_fabsf(in[i]));
    out[i] = __builtin_copysignf((1.0f - e) / (1.0f + e), in[i]);
  }
}

}  // namespace seqrt::trainer
