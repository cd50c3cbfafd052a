// The micro-kernels for AVX-512 (F/BW/VL/DQ): this file alone is built with those flags
// (CMakeLists.txt) and runs only where BestIsa() found them.
//
// The vector interface every ISA's V provides to gemm_impl.h and gates_impl.h:
//   T (the register type), kLanes, Load/Store (unaligned), LoadN/StoreN (the first n < kLanes
//   lanes, the rest of the load zero), Zero, Set1, Broadcast, Add, Sub, Mul, Div, Min, Max,
//   Fmadd(a, b, c) = a·b + c, Fnmadd(a, b, c) = c − a·b, Round (to nearest), Pow2(n) = 2^n for
//   integral n in [−126, 127], Rcp (an estimate of 1/x, refined by the caller), Abs,
//   CopySign(magnitude, sign source), Lt/Gt (a mask), Select(mask, if_true, if_false);
//   kMainPanels (panels per 6-row tile) and TailPanels(rows) (panels per narrower tile).
#include <immintrin.h>

#include "ops/simd/kernel_table.h"

namespace seqrt::ops::simd {
namespace {

struct V {
  using T = __m512;
  using M = __mmask16;
  static constexpr int kLanes = 16;
  // 32 zmm registers: a 6-row tile takes 4 panels (24 accumulators, 4 B vectors, a broadcast);
  // narrower tiles keep at least 8 accumulator chains in flight (FMA latency x ports).
  static constexpr int kMainPanels = 4;
  static constexpr int TailPanels(int rows) { return rows == 1 ? 8 : rows == 2 ? 6 : 4; }
  static T Load(const float* p) { return _mm512_loadu_ps(p); }
  static void Store(float* p, T v) { _mm512_storeu_ps(p, v); }
  static T LoadN(const float* p, int n) { return _mm512_maskz_loadu_ps(static_cast<M>((1u << n) - 1), p); }
  static void StoreN(float* p, T v, int n) { _mm512_mask_storeu_ps(p, static_cast<M>((1u << n) - 1), v); }
  static T Zero() { return _mm512_setzero_ps(); }
  static T Set1(float f) { return _mm512_set1_ps(f); }
  static T Broadcast(const float* p) { return _mm512_set1_ps(*p); }
  static T Add(T a, T b) { return _mm512_add_ps(a, b); }
  static T Sub(T a, T b) { return _mm512_sub_ps(a, b); }
  static T Mul(T a, T b) { return _mm512_mul_ps(a, b); }
  static T Div(T a, T b) { return _mm512_div_ps(a, b); }
  static T Min(T a, T b) { return _mm512_min_ps(a, b); }
  static T Max(T a, T b) { return _mm512_max_ps(a, b); }
  static T Fmadd(T a, T b, T c) { return _mm512_fmadd_ps(a, b, c); }
  static T Fnmadd(T a, T b, T c) { return _mm512_fnmadd_ps(a, b, c); }
  static T Round(T x) { return _mm512_roundscale_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  static T Pow2(T n) {
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127)), 23));
  }
  static T Rcp(T x) { return _mm512_rcp14_ps(x); }
  static T Abs(T x) { return _mm512_andnot_ps(_mm512_set1_ps(-0.f), x); }
  static T CopySign(T mag, T s) { return _mm512_or_ps(mag, _mm512_and_ps(s, _mm512_set1_ps(-0.f))); }
  static M Lt(T a, T b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
  static M Gt(T a, T b) { return _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ); }
  static T Select(M m, T if_true, T if_false) { return _mm512_mask_blend_ps(m, if_false, if_true); }
};

}  // namespace
}  // namespace seqrt::ops::simd

#include "ops/simd/kernels_impl.h"

namespace seqrt::ops::simd {

const KernelTable& Avx512Kernels() {
  static constexpr KernelTable kTable = MakeKernelTable<V>(Isa::kAvx512);
  return kTable;
}

}  // namespace seqrt::ops::simd
