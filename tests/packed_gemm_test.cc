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
