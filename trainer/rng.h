// Seeded random numbers for the trainer, defined bit-for-bit here (not by the standard
// library's distributions, whose output differs between implementations).
#pragma once

#include <cstdint>
#include <random>
#include <vector>

namespace seqrt::trainer {

class Rng {
 public:
  explicit Rng(uint64_t seed) : engine_(seed) {}
  double Uniform();  // [0, 1)
  double Uniform(double lo, double hi) { return lo + (hi - lo) * Uniform(); }
  double Normal();                        // standard normal (Box-Muller)
  uint64_t Below(uint64_t n);             // [0, n)
  void Shuffle(std::vector<int64_t>& v);  // Fisher-Yates

 private:
  std::mt19937_64 engine_;
};

// Keras initializers, filling row-major [rows, cols] matrices.
std::vector<double> GlorotUniform(int64_t rows, int64_t cols, Rng& rng);
// Rows (or columns, whichever are fewer) orthonormal, as Keras' Orthogonal(gain=1).
std::vector<double> Orthogonal(int64_t rows, int64_t cols, Rng& rng);

}  // namespace seqrt::trainer
