#include "ops/signal/fft.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <utility>

namespace seqrt::ops::signal {
namespace {

bool IsPowerOfTwo(int64_t n) { return n > 0 && (n & (n - 1)) == 0; }

// exp(-2*pi*i*k/len) for k < len/2, each from its own angle (no accumulated rounding).
std::vector<Complex> Twiddles(int64_t len) {
  std::vector<Complex> w(static_cast<size_t>(len / 2));
  for (int64_t k = 0; k < len / 2; ++k) {
    const double angle = -2.0 * std::numbers::pi * static_cast<double>(k) / static_cast<double>(len);
    w[k] = Complex(std::cos(angle), std::sin(angle));
  }
  return w;
}

// n's prime factors in ascending order when all are <= max_factor, else empty.
std::vector<int> SmallPrimeFactors(int64_t n, int max_factor) {
  std::vector<int> factors;
  for (int p = 2; p <= max_factor && n > 1; ++p) {
    while (n % p == 0) {
      factors.push_back(p);
      n /= p;
    }
  }
  if (n > 1) factors.clear();
  return factors;
}

}  // namespace

FftPlan::FftPlan(int64_t n) : n_(n) {
  if (n <= 1) return;  // the identity
  if (IsPowerOfTwo(n)) {
    twiddles_ = Twiddles(n);
    return;
  }
  factors_ = SmallPrimeFactors(n, kMaxRadix);
  if (!factors_.empty()) {
    roots_.resize(static_cast<size_t>(n));
    for (int64_t j = 0; j < n; ++j) {
      const double angle = -2.0 * std::numbers::pi * static_cast<double>(j) / static_cast<double>(n);
      roots_[j] = Complex(std::cos(angle), std::sin(angle));
    }
    return;
  }
  bluestein_ = true;
  m_ = 1;
  while (m_ < 2 * n - 1) m_ *= 2;
  twiddles_ = Twiddles(m_);
  // The chirp's angle pi*k^2/n is periodic in k^2 with period 2n; reducing k^2 first keeps
  // the angle small, so large k lose no precision.
  chirp_.resize(static_cast<size_t>(n));
  for (int64_t k = 0; k < n; ++k) {
    const int64_t k2 = static_cast<int64_t>((static_cast<unsigned __int128>(k) * k) % (2 * n));
    const double angle = -std::numbers::pi * static_cast<double>(k2) / static_cast<double>(n);
    chirp_[k] = Complex(std::cos(angle), std::sin(angle));
  }
  kernel_.assign(static_cast<size_t>(m_), Complex(0, 0));
  kernel_[0] = std::conj(chirp_[0]);
  for (int64_t k = 1; k < n; ++k) kernel_[k] = kernel_[m_ - k] = std::conj(chirp_[k]);
  Radix2(kernel_.data(), m_, twiddles_, /*inverse=*/false);
}

void FftPlan::Radix2(Complex* data, int64_t len, const std::vector<Complex>& twiddles, bool inverse) {
  // Bit-reversal permutation, then log2(len) passes of butterflies.
  for (int64_t i = 1, j = 0; i < len; ++i) {
    int64_t bit = len >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) std::swap(data[i], data[j]);
  }
  for (int64_t span = 2; span <= len; span *= 2) {
    const int64_t half = span / 2, step = len / span;
    for (int64_t start = 0; start < len; start += span) {
      for (int64_t j = 0; j < half; ++j) {
        const Complex w = inverse ? std::conj(twiddles[j * step]) : twiddles[j * step];
        const Complex u = data[start + j];
        const Complex v = data[start + j + half] * w;
        data[start + j] = u + v;
        data[start + j + half] = u - v;
      }
    }
  }
}

void FftPlan::BluesteinForward(Complex* data, Complex* work) const {
  // X[k] = chirp[k] * sum_j (x[j] * chirp[j]) * conj(chirp[k - j]): a convolution with the
  // conjugate chirp, done as a product of power-of-two transforms.
  for (int64_t k = 0; k < n_; ++k) work[k] = data[k] * chirp_[k];
  for (int64_t k = n_; k < m_; ++k) work[k] = Complex(0, 0);
  Radix2(work, m_, twiddles_, /*inverse=*/false);
  for (int64_t k = 0; k < m_; ++k) work[k] *= kernel_[k];
  Radix2(work, m_, twiddles_, /*inverse=*/true);
  const double scale = 1.0 / static_cast<double>(m_);
  for (int64_t k = 0; k < n_; ++k) data[k] = work[k] * chirp_[k] * scale;
}

void FftPlan::MixedRadix(const Complex* in, int64_t stride, Complex* out, int64_t n, const int* factors) const {
  if (n == 1) {
    out[0] = in[0];
    return;
  }
  // Decimation in time: with Y_q the length-m transform of x[q], x[q+p], x[q+2p], ...,
  //   X[k + r*m] = sum_q W_n^(q*k) Y_q[k] W_p^(q*r),   k < m, r < p.
  const int p = factors[0];
  const int64_t m = n / p;
  for (int q = 0; q < p; ++q) MixedRadix(in + q * stride, stride * p, out + q * m, m, factors + 1);
  const int64_t step = n_ / n;     // W_n^e = roots_[e * step]
  const int64_t unit = n_ / p;     // W_p^e = roots_[e * unit]
  Complex t[kMaxRadix];
  for (int64_t k = 0; k < m; ++k) {
    // The p values of one output group sit at k, k+m, ...: read them all before writing.
    t[0] = out[k];
    for (int q = 1; q < p; ++q) t[q] = out[q * m + k] * roots_[q * k * step];
    for (int r = 0; r < p; ++r) {
      Complex sum = t[0];
      for (int q = 1; q < p; ++q) sum += t[q] * roots_[((q * r) % p) * unit];
      out[k + r * m] = sum;
    }
  }
}

void FftPlan::Transform(Complex* data, bool inverse, Complex* work) const {
  if (n_ <= 1) return;
  if (!bluestein_ && factors_.empty()) {
    Radix2(data, n_, twiddles_, inverse);
    return;
  }
  // The inverse transform is the conjugate of the forward transform of the conjugate.
  if (inverse)
    for (int64_t k = 0; k < n_; ++k) data[k] = std::conj(data[k]);
  if (bluestein_) {
    BluesteinForward(data, work);
  } else {
    std::copy(data, data + n_, work);
    MixedRadix(work, 1, data, n_, factors_.data());
  }
  if (inverse)
    for (int64_t k = 0; k < n_; ++k) data[k] = std::conj(data[k]);
}

}  // namespace seqrt::ops::signal
