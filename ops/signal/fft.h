// A one-dimensional complex FFT of any length, in double precision, for DFT and STFT.
//
// Lengths that are powers of two run an iterative radix-2 transform; other lengths go through
// Bluestein's chirp-z identity, which rewrites a length-n DFT as a circular convolution of
// power-of-two length m >= 2n-1 (three radix-2 transforms), so every length costs O(n log n)
// and prime lengths are not quadratic. Double precision keeps the result within float32
// rounding of the exact transform for every length an audio model uses.
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
  // Complex values of work space Transform needs (0 for powers of two).
  int64_t WorkElements() const { return bluestein_ ? m_ : 0; }

  // In place: data[k] = sum_j data[j] * exp(-+2*pi*i*j*k/n) (minus sign forward, plus
  // inverse). Unscaled: the caller divides an inverse by n.
  void Transform(Complex* data, bool inverse, Complex* work) const;

 private:
  // Radix-2 transform of length `len` (a power of two) using twiddles_ of a length-`len` plan.
  static void Radix2(Complex* data, int64_t len, const std::vector<Complex>& twiddles, bool inverse);
  void BluesteinForward(Complex* data, Complex* work) const;

  int64_t n_ = 0;
  bool bluestein_ = false;
  int64_t m_ = 0;                  // Bluestein's power-of-two convolution length
  std::vector<Complex> twiddles_;  // exp(-2*pi*i*k/len) for k < len/2, len = n (radix 2) or m
  std::vector<Complex> chirp_;     // exp(-pi*i*k^2/n), k < n
  std::vector<Complex> kernel_;    // the forward transform of the conjugate chirp, length m
};

}  // namespace seqrt::ops::signal
