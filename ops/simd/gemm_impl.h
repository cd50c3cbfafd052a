// The packed GEMM's micro-kernels as templates over a vector type V (one per ISA; see
// kernels_avx512.cc for the interface). Included only by the per-ISA kernel files, each of
// which instantiates it once: everything here sits in an unnamed namespace so that each
// instantiation stays private to its file (no symbol shared across ISAs, see kernel_table.h).
//
// Layout (the same for every ISA, so packed weights never depend on the machine): B is packed
// as panels [cols/16][PaddedK(K)][16]; A is packed per row tile as [PaddedK(k)][rows].
#pragma once

#include <cstdint>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

#include "ops/simd/kernel_table.h"

namespace seqrt::ops::simd {
namespace {

#ifndef SEQRT_INLINE
#define SEQRT_INLINE __attribute__((always_inline)) inline
#endif

SEQRT_INLINE int64_t MinI(int64_t a, int64_t b) { return a < b ? a : b; }
SEQRT_INLINE int64_t PadK(int64_t k) { return (k + kKStep - 1) / kKStep * kKStep; }

#if defined(__AVX2__)
// v[i][j] <- v[j][i]: the usual AVX2 8x8 transpose (unpack, shuffle, swap 128-bit halves).
SEQRT_INLINE void Transpose8x8(__m256 (&v)[8]) {
  __m256 t[8], u[8];
  for (int i = 0; i < 8; i += 2) {
    t[i] = _mm256_unpacklo_ps(v[i], v[i + 1]);
    t[i + 1] = _mm256_unpackhi_ps(v[i], v[i + 1]);
  }
  for (int i = 0; i < 8; i += 4) {
    u[i] = _mm256_shuffle_ps(t[i], t[i + 2], 0x44);
    u[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], 0xEE);
    u[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0x44);
    u[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
  }
  for (int i = 0; i < 4; ++i) {
    v[i] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x20);
    v[i + 4] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x31);
  }
}
#endif

// A's rows [0, rows) (rows <= kRowBlock) as [PaddedK(k)][rows], zero past k: one contiguous
// broadcast stream, so the micro-kernel addresses every row from a single pointer. Where AVX2
// exists, full tiles are transposed 8 k at a time (element by element this was ~4 % of a
// batch-64 LSTM run); each 8-float store spills 2 floats into the next k's slot, which the next
// store or the tail overwrites, and past the tile's end (GemmPackScratchFloats leaves room).
void PackRows(int64_t rows, int64_t k, const float* a, int64_t lda, float* out) {
  int64_t k0 = 0;
#if defined(__AVX2__)
  if (rows == kRowBlock) {
    for (; k0 + 8 <= k; k0 += 8) {
      __m256 v[8];
      for (int r = 0; r < 8; ++r) v[r] = r < kRowBlock ? _mm256_loadu_ps(a + r * lda + k0) : _mm256_setzero_ps();
      Transpose8x8(v);
      for (int i = 0; i < 8; ++i) _mm256_storeu_ps(out + (k0 + i) * kRowBlock, v[i]);
    }
  }
#endif
  for (int64_t r = 0; r < rows; ++r) {
    const float* src = a + r * lda;
    for (int64_t kk = k0; kk < k; ++kk) out[kk * rows + r] = src[kk];
    for (int64_t kk = k0 > k ? k0 : k; kk < PadK(k); ++kk) out[kk * rows + r] = 0.f;
  }
}

// One k step of the MR x NP tile, each panel V::kLanes wide vectors at a time: one broadcast
// of packed A per row, kPanel / kLanes loads of B per panel. Up to two rows broadcast first and
// take B panel by panel (fewest live registers); taller tiles load every panel's B first.
template <class V, int MR, int NP>
SEQRT_INLINE void KStep(int64_t kk, const float* a, const float* b, int64_t panel_stride,
                        typename V::T (&acc)[MR][NP][kPanel / V::kLanes]) {
  using T = typename V::T;
  constexpr int VP = kPanel / V::kLanes;
  if constexpr (MR <= 2) {
    T av[MR];
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) av[r] = V::Broadcast(a + kk * MR + r);
#pragma GCC unroll 8
    for (int p = 0; p < NP; ++p) {
      T bv[VP];
#pragma GCC unroll 4
      for (int v = 0; v < VP; ++v) bv[v] = V::Load(b + p * panel_stride + kk * kPanel + v * V::kLanes);
#pragma GCC unroll 8
      for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
        for (int v = 0; v < VP; ++v) acc[r][p][v] = V::Fmadd(av[r], bv[v], acc[r][p][v]);
    }
  } else {
    T bv[NP][VP];
#pragma GCC unroll 8
    for (int p = 0; p < NP; ++p)
#pragma GCC unroll 4
      for (int v = 0; v < VP; ++v) bv[p][v] = V::Load(b + p * panel_stride + kk * kPanel + v * V::kLanes);
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) {
      const T av = V::Broadcast(a + kk * MR + r);
#pragma GCC unroll 8
      for (int p = 0; p < NP; ++p)
#pragma GCC unroll 4
        for (int v = 0; v < VP; ++v) acc[r][p][v] = V::Fmadd(av, bv[p][v], acc[r][p][v]);
    }
  }
}

// MR rows (A packed as [k][MR]; k a multiple of kKStep) x NP panels. Four k steps per loop
// iteration: measured on Zen3 (AVX2), one step per iteration held the 6x16 tile to ~65 GFLOPS
// against ~80 (peak ~90), and packing A is what lets GCC unroll without spilling.
template <class V, int MR, int NP>
__attribute__((noinline)) void MicroKernel(int64_t k, const float* a, const float* b, int64_t panel_stride,
                                           const float* bias, bool accumulate, float* c, int64_t ldc) {
  using T = typename V::T;
  constexpr int VP = kPanel / V::kLanes;
  T acc[MR][NP][VP];
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 8
    for (int p = 0; p < NP; ++p)
#pragma GCC unroll 4
      for (int v = 0; v < VP; ++v) acc[r][p][v] = V::Zero();
  for (int64_t kk = 0; kk < k; kk += kKStep) {
#pragma GCC unroll 4
    for (int u = 0; u < kKStep; ++u) KStep<V, MR, NP>(kk + u, a, b, panel_stride, acc);
  }
  // The bias goes in after the k loop: loading it into the accumulators up front (a branch
  // at the start) made GCC spill one accumulator inside the loop, 2-4 % on the 6x16 AVX2 tile.
  if (bias) {
#pragma GCC unroll 8
    for (int p = 0; p < NP; ++p)
#pragma GCC unroll 4
      for (int v = 0; v < VP; ++v) {
        const T bb = V::Load(bias + p * kPanel + v * V::kLanes);
#pragma GCC unroll 8
        for (int r = 0; r < MR; ++r) acc[r][p][v] = V::Add(acc[r][p][v], bb);
      }
  }
  if (accumulate) {
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r)
#pragma GCC unroll 8
      for (int p = 0; p < NP; ++p)
#pragma GCC unroll 4
        for (int v = 0; v < VP; ++v)
          acc[r][p][v] = V::Add(acc[r][p][v], V::Load(c + r * ldc + p * kPanel + v * V::kLanes));
  }
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 8
    for (int p = 0; p < NP; ++p)
#pragma GCC unroll 4
      for (int v = 0; v < VP; ++v) V::Store(c + r * ldc + p * kPanel + v * V::kLanes, acc[r][p][v]);
}

// `np` panels for MR packed rows: NP panels at a time, then two, then one by one.
template <class V, int MR, int NP>
void RowBlock(int64_t k, int64_t np, const float* a, const float* b, int64_t panel_stride, const float* bias,
              bool accumulate, float* c, int64_t ldc) {
  auto bias_at = [&](int64_t p) { return bias ? bias + p * kPanel : nullptr; };
  int64_t p = 0;
  for (; p + NP <= np; p += NP)
    MicroKernel<V, MR, NP>(k, a, b + p * panel_stride, panel_stride, bias_at(p), accumulate, c + p * kPanel, ldc);
  if constexpr (NP > 2) {
    // Two leftover panels together: a single panel's accumulator chains leave the FMA units
    // waiting on latency.
    if (p + 2 <= np) {
      MicroKernel<V, MR, 2>(k, a, b + p * panel_stride, panel_stride, bias_at(p), accumulate, c + p * kPanel, ldc);
      p += 2;
    }
  }
  for (; p < np; ++p)
    MicroKernel<V, MR, 1>(k, a, b + p * panel_stride, panel_stride, bias_at(p), accumulate, c + p * kPanel, ldc);
}

// Tiles narrower than kRowBlock take wider panel groups to keep the accumulators busy; how
// wide is the ISA's choice (V::TailPanels), bounded by its register count.
template <class V>
void TailRowBlock(int64_t rows, int64_t k, int64_t np, const float* a, const float* b, int64_t panel_stride,
                  const float* bias, bool accumulate, float* c, int64_t ldc) {
  switch (rows) {
    case 1: RowBlock<V, 1, V::TailPanels(1)>(k, np, a, b, panel_stride, bias, accumulate, c, ldc); break;
    case 2: RowBlock<V, 2, V::TailPanels(2)>(k, np, a, b, panel_stride, bias, accumulate, c, ldc); break;
    case 3: RowBlock<V, 3, V::TailPanels(3)>(k, np, a, b, panel_stride, bias, accumulate, c, ldc); break;
    case 4: RowBlock<V, 4, V::TailPanels(4)>(k, np, a, b, panel_stride, bias, accumulate, c, ldc); break;
    case 5: RowBlock<V, 5, V::TailPanels(5)>(k, np, a, b, panel_stride, bias, accumulate, c, ldc); break;
    default: break;
  }
}

template <class V>
void GemmPackedImpl(int64_t m, int64_t k, int64_t panels, const float* a, int64_t lda, const float* b, float* c,
                    int64_t ldc, float* a_pack, const GemmOptions& options) {
  // A chunk of rows is packed once, then a block of panels (V::kMainPanels or 4 x K floats,
  // in L2) is reused by every row tile of the chunk; at batch 1 this simply streams B once.
  // A product of one row tile reuses nothing across row tiles: unless the walk alternates
  // direction, its panels form one block so the micro-kernels get their widest panel groups.
  constexpr int64_t kBlock = V::kMainPanels > 4 ? V::kMainPanels : 4;
  const int64_t panel_block = m <= kRowBlock && !options.reverse_blocks ? panels : kBlock;
  const int64_t blocks = (panels + panel_block - 1) / panel_block;
  const int64_t chunk = RowChunk(k), kp = PadK(k);
  const int64_t panel_stride = options.b_panel_stride ? options.b_panel_stride : kp * kPanel;
  for (int64_t r0 = 0; r0 < m; r0 += chunk) {
    const int64_t rows = MinI(chunk, m - r0);
    // A single row with k a whole number of k steps is already in packed form (batch 1).
    const bool as_is = options.a_packed || (rows == 1 && k == kp);
    if (!as_is)
      for (int64_t r = 0; r < rows; r += kRowBlock)
        PackRows(MinI(kRowBlock, rows - r), k, a + (r0 + r) * lda, lda, a_pack + r * kp);
    const float* ap = options.a_packed ? a : as_is ? a + r0 * lda : a_pack;
    for (int64_t i = 0; i < blocks; ++i) {
      const int64_t p0 = (options.reverse_blocks ? blocks - 1 - i : i) * panel_block;
      const int64_t np = MinI(panel_block, panels - p0);
      const float* bb = b + p0 * panel_stride;
      const float* bias = options.bias ? options.bias + p0 * kPanel : nullptr;
      float* cc = c + r0 * ldc + p0 * kPanel;
      int64_t r = 0;
      for (; r + kRowBlock <= rows; r += kRowBlock)
        RowBlock<V, kRowBlock, V::kMainPanels>(kp, np, ap + r * kp, bb, panel_stride, bias, options.accumulate,
                                               cc + r * ldc, ldc);
      if (r < rows)
        TailRowBlock<V>(rows - r, kp, np, ap + r * kp, bb, panel_stride, bias, options.accumulate, cc + r * ldc, ldc);
    }
  }
}

}  // namespace
}  // namespace seqrt::ops::simd
