// AVX2 activation functions for the fused recurrent gate math (8 floats at a time).
// exp uses a Cody-Waite range reduction and a degree-6 polynomial (about 1 ulp on the
// reduced range); sigmoid and tanh are built on it with a Newton-refined reciprocal, so every
// result stays within ~2e-7 absolute of std::exp/std::tanh — well inside the 1e-5 budget.
#pragma once

#include <immintrin.h>

#include <cmath>

#include "ops/recurrent_attrs.h"

namespace seqrt::ops::rnn {

inline __m256 Exp8(__m256 x) {
  // Clamp so that 2^n stays a normal float (n in [-126, 127]).
  x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-87.3f)), _mm256_set1_ps(88.3f));
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  // r = x - n*ln2, ln2 split in a high part exact in float and a low correction.
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 p = _mm256_set1_ps(1.9875691500e-4f);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
  const __m256 r2 = _mm256_mul_ps(r, r);
  p = _mm256_fmadd_ps(p, r2, _mm256_add_ps(r, _mm256_set1_ps(1.f)));
  const __m256i bits = _mm256_slli_epi32(
      _mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(p, _mm256_castsi256_ps(bits));
}

// 1/d from the 12-bit hardware estimate and one Newton step (relative error ~1e-7): a full
// division's throughput is several times lower, and the gate math does one per gate value.
inline __m256 Reciprocal8(__m256 d) {
  const __m256 r = _mm256_rcp_ps(d);
  return _mm256_mul_ps(r, _mm256_fnmadd_ps(d, r, _mm256_set1_ps(2.f)));
}

inline __m256 Sigmoid8(__m256 x) {
  const __m256 one = _mm256_set1_ps(1.f);
  return Reciprocal8(_mm256_add_ps(one, Exp8(_mm256_sub_ps(_mm256_setzero_ps(), x))));
}

// tanh(|x|) = (1 - e) / (1 + e) with e = exp(-2|x|) in (0, 1]: no overflow, no cancellation
// beyond one ulp of 1; the sign is put back afterwards.
inline __m256 Tanh8(__m256 x) {
  const __m256 sign_mask = _mm256_set1_ps(-0.f);
  const __m256 ax = _mm256_andnot_ps(sign_mask, x);
  const __m256 e = Exp8(_mm256_mul_ps(ax, _mm256_set1_ps(-2.f)));
  const __m256 one = _mm256_set1_ps(1.f);
  const __m256 t = _mm256_mul_ps(_mm256_sub_ps(one, e), Reciprocal8(_mm256_add_ps(one, e)));
  return _mm256_or_ps(t, _mm256_and_ps(x, sign_mask));
}

// Applies one ONNX recurrent activation to 8 lanes. The switch is on a per-gate constant,
// so the branch predictor makes it free next to the exp.
inline __m256 Activate8(const RecurrentActivation& a, __m256 x) {
  using K = RecurrentActivation::Kind;
  const __m256 zero = _mm256_setzero_ps();
  const __m256 alpha = _mm256_set1_ps(a.alpha);
  const __m256 beta = _mm256_set1_ps(a.beta);
  switch (a.kind) {
    case K::kSigmoid:
      return Sigmoid8(x);
    case K::kTanh:
      return Tanh8(x);
    case K::kRelu:
      return _mm256_max_ps(x, zero);
    case K::kAffine:
      return _mm256_fmadd_ps(alpha, x, beta);
    case K::kLeakyRelu:
      return _mm256_blendv_ps(x, _mm256_mul_ps(alpha, x), _mm256_cmp_ps(x, zero, _CMP_LT_OQ));
    case K::kThresholdedRelu:
      return _mm256_and_ps(x, _mm256_cmp_ps(x, alpha, _CMP_GT_OQ));
    case K::kScaledTanh:
      return _mm256_mul_ps(alpha, Tanh8(_mm256_mul_ps(beta, x)));
    case K::kHardSigmoid:
      return _mm256_min_ps(_mm256_set1_ps(1.f), _mm256_max_ps(zero, _mm256_fmadd_ps(alpha, x, beta)));
    case K::kElu: {
      const __m256 neg = _mm256_mul_ps(alpha, _mm256_sub_ps(Exp8(x), _mm256_set1_ps(1.f)));
      return _mm256_blendv_ps(x, neg, _mm256_cmp_ps(x, zero, _CMP_LT_OQ));
    }
    case K::kSoftsign: {
      const __m256 ax = _mm256_andnot_ps(_mm256_set1_ps(-0.f), x);
      return _mm256_div_ps(x, _mm256_add_ps(_mm256_set1_ps(1.f), ax));
    }
    case K::kSoftplus: {
      // Rare: lane by lane with libm (log1p keeps small results accurate).
      alignas(32) float v[8];
      _mm256_store_ps(v, x);
      for (float& f : v) f = f > 30.f ? f : std::log1p(std::exp(f));
      return _mm256_load_ps(v);
    }
  }
  return x;
}

}  // namespace seqrt::ops::rnn
