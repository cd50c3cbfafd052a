// seqrt's packed GEMM (ops/onednn/rnn_gemm.h) against a double-precision product written
// here, on the shapes its loops split on: row counts that fill several packed-A chunks (with
// a partial last chunk and a tail tile of 1-5 rows), k not a multiple of the k step, a single
// row (used without packing), strided A and C, a row bias and the reversed block walk; A
// packing by 8x8 transposes with a k remainder.
#include <cmath>
#include <random>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "ops/onednn/rnn_gemm.h"

namespace seqrt {
namespace {

namespace rnn = ops::rnn;

struct Shape {
  int64_t m, k, cols, lda_pad, ldc_pad;
  bool bias, reverse;
};

TEST(PackedGemm, MatchesDoublePrecisionProduct) {
  const std::vector<Shape> shapes = {
      {1, 256, 1024, 0, 0, false, true},   // batch-1 recurrence: A used as is
      {1, 37, 40, 3, 5, true, false},      // one row, k % 4 != 0: packed
      {64, 256, 1024, 0, 0, false, true},  // batch-64 step, one chunk
      {100, 40, 1024, 0, 0, true, false},  // whole-sequence projection at batch 1
      {300, 1024, 48, 7, 16, true, true},  // 126-row chunks: three, the last partial
      {131, 2048, 33, 0, 3, false, false}, // 60-row chunks, tail tile of 5 rows
      {7, 3, 17, 1, 0, true, true},        // tiny everything
      {12, 21, 40, 2, 0, true, false},     // full tiles: 16 k transposed, 5 k one by one
  };
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  for (const Shape& s : shapes) {
    SCOPED_TRACE(absl::StrCat("m=", s.m, " k=", s.k, " cols=", s.cols));
    const int64_t lda = s.k + s.lda_pad, panels = rnn::RoundUp(s.cols, rnn::kPanel) / rnn::kPanel;
    const int64_t ldc = panels * rnn::kPanel + s.ldc_pad;
    std::vector<float> a(s.m * lda), b(s.k * s.cols), bias(panels * rnn::kPanel);
    for (float& v : a) v = u(rng);
    for (float& v : b) v = u(rng);
    for (float& v : bias) v = u(rng);
    rnn::PackedFloats packed(rnn::PackedBFloats(s.k, s.cols));
    rnn::PackB(s.k, s.cols, [&](int64_t kk, int64_t c) { return b[kk * s.cols + c]; }, packed.data());
    std::vector<float> scratch(rnn::GemmPackScratchFloats(s.m, s.k));
    std::vector<float> c(s.m * ldc, NAN);
    rnn::GemmOptions options;
    options.bias = s.bias ? bias.data() : nullptr;
    options.reverse_blocks = s.reverse;
    rnn::GemmPacked(s.m, s.k, panels, a.data(), lda, packed.data(), c.data(), ldc, scratch.data(), options);
    for (int64_t i = 0; i < s.m; ++i)
      for (int64_t j = 0; j < panels * rnn::kPanel; ++j) {
        double want = s.bias ? bias[j] : 0.0, squares = 0.0;
        if (j < s.cols)
          for (int64_t kk = 0; kk < s.k; ++kk) {
            const double term = static_cast<double>(a[i * lda + kk]) * b[kk * s.cols + j];
            want += term;
            squares += term * term;
          }
        // Padding columns hold the bias alone (their weights are zero). Float rounding over k
        // terms grows like sqrt(k) times their size; one wrong or missing term is far above.
        const double tol = 4e-6 * std::sqrt(static_cast<double>(s.k)) * (1.0 + std::sqrt(squares));
        ASSERT_NEAR(c[i * ldc + j], want, tol) << "row " << i << " col " << j;
      }
    for (int64_t i = 0; i < s.m; ++i)  // C's stride padding is never written
      for (int64_t j = panels * rnn::kPanel; j < ldc; ++j) ASSERT_TRUE(std::isnan(c[i * ldc + j]));
  }
}

}  // namespace
}  // namespace seqrt

namespace seqrt {
namespace {

// The options the batch-1 two-step recurrence uses: rows [k0, k0 + k) of a B packed for a
// larger K (b_panel_stride), two A rows from separate buffers in either order (negative lda),
// accumulating into two C rows in either order (negative ldc), and A given already packed.
TEST(PackedGemm, AccumulatesTilesOfALargerB) {
  namespace rnn = ops::rnn;
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  const int64_t K = 96, cols = 64, k0 = 32, k = 40, panels = cols / rnn::kPanel;
  std::vector<float> b(K * cols), h(2 * 128), c(2 * 80);
  for (float& v : b) v = u(rng);
  for (float& v : h) v = u(rng);
  rnn::PackedFloats packed(rnn::PackedBFloats(K, cols));
  rnn::PackB(K, cols, [&](int64_t kk, int64_t j) { return b[kk * cols + j]; }, packed.data());
  const float* tile = packed.data() + k0 * rnn::kPanel;
  std::vector<float> scratch(rnn::GemmPackScratchFloats(2, k));
  for (bool prepacked : {false, true}) {
    for (float& v : c) v = u(rng);
    const std::vector<float> c_before = c;
    // Row 0 of A is h[128 + k0..], row 1 is h[k0..]; row 0 of C is c[80..], row 1 is c[0..].
    const float* a0 = h.data() + 128 + k0;
    const int64_t lda = -128;
    std::vector<float> pairs(2 * k);
    for (int64_t kk = 0; kk < k; ++kk) {
      pairs[2 * kk] = a0[kk];
      pairs[2 * kk + 1] = a0[lda + kk];
    }
    rnn::GemmOptions options;
    options.accumulate = true;
    options.b_panel_stride = rnn::PaddedK(K) * rnn::kPanel;
    options.a_packed = prepacked;
    rnn::GemmPacked(2, k, panels, prepacked ? pairs.data() : a0, prepacked ? 0 : lda, tile, c.data() + 80, -80,
                    scratch.data(), options);
    for (int64_t r = 0; r < 2; ++r)
      for (int64_t j = 0; j < cols; ++j) {
        const float* ar = a0 + r * lda;
        const int64_t at = (r == 0 ? 80 : 0) + j;
        double want = c_before[at];
        for (int64_t kk = 0; kk < k; ++kk) want += static_cast<double>(ar[kk]) * b[(k0 + kk) * cols + j];
        ASSERT_NEAR(c[at], want, 1e-5 + 1e-5 * std::fabs(want)) << "row " << r << " col " << j << " prepacked "
                                                                << prepacked;
      }
  }
}

}  // namespace
}  // namespace seqrt
