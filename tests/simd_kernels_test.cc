// seqrt's per-ISA micro-kernels (ops/simd/): every ISA this CPU can run — AVX-512, AVX2 and
// the any-x86-64 baseline, as far as the CPU has them — against double-precision sums and
// the ONNX recurrent equations written out here, on row lengths that are not whole vectors
// (AVX-512's partial tails), every tile shape, each activation kind, clip, peepholes and
// coupled gates; then the ISA paths against each other, and how ISA names resolve.
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "ops/onednn/rnn_gemm.h"
#include "ops/recurrent_attrs.h"
#include "ops/simd/kernel_table.h"
#include "ops/simd/resolve_isa.h"

namespace seqrt {
namespace {

namespace rnn = ops::rnn;
namespace simd = ops::simd;
using Act = ops::RecurrentActivation;
using Kind = Act::Kind;

std::vector<simd::Isa> RunnableIsas() {
  std::vector<simd::Isa> isas;
  for (simd::Isa isa : {simd::Isa::kBaseline, simd::Isa::kAvx2, simd::Isa::kAvx512})
    if (static_cast<int>(isa) <= static_cast<int>(simd::BestIsa())) isas.push_back(isa);
  return isas;
}

std::vector<float> Random(std::mt19937& rng, int64_t n, float lo = -1.f, float hi = 1.f) {
  std::uniform_real_distribution<float> u(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = u(rng);
  return v;
}

double F(const Act& a, double x) { return ops::ApplyRecurrentActivation<double>(a, x); }

TEST(SimdKernels, GemmMatchesDoubleProductOnEveryIsa) {
  struct Shape { int64_t m, k, cols; bool bias, accumulate, reverse; };
  // Rows 1-6 take every tail tile, 7-13 a full 6-row tile plus a tail; 1-9 panels take every
  // panel group (4, 2, 1 at AVX-512; 8 or 6 for one or two rows).
  std::vector<Shape> shapes;
  for (int64_t m : {1, 2, 3, 4, 5, 6, 7, 11, 13})
    for (int64_t cols : {16, 40, 64, 100, 144}) shapes.push_back({m, m % 2 ? 37 : 64, cols, m % 3 == 0, m == 5, cols == 100});
  shapes.push_back({200, 300, 48, true, false, true});  // several packed-A chunks
  std::mt19937 rng(20261204);
  for (simd::Isa isa : RunnableIsas()) {
    const simd::KernelTable& kernels = simd::KernelsFor(isa);
    ASSERT_EQ(kernels.isa, isa);
    for (const Shape& s : shapes) {
      SCOPED_TRACE(absl::StrCat(simd::IsaName(isa), " m=", s.m, " k=", s.k, " cols=", s.cols));
      const int64_t panels = rnn::RoundUp(s.cols, rnn::kPanel) / rnn::kPanel, ldc = panels * rnn::kPanel;
      std::vector<float> a = Random(rng, s.m * s.k), b = Random(rng, s.k * s.cols), bias = Random(rng, ldc);
      std::vector<float> c0 = Random(rng, s.m * ldc);
      rnn::PackedFloats packed(rnn::PackedBFloats(s.k, s.cols));
      rnn::PackB(s.k, s.cols, [&](int64_t kk, int64_t j) { return b[kk * s.cols + j]; }, packed.data());
      std::vector<float> scratch(rnn::GemmPackScratchFloats(s.m, s.k));
      std::vector<float> c = c0;
      rnn::GemmOptions options;
      options.kernels = &kernels;
      options.bias = s.bias ? bias.data() : nullptr;
      options.accumulate = s.accumulate;
      options.reverse_blocks = s.reverse;
      rnn::GemmPacked(s.m, s.k, panels, a.data(), s.k, packed.data(), c.data(), ldc, scratch.data(), options);
      for (int64_t i = 0; i < s.m; ++i)
        for (int64_t j = 0; j < ldc; ++j) {
          double want = (s.bias ? bias[j] : 0.0) + (s.accumulate ? c0[i * ldc + j] : 0.0);
          if (j < s.cols)
            for (int64_t kk = 0; kk < s.k; ++kk) want += static_cast<double>(a[i * s.k + kk]) * b[kk * s.cols + j];
          ASSERT_NEAR(c[i * ldc + j], want, 2e-5 * std::sqrt(static_cast<double>(s.k))) << "row " << i << " col " << j;
        }
    }
  }
}

// Inputs of one gate row: xw and rec hold `gates` blocks of hp floats, `stride` apart.
struct Row {
  int64_t hp, stride;
  std::vector<float> xw, rec, h, c, peep, rbh;
};

Row MakeRow(std::mt19937& rng, int gates, int64_t hp, int64_t stride) {
  Row r;
  r.hp = hp;
  r.stride = stride;
  // Wide enough to reach the activations' saturated ends and, with clip 1.5, the clip.
  r.xw = Random(rng, gates * stride, -4.f, 4.f);
  r.rec = Random(rng, gates * stride, -4.f, 4.f);
  r.h = Random(rng, hp);
  r.c = Random(rng, hp, -2.f, 2.f);
  r.peep = Random(rng, 3 * stride);
  r.rbh = Random(rng, hp);
  return r;
}

constexpr double kTol = 1e-5;

TEST(SimdKernels, GateRowsFollowTheOnnxEquationsOnEveryIsa) {
  const Act sigmoid{Kind::kSigmoid}, tanh_act{Kind::kTanh};
  std::mt19937 rng(7);
  for (simd::Isa isa : RunnableIsas()) {
    const simd::KernelTable& kernels = simd::KernelsFor(isa);
    for (int64_t hp : {8, 24, 40, 64, 136}) {
      for (int variant = 0; variant < 4; ++variant) {
        // 0: plain; 1: clip; 2: peepholes + clip; 3: coupled input/forget gates, wider stride.
        SCOPED_TRACE(absl::StrCat(simd::IsaName(isa), " hp=", hp, " variant=", variant));
        const int64_t stride = variant == 3 ? hp + 16 : hp;
        simd::GateParams p;
        p.kernels = &kernels;
        p.f = &sigmoid;
        p.g = &tanh_act;
        p.hact = &tanh_act;
        p.has_clip = variant == 1 || variant == 2;
        p.clip = 1.5f;
        p.input_forget = variant == 3;
        Row r = MakeRow(rng, 4, hp, stride);
        p.peep = variant == 2 ? r.peep.data() : nullptr;
        const double clip = p.has_clip ? p.clip : INFINITY;
        auto pre = [&](int g, int64_t j) {
          return std::fmin(clip, std::fmax(-clip, static_cast<double>(r.xw[g * stride + j]) + r.rec[g * stride + j]));
        };
        // LSTM, gate blocks i, o, f, c; peepholes i, o, f.
        std::vector<double> want_h(hp), want_c(hp);
        for (int64_t j = 0; j < hp; ++j) {
          const double pi = p.peep ? r.peep[j] * static_cast<double>(r.c[j]) : 0.0;
          const double pf = p.peep ? r.peep[2 * stride + j] * static_cast<double>(r.c[j]) : 0.0;
          auto clipped = [&](double v) { return std::fmin(clip, std::fmax(-clip, v)); };
          const double i = F(sigmoid, clipped(r.xw[j] + static_cast<double>(r.rec[j]) + pi));
          const double f = p.input_forget ? 1.0 - i
                                          : F(sigmoid, clipped(r.xw[2 * stride + j] + static_cast<double>(r.rec[2 * stride + j]) + pf));
          const double cc = F(tanh_act, pre(3, j));
          want_c[j] = f * r.c[j] + i * cc;
          const double po = p.peep ? r.peep[stride + j] * want_c[j] : 0.0;
          const double o = F(sigmoid, clipped(r.xw[stride + j] + static_cast<double>(r.rec[stride + j]) + po));
          want_h[j] = o * std::tanh(want_c[j]);
        }
        std::vector<float> h = r.h, c = r.c, rec = r.rec, tmp(hp);
        kernels.lstm_row(p, r.xw.data(), rec.data(), h.data(), c.data(), tmp.data(), hp, stride);
        for (int64_t j = 0; j < hp; ++j) {
          ASSERT_NEAR(c[j], want_c[j], kTol) << "LSTM c unit " << j;
          ASSERT_NEAR(h[j], want_h[j], kTol) << "LSTM h unit " << j;
        }

        // GRU with linear_before_reset, gate blocks z, r, h.
        Row g = MakeRow(rng, 3, hp, stride);
        p.rbh = g.rbh.data();
        p.peep = nullptr;
        std::vector<double> want(hp);
        for (int64_t j = 0; j < hp; ++j) {
          auto at = [&](const std::vector<float>& v, int gate) { return static_cast<double>(v[gate * stride + j]); };
          auto clipped = [&](double v) { return std::fmin(clip, std::fmax(-clip, v)); };
          const double z = F(sigmoid, clipped(at(g.xw, 0) + at(g.rec, 0)));
          const double rr = F(sigmoid, clipped(at(g.xw, 1) + at(g.rec, 1)));
          const double hh = F(tanh_act, clipped(at(g.xw, 2) + rr * (at(g.rec, 2) + g.rbh[j])));
          want[j] = (1 - z) * hh + z * g.h[j];
        }
        h = g.h;
        rec = g.rec;
        kernels.gru_lbr_row(p, g.xw.data(), rec.data(), h.data(), hp, stride);
        for (int64_t j = 0; j < hp; ++j) ASSERT_NEAR(h[j], want[j], kTol) << "GRU (lbr) unit " << j;

        // GRU without linear_before_reset, in its two halves (contiguous gate blocks).
        Row s = MakeRow(rng, 3, hp, hp);
        std::vector<float> srec = s.rec, rh(hp);
        kernels.gru_zr_row(p, s.xw.data(), srec.data(), s.h.data(), rh.data(), hp);
        const std::vector<float> rec_h = Random(rng, hp, -3.f, 3.f);
        std::vector<float> sh = s.h;
        kernels.gru_h_row(p, s.xw.data(), srec.data(), rec_h.data(), sh.data(), hp);
        for (int64_t j = 0; j < hp; ++j) {
          auto clipped = [&](double v) { return std::fmin(clip, std::fmax(-clip, v)); };
          const double z = F(sigmoid, clipped(s.xw[j] + static_cast<double>(s.rec[j])));
          const double rr = F(sigmoid, clipped(s.xw[hp + j] + static_cast<double>(s.rec[hp + j])));
          ASSERT_NEAR(rh[j], rr * s.h[j], kTol) << "GRU r*h unit " << j;
          const double hh = F(tanh_act, clipped(s.xw[2 * hp + j] + static_cast<double>(rec_h[j])));
          ASSERT_NEAR(sh[j], (1 - z) * hh + z * s.h[j], kTol) << "GRU h unit " << j;
        }
      }
    }
  }
}

TEST(SimdKernels, EveryActivationKindOnEveryIsa) {
  const std::vector<Act> acts = {
      {Kind::kRelu},          {Kind::kTanh},           {Kind::kSigmoid},       {Kind::kAffine, 0.7f, -0.2f},
      {Kind::kLeakyRelu, 0.1f}, {Kind::kThresholdedRelu, 0.4f}, {Kind::kScaledTanh, 1.3f, 0.6f},
      {Kind::kHardSigmoid, 0.2f, 0.5f}, {Kind::kElu, 0.9f}, {Kind::kSoftsign}, {Kind::kSoftplus}};
  std::mt19937 rng(3);
  for (simd::Isa isa : RunnableIsas()) {
    const simd::KernelTable& kernels = simd::KernelsFor(isa);
    for (const Act& act : acts) {
      for (int64_t hp : {8, 40}) {
        SCOPED_TRACE(absl::StrCat(simd::IsaName(isa), " kind=", static_cast<int>(act.kind), " hp=", hp));
        // Values out to where exp overflows float and back, plus exact zeros and the threshold.
        std::vector<float> xw = Random(rng, hp, -100.f, 100.f), rec(hp, 0.f), h(hp);
        xw[0] = 0.f;
        xw[1] = -0.f;
        xw[2] = act.alpha;
        for (int64_t j = 3; j < hp / 2; ++j) xw[j] = (j - 10) * 0.37f;
        simd::GateParams p;
        p.kernels = &kernels;
        p.f = &act;
        kernels.rnn_row(p, xw.data(), rec.data(), h.data(), hp);
        for (int64_t j = 0; j < hp; ++j) {
          const double want = F(act, xw[j]);
          ASSERT_NEAR(h[j], want, kTol * (1 + std::fabs(want))) << "x=" << xw[j];
        }
      }
    }
  }
}

// The lower paths are the same code at a narrower width: on one input they must agree with
// the best path to float rounding (not bit for bit: without FMA the baseline rounds twice).
TEST(SimdKernels, IsaPathsAgreeWithEachOther) {
  const std::vector<simd::Isa> isas = RunnableIsas();
  const Act sigmoid{Kind::kSigmoid}, tanh_act{Kind::kTanh};
  std::mt19937 rng(99);
  const int64_t m = 9, k = 72, cols = 200, hp = 200;
  const int64_t panels = rnn::RoundUp(cols, rnn::kPanel) / rnn::kPanel, ldc = panels * rnn::kPanel;
  const std::vector<float> a = Random(rng, m * k), b = Random(rng, k * cols);
  rnn::PackedFloats packed(rnn::PackedBFloats(k, cols));
  rnn::PackB(k, cols, [&](int64_t kk, int64_t j) { return b[kk * cols + j]; }, packed.data());
  const Row row = MakeRow(rng, 4, hp, hp);
  std::vector<std::vector<float>> gemm_out, lstm_out;
  for (simd::Isa isa : isas) {
    rnn::GemmOptions options;
    options.kernels = &simd::KernelsFor(isa);
    std::vector<float> scratch(rnn::GemmPackScratchFloats(m, k)), c(m * ldc);
    rnn::GemmPacked(m, k, panels, a.data(), k, packed.data(), c.data(), ldc, scratch.data(), options);
    gemm_out.push_back(c);
    simd::GateParams p;
    p.kernels = options.kernels;
    p.f = &sigmoid;
    p.g = &tanh_act;
    p.hact = &tanh_act;
    std::vector<float> h = row.h, cc = row.c, rec = row.rec, tmp(hp);
    p.kernels->lstm_row(p, row.xw.data(), rec.data(), h.data(), cc.data(), tmp.data(), hp, hp);
    h.insert(h.end(), cc.begin(), cc.end());
    lstm_out.push_back(h);
  }
  for (size_t i = 1; i < isas.size(); ++i) {
    SCOPED_TRACE(absl::StrCat(simd::IsaName(isas[i]), " vs ", simd::IsaName(isas[0])));
    for (size_t j = 0; j < gemm_out[0].size(); ++j) ASSERT_NEAR(gemm_out[i][j], gemm_out[0][j], 1e-4) << j;
    for (size_t j = 0; j < lstm_out[0].size(); ++j) ASSERT_NEAR(lstm_out[i][j], lstm_out[0][j], 2e-6) << j;
  }
}

TEST(SimdKernels, IsaNamesResolveOrSayWhy) {
  EXPECT_EQ(*simd::ResolveIsa("auto"), simd::BestIsa());
  EXPECT_EQ(*simd::ResolveIsa("baseline"), simd::Isa::kBaseline);
  absl::StatusOr<simd::Isa> bad = simd::ResolveIsa("sse9");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("'sse9' is not one of auto, avx512, avx2, baseline"), std::string::npos)
      << bad.status().message();
  for (const char* name : {"avx2", "avx512"}) {
    absl::StatusOr<simd::Isa> r = simd::ResolveIsa(name);
    const bool runnable = r.ok();
    EXPECT_EQ(runnable, static_cast<int>(*simd::ResolveIsa("auto")) >= (std::string(name) == "avx2" ? 1 : 2));
    if (!runnable) {
      EXPECT_NE(r.status().message().find("this CPU lacks"), std::string::npos) << r.status().message();
    }
  }
}

}  // namespace
}  // namespace seqrt
