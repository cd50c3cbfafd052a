// A small single-threaded GEMM for the per-step recurrent product h[N,K] x Rᵀ[K,G·H]: at
// batch 1 a oneDNN matmul call costs more in overhead than the product itself, and the
// weights (the same every step) are packed once into 16-column panels streamed in order.
// The micro-kernels are built per ISA (ops/simd/); GemmOptions::kernels picks one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <new>
#include <vector>

#include "ops/simd/kernel_table.h"

namespace seqrt::ops::rnn {

using simd::kKStep;
using simd::kPanel;     // columns per packed panel, the same for every ISA
using simd::kRowBlock;  // rows of A per micro-kernel tile

inline int64_t RoundUp(int64_t v, int64_t m) { return (v + m - 1) / m * m; }
inline int64_t PaddedK(int64_t k) { return RoundUp(k, kKStep); }

// Storage for packed operands, starting on a cache line so that no 32-byte load of a
// 64-byte panel row straddles two lines (std::vector's default gives 16-byte alignment).
template <typename T>
struct CacheLineAllocator {
  using value_type = T;
  CacheLineAllocator() = default;
  template <typename U>
  CacheLineAllocator(const CacheLineAllocator<U>&) {}
  T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), std::align_val_t{64})); }
  void deallocate(T* p, std::size_t) { ::operator delete(p, std::align_val_t{64}); }
  bool operator==(const CacheLineAllocator&) const { return true; }
};
using PackedFloats = std::vector<float, CacheLineAllocator<float>>;

// B [K, cols] packed as panels [cols/16][PaddedK(K)][16]; columns beyond `cols` (up to a
// multiple of 16) and rows beyond K are zero. `at(k, c)` gives B's element; it is called once per element.
void PackB(int64_t k, int64_t cols, const std::function<float(int64_t, int64_t)>& at, float* out);
inline int64_t PackedBFloats(int64_t k, int64_t cols) { return RoundUp(cols, kPanel) * PaddedK(k); }

using simd::GemmOptions;

// Floats of the `a_pack` scratch GemmPacked needs for an m x k A (it packs A in row chunks).
int64_t GemmPackScratchFloats(int64_t m, int64_t k);

// C[m, 0:panels*16] = A[m, 0:k] · B (+ bias) (+ C with `accumulate`) for m < M. A's rows are
// `lda` floats apart, C's `ldc` (either may be negative: rows taken from two buffers). `b` is a PackB output with the same k. `a_pack` is scratch of
// GemmPackScratchFloats(m, k) floats, overwritten.
void GemmPacked(int64_t m, int64_t k, int64_t panels, const float* a, int64_t lda, const float* b,
                float* c, int64_t ldc, float* a_pack, const GemmOptions& options = {});

}  // namespace seqrt::ops::rnn
