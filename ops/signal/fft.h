// A one-dimensional complex FFT of any length, in double precision, for DFT and STFT.
//
// Three algorithms, chosen by the length n when the plan is built:
//   - powers of two: an iterative radix-2 transform;
//   - lengths whose prime factors are all <= kMaxRadix (400 = 2^4 5^2, the usual 25 ms frame
//     at 16 kHz; 480, 640, 1000...): recursive mixed-radix Cooley-Tukey, one pass per prime
//     factor;
//   - anything else (a large prime factor): Bluestein's chirp-z identity, which rewrites a
//     length-n DFT as a circular convolution of power-of-two length m >= 2n-1 (three radix-2
//     transforms), so prime lengths are not quadratic either.
// Double precision keeps the result within float32 rounding of the exact transform for every
// length an audio model uses.
//
// Why our own and not a library: FFTW (already a showcase dependency) is GPL and would bind
// the whole runtime library; the transforms ONNX models ask for are short (n_fft <= a few
// thousand), where this is fast enough and its accuracy is easy to check against the direct
// sum (tests/signal_fft_test.cc).
//
// A plan is built once (twiddles, chirp) and is then read-only: Transform may run on several
// threads at once, each with its own work buffer of WorkElements() values.
#pragma once

#include <complex>
#include <cstdint>
#include <string_view>
#include <vector>

namespace seqrt::ops::signal {

using Complex = std::complex<double>;

// The longest transform seqrt plans: 2^22 points (a Bluestein plan of that length holds about
// 200 MB). Audio front ends use at most a few thousand; a larger dft_length is refused with a
// clear error rather than an allocation failure.
inline constexpr int64_t kMaxFftLength = int64_t{1} << 22;

class FftPlan {
 public:
  FftPlan() = default;
  // A plan for length n >= 1.
  explicit FftPlan(int64_t n);

  int64_t size() const { return n_; }
  // "fft_radix2", "fft_mixed_radix" or "fft_bluestein" (plans and profiles show it).
  std::string_view Algorithm() const {
    return bluestein_ ? "fft_bluestein" : factors_.empty() ? "fft_radix2" : "fft_mixed_radix";
  }
  // Complex values of work space Transform needs (0 for powers of two).
  int64_t WorkElements() const { return bluestein_ ? m_ : factors_.empty() ? 0 : n_; }

  // The largest prime factor the mixed-radix passes handle (each costs p^2 products per p
  // outputs); lengths with a larger one go through Bluestein.
  static constexpr int kMaxRadix = 13;

  // In place: data[k] = sum_j data[j] * exp(-+2*pi*i*j*k/n) (minus sign forward, plus
  // inverse). Unscaled: the caller divides an inverse by n.
  void Transform(Complex* data, bool inverse, Complex* work) const;

 private:
  // Radix-2 transform of length `len` (a power of two) using twiddles_ of a length-`len` plan.
  static void Radix2(Complex* data, int64_t len, const std::vector<Complex>& twiddles, bool inverse);
  void BluesteinForward(Complex* data, Complex* work) const;
  // Forward transform of the n points in[0], in[stride], ... into out[0..n), n = the product
  // of factors[0..]: p = factors[0] sub-transforms of length n/p, then one radix-p pass.
  void MixedRadix(const Complex* in, int64_t stride, Complex* out, int64_t n, const int* factors) const;

  int64_t n_ = 0;
  bool bluestein_ = false;
  int64_t m_ = 0;                  // Bluestein's power-of-two convolution length
  std::vector<Complex> twiddles_;  // exp(-2*pi*i*k/len) for k < len/2, len = n (radix 2) or m
  std::vector<Complex> chirp_;     // exp(-pi*i*k^2/n), k < n
  std::vector<Complex> kernel_;    // the forward transform of the conjugate chirp, length m
  std::vector<int> factors_;       // mixed radix: n's prime factors, ascending
  std::vector<Complex> roots_;     // mixed radix: exp(-2*pi*i*j/n) for j < n
};

// Two real sequences a and b in one complex transform: after Transform of z = a + i*b (either
// direction), bin k of a's and of b's transforms. Both are conjugate-symmetric because a and b
// are real, which separates them: A[k] = (Z[k] + conj(Z[n-k])) / 2 and
// B[k] = (Z[k] - conj(Z[n-k])) / 2i. Halves the work for real signals, the usual audio case.
inline void SplitRealPair(const Complex* z, int64_t n, int64_t k, Complex* a, Complex* b) {
  const Complex zk = z[k], mirror = std::conj(z[k == 0 ? 0 : n - k]);
  *a = 0.5 * (zk + mirror);
  *b = Complex(0, -0.5) * (zk - mirror);
}

}  // namespace seqrt::ops::signal
