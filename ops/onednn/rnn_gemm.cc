#include "ops/onednn/rnn_gemm.h"

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

int64_t GemmPackScratchFloats(int64_t m, int64_t k) {
  return RoundUp(std::min(m, simd::RowChunk(k)), kRowBlock) * PaddedK(k) + 8;  // + PackRows' overhang
}

void GemmPacked(int64_t m, int64_t k, int64_t panels, const float* a, int64_t lda, const float* b,
                float* c, int64_t ldc, float* a_pack, const GemmOptions& options) {
  const simd::KernelTable& kernels = options.kernels ? *options.kernels : simd::KernelsFor(simd::DefaultIsa());
  kernels.gemm(m, k, panels, a, lda, b, c, ldc, a_pack, options);
}

}  // namespace seqrt::ops::rnn
