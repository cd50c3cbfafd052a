#include "ops/onednn/rnn_gemm.h"

#include <immintrin.h>

#include <algorithm>

namespace seqrt::ops::rnn {

void PackB(int64_t k, int64_t cols, const std::function<float(int64_t, int64_t)>& at, float* out) {
  const int64_t panels = RoundUp(cols, kPanel) / kPanel, kp = PaddedK(k);
  for (int64_t p = 0; p < panels; ++p)
    for (int64_t kk = 0; kk < kp; ++kk)
      for (int64_t j = 0; j < kPanel; ++j) {
        const int64_t col = p * kPanel + j;
        out[(p * kp + kk) * kPanel + j] = col < cols && kk < k ? at(kk, col) : 0.f;
      }
}

namespace {

// Rows of A packed per chunk (at most 512 KB of packed A). Every chunk streams all of B once,
// so chunks must be large: with 128 KB chunks a batch-64 step of an LSTM(1024) streamed its
// 16 MB of recurrent weights three times and ran 40 % slower. Per-step products (rows =
// batch) fit one chunk; only whole-sequence projections over many rows are split.
int64_t RowChunk(int64_t k) {
  return std::max<int64_t>(kRowBlock, (int64_t{1} << 17) / std::max<int64_t>(k, 1) / kRowBlock * kRowBlock);
}

// v[i][j] <- v[j][i]: the usual AVX2 8x8 transpose (unpack, shuffle, swap 128-bit halves).
inline void Transpose8x8(__m256 (&v)[8]) {
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

// A's rows [0, rows) (rows <= kRowBlock) as [PaddedK(k)][rows], zero past k: one contiguous
// broadcast stream, so the micro-kernel addresses every row from a single pointer. Full
// tiles are transposed 8 k at a time (element by element this was ~4 % of a batch-64 LSTM
// run); each 8-float store spills 2 floats into the next k's slot, which the next store or
// the tail overwrites, and past the tile's end (GemmPackScratchFloats leaves room).
void PackRows(int64_t rows, int64_t k, const float* a, int64_t lda, float* out) {
  int64_t k0 = 0;
  if (rows == kRowBlock) {
    for (; k0 + 8 <= k; k0 += 8) {
      __m256 v[8];
      for (int r = 0; r < 8; ++r) v[r] = r < kRowBlock ? _mm256_loadu_ps(a + r * lda + k0) : _mm256_setzero_ps();
      Transpose8x8(v);
      for (int i = 0; i < 8; ++i) _mm256_storeu_ps(out + (k0 + i) * kRowBlock, v[i]);
    }
  }
  for (int64_t r = 0; r < rows; ++r) {
    const float* src = a + r * lda;
    for (int64_t kk = k0; kk < k; ++kk) out[kk * rows + r] = src[kk];
    for (int64_t kk = std::max(k0, k); kk < PaddedK(k); ++kk) out[kk * rows + r] = 0.f;
  }
}

// One k step of the MR x NP tile: two loads of B per panel, one broadcast of packed A per row.
// Up to two rows broadcast first and take B panel by panel, so a 2 x 3 tile (12 accumulators)
// needs 16 registers, not 19 (loading every panel's B first made GCC spill).
template <int MR, int NP>
__attribute__((always_inline)) inline void KStep(int64_t kk, const float* a, const float* b,
                                                 int64_t panel_stride, __m256 (&acc)[MR][NP][2]) {
  if constexpr (MR <= 2) {
    __m256 av[MR];
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) av[r] = _mm256_broadcast_ss(a + kk * MR + r);
#pragma GCC unroll 8
    for (int p = 0; p < NP; ++p) {
      const __m256 b0 = _mm256_loadu_ps(b + p * panel_stride + kk * kPanel);
      const __m256 b1 = _mm256_loadu_ps(b + p * panel_stride + kk * kPanel + 8);
#pragma GCC unroll 8
      for (int r = 0; r < MR; ++r) {
        acc[r][p][0] = _mm256_fmadd_ps(av[r], b0, acc[r][p][0]);
        acc[r][p][1] = _mm256_fmadd_ps(av[r], b1, acc[r][p][1]);
      }
    }
  } else {
    __m256 b0[NP], b1[NP];
#pragma GCC unroll 8
    for (int p = 0; p < NP; ++p) {
      b0[p] = _mm256_loadu_ps(b + p * panel_stride + kk * kPanel);
      b1[p] = _mm256_loadu_ps(b + p * panel_stride + kk * kPanel + 8);
    }
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) {
      const __m256 av = _mm256_broadcast_ss(a + kk * MR + r);
#pragma GCC unroll 8
      for (int p = 0; p < NP; ++p) {
        acc[r][p][0] = _mm256_fmadd_ps(av, b0[p], acc[r][p][0]);
        acc[r][p][1] = _mm256_fmadd_ps(av, b1[p], acc[r][p][1]);
      }
    }
  }
}

// MR rows (A packed as [k][MR]; k a multiple of kKStep) x NP panels: MR·NP·2 accumulators (≤ 12 of the 16 ymm
// registers). Four k steps per loop iteration: measured side by side on Zen3, one step per
// iteration held the 6x16 tile to ~65 GFLOPS against ~80 (peak ~90), and packing A is what
// lets GCC unroll without spilling (six row pointers plus twelve accumulators did not fit).
template <int MR, int NP>
__attribute__((noinline)) void MicroKernel(int64_t k, const float* a, const float* b, int64_t panel_stride, const float* bias,
                 bool accumulate, float* c, int64_t ldc) {
  __m256 acc[MR][NP][2];
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 8
    for (int p = 0; p < NP; ++p) {
      acc[r][p][0] = _mm256_setzero_ps();
      acc[r][p][1] = _mm256_setzero_ps();
    }
  for (int64_t kk = 0; kk < k; kk += kKStep) {
#pragma GCC unroll 4
    for (int u = 0; u < kKStep; ++u) KStep<MR, NP>(kk + u, a, b, panel_stride, acc);
  }
  // The bias goes in after the k loop: loading it into the accumulators up front (a branch
  // at the start) made GCC spill one accumulator inside the loop, 2-4 % on the 6x16 tile.
  if (bias) {
#pragma GCC unroll 8
    for (int p = 0; p < NP; ++p) {
      const __m256 b0 = _mm256_loadu_ps(bias + p * kPanel), b1 = _mm256_loadu_ps(bias + p * kPanel + 8);
#pragma GCC unroll 8
      for (int r = 0; r < MR; ++r) {
        acc[r][p][0] = _mm256_add_ps(acc[r][p][0], b0);
        acc[r][p][1] = _mm256_add_ps(acc[r][p][1], b1);
      }
    }
  }
  if (accumulate) {
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r)
#pragma GCC unroll 8
      for (int p = 0; p < NP; ++p) {
        acc[r][p][0] = _mm256_add_ps(acc[r][p][0], _mm256_loadu_ps(c + r * ldc + p * kPanel));
        acc[r][p][1] = _mm256_add_ps(acc[r][p][1], _mm256_loadu_ps(c + r * ldc + p * kPanel + 8));
      }
  }
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 8
    for (int p = 0; p < NP; ++p) {
      _mm256_storeu_ps(c + r * ldc + p * kPanel, acc[r][p][0]);
      _mm256_storeu_ps(c + r * ldc + p * kPanel + 8, acc[r][p][1]);
    }
}

// `np` panels for MR packed rows: NP panels at a time, then two, then one by one.
template <int MR, int NP>
void RowBlock(int64_t k, int64_t np, const float* a, const float* b, int64_t panel_stride, const float* bias,
              bool accumulate, float* c, int64_t ldc) {
  auto bias_at = [&](int64_t p) { return bias ? bias + p * kPanel : nullptr; };
  int64_t p = 0;
  for (; p + NP <= np; p += NP)
    MicroKernel<MR, NP>(k, a, b + p * panel_stride, panel_stride, bias_at(p), accumulate, c + p * kPanel, ldc);
  if constexpr (NP > 2) {
    // Two leftover panels together: a single panel's four accumulator chains leave the FMA
    // units waiting on latency.
    if (p + 2 <= np) {
      MicroKernel<MR, 2>(k, a, b + p * panel_stride, panel_stride, bias_at(p), accumulate, c + p * kPanel, ldc);
      p += 2;
    }
  }
  for (; p < np; ++p)
    MicroKernel<MR, 1>(k, a, b + p * panel_stride, panel_stride, bias_at(p), accumulate, c + p * kPanel, ldc);
}

// Rows of a tile narrower than kRowBlock take wider panel groups to keep the accumulators busy.
void TailRowBlock(int64_t rows, int64_t k, int64_t np, const float* a, const float* b, int64_t panel_stride,
                  const float* bias, bool accumulate, float* c, int64_t ldc) {
  switch (rows) {
    case 1: RowBlock<1, 4>(k, np, a, b, panel_stride, bias, accumulate, c, ldc); break;
    case 2: RowBlock<2, 3>(k, np, a, b, panel_stride, bias, accumulate, c, ldc); break;
    case 3: RowBlock<3, 2>(k, np, a, b, panel_stride, bias, accumulate, c, ldc); break;
    case 4: RowBlock<4, 1>(k, np, a, b, panel_stride, bias, accumulate, c, ldc); break;
    case 5: RowBlock<5, 1>(k, np, a, b, panel_stride, bias, accumulate, c, ldc); break;
    default: break;
  }
}

}  // namespace

int64_t GemmPackScratchFloats(int64_t m, int64_t k) {
  return RoundUp(std::min(m, RowChunk(k)), kRowBlock) * PaddedK(k) + 8;  // + PackRows' overhang
}

void GemmPacked(int64_t m, int64_t k, int64_t panels, const float* a, int64_t lda, const float* b,
                float* c, int64_t ldc, float* a_pack, const GemmOptions& options) {
  // A chunk of rows is packed once, then a block of panels (4 x K floats: 64 KB at K = 256,
  // in L2) is reused by every row tile of the chunk; at batch 1 this simply streams B once.
  // A product of one row tile reuses nothing across row tiles: unless the walk alternates
  // direction, its panels form one block so the micro-kernels get their widest panel groups.
  const int64_t panel_block = m <= kRowBlock && !options.reverse_blocks ? panels : 4;
  const int64_t blocks = (panels + panel_block - 1) / panel_block;
  const int64_t chunk = RowChunk(k), kp = PaddedK(k);
  const int64_t panel_stride = options.b_panel_stride ? options.b_panel_stride : kp * kPanel;
  for (int64_t r0 = 0; r0 < m; r0 += chunk) {
    const int64_t rows = std::min(chunk, m - r0);
    // A single row with k a whole number of k steps is already in packed form (batch 1).
    const bool as_is = options.a_packed || (rows == 1 && k == kp);
    if (!as_is)
      for (int64_t r = 0; r < rows; r += kRowBlock)
        PackRows(std::min<int64_t>(kRowBlock, rows - r), k, a + (r0 + r) * lda, lda, a_pack + r * kp);
    const float* ap = options.a_packed ? a : as_is ? a + r0 * lda : a_pack;
    for (int64_t i = 0; i < blocks; ++i) {
      const int64_t p0 = (options.reverse_blocks ? blocks - 1 - i : i) * panel_block;
      const int64_t np = std::min(panel_block, panels - p0);
      const float* bb = b + p0 * panel_stride;
      const float* bias = options.bias ? options.bias + p0 * kPanel : nullptr;
      float* cc = c + r0 * ldc + p0 * kPanel;
      int64_t r = 0;
      for (; r + kRowBlock <= rows; r += kRowBlock)
        RowBlock<kRowBlock, 1>(kp, np, ap + r * kp, bb, panel_stride, bias, options.accumulate, cc + r * ldc, ldc);
      if (r < rows)
        TailRowBlock(rows - r, kp, np, ap + r * kp, bb, panel_stride, bias, options.accumulate, cc + r * ldc, ldc);
    }
  }
}

}  // namespace seqrt::ops::rnn
