// The FFT behind DFT and STFT (ops/signal/fft.h) against the defining sum, computed directly
// in long double, forward and inverse: every length 1..70 and then powers of two (radix 2),
// 13-smooth lengths such as 143, 169, 243, 400, 480, 1000 (mixed radix) and lengths with a
// large prime factor such as 97, 641, 1021 (Bluestein).
#include <cmath>
#include <complex>
#include <numbers>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "ops/signal/fft.h"

namespace seqrt::ops::signal {
namespace {

using LongComplex = std::complex<long double>;

std::vector<LongComplex> DirectDft(const std::vector<Complex>& x, bool inverse) {
  const int64_t n = static_cast<int64_t>(x.size());
  std::vector<LongComplex> y(x.size());
  const long double sign = inverse ? 1.0L : -1.0L;
  // exp(sign * 2 pi i r / n) for every r: the sum's factor for (j, k) is root[(j * k) mod n],
  // which keeps each angle exact before the division.
  std::vector<LongComplex> root(x.size());
  for (int64_t r = 0; r < n; ++r) {
    const long double angle =
        sign * 2.0L * std::numbers::pi_v<long double> * static_cast<long double>(r) / static_cast<long double>(n);
    root[r] = LongComplex(std::cos(angle), std::sin(angle));
  }
  for (int64_t k = 0; k < n; ++k) {
    LongComplex sum = 0;
    for (int64_t j = 0; j < n; ++j) sum += LongComplex(x[j].real(), x[j].imag()) * root[(j * k) % n];
    y[k] = sum;
  }
  return y;
}

// Largest |fft - direct| relative to the input's energy scale (sqrt(n) * max |x|).
double WorstError(int64_t n, bool inverse, std::mt19937& rng) {
  std::uniform_real_distribution<double> u(-1, 1);
  std::vector<Complex> x(n);
  for (Complex& v : x) v = Complex(u(rng), u(rng));
  const std::vector<LongComplex> want = DirectDft(x, inverse);
  FftPlan plan(n);
  std::vector<Complex> work(plan.WorkElements());
  std::vector<Complex> got = x;
  plan.Transform(got.data(), inverse, work.data());
  double worst = 0;
  for (int64_t k = 0; k < n; ++k) {
    const double err = std::abs(LongComplex(got[k].real(), got[k].imag()) - want[k]);
    worst = std::max(worst, err / std::sqrt(static_cast<double>(n)));
  }
  return worst;
}

TEST(SignalFft, MatchesDirectSumForEveryLength) {
  std::mt19937 rng(17);
  std::vector<int64_t> lengths;
  for (int64_t n = 1; n <= 70; ++n) lengths.push_back(n);
  for (int64_t n : {97, 128, 143, 169, 243, 255, 256, 400, 480, 512, 641, 1000, 1021, 1024}) lengths.push_back(n);
  for (int64_t n : lengths) {
    for (bool inverse : {false, true}) {
      EXPECT_LT(WorstError(n, inverse, rng), 1e-13) << "n = " << n << (inverse ? " inverse" : " forward");
    }
  }
}

TEST(SignalFft, InverseUndoesForward) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<double> u(-1, 1);
  for (int64_t n : {1, 2, 3, 12, 16, 257, 400}) {
    FftPlan plan(n);
    std::vector<Complex> work(plan.WorkElements());
    std::vector<Complex> x(n);
    for (Complex& v : x) v = Complex(u(rng), u(rng));
    std::vector<Complex> y = x;
    plan.Transform(y.data(), false, work.data());
    plan.Transform(y.data(), true, work.data());
    for (int64_t k = 0; k < n; ++k) EXPECT_NEAR(std::abs(y[k] / static_cast<double>(n) - x[k]), 0.0, 1e-13) << n;
  }
}

}  // namespace
}  // namespace seqrt::ops::signal
