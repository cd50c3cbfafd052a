#include "ops/onednn/rnn_gemm.h"

#include <immintrin.h>

#include <algorithm>

namespace seqrt::ops::rnn {

void PackB(int64_t k, int64_t cols, const std::function<float(int64_t, int64_t)>& at, float* out) {
  const int64_t panels = RoundUp(cols, kPanel) / kPanel;
  for (int64_t p = 0; p < panels; ++p)
    for (int64_t kk = 0; kk < k; ++kk)
      for (int64_t j = 0; j < kPanel; ++j) {
        const int64_t col = p * kPanel + j;
        out[(p * k + kk) * kPanel + j] = col < cols ? at(kk, col) : 0.f;
      }
}

namespace {

// MR rows x NP panels: MR·NP·2 accumulators (≤ 12 of the 16 ymm registers), one broadcast
// of A per row and two loads of B per panel each k.
template <int MR, int NP>
inline void MicroKernel(int64_t k, const float* a, int64_t lda, const float* b, int64_t panel_stride,
                        const float* bias, float* c, int64_t ldc) {
  __m256 acc[MR][NP][2];
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 8
    for (int p = 0; p < NP; ++p) {
      acc[r][p][0] = bias ? _mm256_loadu_ps(bias + p * kPanel) : _mm256_setzero_ps();
      acc[r][p][1] = bias ? _mm256_loadu_ps(bias + p * kPanel + 8) : _mm256_setzero_ps();
    }
  for (int64_t kk = 0; kk < k; ++kk) {
    __m256 b0[NP], b1[NP];
#pragma GCC unroll 8
    for (int p = 0; p < NP; ++p) {
      b0[p] = _mm256_loadu_ps(b + p * panel_stride + kk * kPanel);
      b1[p] = _mm256_loadu_ps(b + p * panel_stride + kk * kPanel + 8);
    }
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) {
      const __m256 av = _mm256_broadcast_ss(a + r * lda + kk);
#pragma GCC unroll 8
      for (int p = 0; p < NP; ++p) {
        acc[r][p][0] = _mm256_fmadd_ps(av, b0[p], acc[r][p][0]);
        acc[r][p][1] = _mm256_fmadd_ps(av, b1[p], acc[r][p][1]);
      }
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

// All panels for MR rows: NP panels at a time, then the remaining panels one by one.
template <int MR, int NP>
void RowBlock(int64_t k, int64_t panels, const float* a, int64_t lda, const float* b, const float* bias,
              float* c, int64_t ldc) {
  const int64_t panel_stride = k * kPanel;
  auto bias_at = [&](int64_t p) { return bias ? bias + p * kPanel : nullptr; };
  int64_t p = 0;
  for (; p + NP <= panels; p += NP)
    MicroKernel<MR, NP>(k, a, lda, b + p * panel_stride, panel_stride, bias_at(p), c + p * kPanel, ldc);
  for (; p < panels; ++p)
    MicroKernel<MR, 1>(k, a, lda, b + p * panel_stride, panel_stride, bias_at(p), c + p * kPanel, ldc);
}

}  // namespace

void GemmPacked(int64_t m, int64_t k, int64_t panels, const float* a, int64_t lda, const float* b,
                float* c, int64_t ldc, const GemmOptions& options) {
  // Panel-major outer loop over column blocks keeps a B block in L1/L2 while every row
  // tile reuses it; at batch 1 it simply streams B once.
  constexpr int64_t kPanelBlock = 4;  // 4 panels x K=256 floats = 64 KB
  const int64_t blocks = (panels + kPanelBlock - 1) / kPanelBlock;
  for (int64_t i = 0; i < blocks; ++i) {
    const int64_t p0 = (options.reverse_blocks ? blocks - 1 - i : i) * kPanelBlock;
    const int64_t np = std::min(kPanelBlock, panels - p0);
    const float* bb = b + p0 * k * kPanel;
    const float* bias = options.bias ? options.bias + p0 * kPanel : nullptr;
    float* cc = c + p0 * kPanel;
    int64_t r = 0;
    for (; r + 6 <= m; r += 6) RowBlock<6, 1>(k, np, a + r * lda, lda, bb, bias, cc + r * ldc, ldc);
    switch (m - r) {
      case 1: RowBlock<1, 4>(k, np, a + r * lda, lda, bb, bias, cc + r * ldc, ldc); break;
      case 2: RowBlock<2, 3>(k, np, a + r * lda, lda, bb, bias, cc + r * ldc, ldc); break;
      case 3: RowBlock<3, 2>(k, np, a + r * lda, lda, bb, bias, cc + r * ldc, ldc); break;
      case 4: RowBlock<4, 1>(k, np, a + r * lda, lda, bb, bias, cc + r * ldc, ldc); break;
      case 5: RowBlock<5, 1>(k, np, a + r * lda, lda, bb, bias, cc + r * ldc, ldc); break;
      default: break;
    }
  }
}

}  // namespace seqrt::ops::rnn
