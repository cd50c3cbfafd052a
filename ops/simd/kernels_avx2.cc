// The micro-kernels for AVX2 + FMA: this file alone is built with those flags (CMakeLists.txt).
// The vector interface is described in kernels_avx512.cc.
#include <immintrin.h>

#include "ops/simd/kernel_table.h"

namespace seqrt::ops::simd {
namespace {

struct V {
  using T = __m256;
  using M = __m256;
  static constexpr int kLanes = 8;
  // 16 ymm registers: a 6-row tile takes one panel (12 accumulators, 2 B vectors, a
  // broadcast); measured on Zen3, wider groups for narrow tiles kept the FMA units busy.
  static constexpr int kMainPanels = 1;
  static constexpr int TailPanels(int rows) { return rows == 1 ? 4 : rows == 2 ? 3 : rows == 3 ? 2 : 1; }
  static T Load(const float* p) { return _mm256_loadu_ps(p); }
  static void Store(float* p, T v) { _mm256_storeu_ps(p, v); }
  // Rows are padded to 8 floats, so a partial AVX2 vector never occurs; these exist for the
  // interface and copy lane by lane.
  static T LoadN(const float* p, int n) {
    alignas(32) float v[8] = {};
    for (int i = 0; i < n; ++i) v[i] = p[i];
    return _mm256_load_ps(v);
  }
  static void StoreN(float* p, T x, int n) {
    alignas(32) float v[8];
    _mm256_store_ps(v, x);
    for (int i = 0; i < n; ++i) p[i] = v[i];
  }
  static T Zero() { return _mm256_setzero_ps(); }
  static T Set1(float f) { return _mm256_set1_ps(f); }
  static T Broadcast(const float* p) { return _mm256_broadcast_ss(p); }
  static T Add(T a, T b) { return _mm256_add_ps(a, b); }
  static T Sub(T a, T b) { return _mm256_sub_ps(a, b); }
  static T Mul(T a, T b) { return _mm256_mul_ps(a, b); }
  static T Div(T a, T b) { return _mm256_div_ps(a, b); }
  static T Min(T a, T b) { return _mm256_min_ps(a, b); }
  static T Max(T a, T b) { return _mm256_max_ps(a, b); }
  static T Fmadd(T a, T b, T c) { return _mm256_fmadd_ps(a, b, c); }
  static T Fnmadd(T a, T b, T c) { return _mm256_fnmadd_ps(a, b, c); }
  static T Round(T x) { return _mm256_round_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  static T Pow2(T n) {
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23));
  }
  static T Rcp(T x) { return _mm256_rcp_ps(x); }
  static T Abs(T x) { return _mm256_andnot_ps(_mm256_set1_ps(-0.f), x); }
  static T CopySign(T mag, T s) { return _mm256_or_ps(mag, _mm256_and_ps(s, _mm256_set1_ps(-0.f))); }
  static M Lt(T a, T b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
  static M Gt(T a, T b) { return _mm256_cmp_ps(a, b, _CMP_GT_OQ); }
  static T Select(M m, T if_true, T if_false) { return _mm256_blendv_ps(if_false, if_true, m); }
};

}  // namespace
}  // namespace seqrt::ops::simd

#include "ops/simd/kernels_impl.h"

namespace seqrt::ops::simd {

const KernelTable& Avx2Kernels() {
  static constexpr KernelTable kTable = MakeKernelTable<V>(Isa::kAvx2);
  return kTable;
}

}  // namespace seqrt::ops::simd
