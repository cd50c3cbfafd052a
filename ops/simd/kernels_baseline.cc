// The micro-kernels for any x86-64 CPU: SSE2 only, which x86-64 guarantees (no FMA, so the
// multiply-adds round twice; the kernels' tolerance allows it). Slow next to the wide paths
// but the same code, so a CPU without AVX2 runs the model instead of dying with SIGILL.
// The vector interface is described in kernels_avx512.cc.
#include <emmintrin.h>

#include "ops/simd/kernel_table.h"

namespace seqrt::ops::simd {
namespace {

struct V {
  using T = __m128;
  using M = __m128;
  static constexpr int kLanes = 4;
  // 16 xmm registers: a panel is four vectors, so even one panel per tile spills some of the
  // 6-row tile's 24 accumulators; narrow tiles stay at one or two panels.
  static constexpr int kMainPanels = 1;
  static constexpr int TailPanels(int rows) { return rows == 1 ? 2 : 1; }
  static T Load(const float* p) { return _mm_loadu_ps(p); }
  static void Store(float* p, T v) { _mm_storeu_ps(p, v); }
  // Rows are padded to 8 floats, so a partial vector never occurs; these exist for the interface.
  static T LoadN(const float* p, int n) {
    alignas(16) float v[4] = {};
    for (int i = 0; i < n; ++i) v[i] = p[i];
    return _mm_load_ps(v);
  }
  static void StoreN(float* p, T x, int n) {
    alignas(16) float v[4];
    _mm_store_ps(v, x);
    for (int i = 0; i < n; ++i) p[i] = v[i];
  }
  static T Zero() { return _mm_setzero_ps(); }
  static T Set1(float f) { return _mm_set1_ps(f); }
  static T Broadcast(const float* p) { return _mm_load1_ps(p); }
  static T Add(T a, T b) { return _mm_add_ps(a, b); }
  static T Sub(T a, T b) { return _mm_sub_ps(a, b); }
  static T Mul(T a, T b) { return _mm_mul_ps(a, b); }
  static T Div(T a, T b) { return _mm_div_ps(a, b); }
  static T Min(T a, T b) { return _mm_min_ps(a, b); }
  static T Max(T a, T b) { return _mm_max_ps(a, b); }
  static T Fmadd(T a, T b, T c) { return _mm_add_ps(_mm_mul_ps(a, b), c); }
  static T Fnmadd(T a, T b, T c) { return _mm_sub_ps(c, _mm_mul_ps(a, b)); }
  // Round to nearest through the integer conversion (SSE4.1's roundps is not baseline): the
  // callers' values are clamped to well inside int32.
  static T Round(T x) { return _mm_cvtepi32_ps(_mm_cvtps_epi32(x)); }
  static T Pow2(T n) {
    return _mm_castsi128_ps(_mm_slli_epi32(_mm_add_epi32(_mm_cvtps_epi32(n), _mm_set1_epi32(127)), 23));
  }
  static T Rcp(T x) { return _mm_rcp_ps(x); }
  static T Abs(T x) { return _mm_andnot_ps(_mm_set1_ps(-0.f), x); }
  static T CopySign(T mag, T s) { return _mm_or_ps(mag, _mm_and_ps(s, _mm_set1_ps(-0.f))); }
  static M Lt(T a, T b) { return _mm_cmplt_ps(a, b); }
  static M Gt(T a, T b) { return _mm_cmpgt_ps(a, b); }
  static T Select(M m, T if_true, T if_false) { return _mm_or_ps(_mm_and_ps(m, if_true), _mm_andnot_ps(m, if_false)); }
};

}  // namespace
}  // namespace seqrt::ops::simd

#include "ops/simd/kernels_impl.h"

namespace seqrt::ops::simd {

const KernelTable& BaselineKernels() {
  static constexpr KernelTable kTable = MakeKernelTable<V>(Isa::kBaseline);
  return kTable;
}

}  // namespace seqrt::ops::simd
