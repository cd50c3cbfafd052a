#include "trainer/rng.h"

#include <cmath>
#include <numbers>

namespace seqrt::trainer {

double Rng::Uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }

double Rng::Normal() {
  double u1 = Uniform();
  while (u1 <= 0.0) u1 = Uniform();
  const double u2 = Uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

uint64_t Rng::Below(uint64_t n) {
  // Rejection keeps the draw unbiased.
  const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t x = engine_();
  while (x >= limit) x = engine_();
  return x % n;
}

void Rng::Shuffle(std::vector<int64_t>& v) {
  for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[Below(i)]);
}

std::vector<double> GlorotUniform(int64_t rows, int64_t cols, Rng& rng) {
  const double limit = std::sqrt(6.0 / static_cast<double>(rows + cols));
  std::vector<double> w(rows * cols);
  for (double& x : w) x = rng.Uniform(-limit, limit);
  return w;
}

std::vector<double> Orthogonal(int64_t rows, int64_t cols, Rng& rng) {
  // QR of a tall normal matrix [tall, narrow] by modified Gram-Schmidt (R's diagonal comes out
  // positive, which is Keras' sign correction); transpose when the requested matrix is wide.
  const int64_t tall = std::max(rows, cols), narrow = std::min(rows, cols);
  std::vector<double> q(tall * narrow);
  for (double& x : q) x = rng.Normal();
  for (int64_t j = 0; j < narrow; ++j) {
    for (int64_t p = 0; p < j; ++p) {
      double dot = 0;
      for (int64_t i = 0; i < tall; ++i) dot += q[i * narrow + p] * q[i * narrow + j];
      for (int64_t i = 0; i < tall; ++i) q[i * narrow + j] -= dot * q[i * narrow + p];
    }
    double norm = 0;
    for (int64_t i = 0; i < tall; ++i) norm += q[i * narrow + j] * q[i * narrow + j];
    norm = std::sqrt(norm);
    for (int64_t i = 0; i < tall; ++i) q[i * narrow + j] /= norm;
  }
  if (rows >= cols) return q;
  std::vector<double> w(rows * cols);
  for (int64_t i = 0; i < tall; ++i)
    for (int64_t j = 0; j < narrow; ++j) w[j * cols + i] = q[i * narrow + j];
  return w;
}

}  // namespace seqrt::trainer
