// The reference matrix product every reference kernel that multiplies matrices shares
// (MatMul, Gemm, and the recurrent cells' fallbacks). Cache-blocked, inner loop contiguous.
#pragma once

#include <cstddef>
#include <cstdint>

#include "seqrt/dtype.h"

namespace seqrt::ops {

// C[M,N] = op(A)[M,K] · op(B)[K,N], overwriting C. With trans_a, A is stored [K,M]; with
// trans_b, B is stored [N,K]. lda/ldb/ldc are the stored row strides in elements.
struct GemmShape {
  int64_t m = 0, n = 0, k = 0;
  bool trans_a = false, trans_b = false;
  int64_t lda = 0, ldb = 0, ldc = 0;
};

// Scratch bytes ReferenceGemm<T> needs for this shape (request it in Prepare).
size_t ReferenceGemmScratchBytes(DType dtype, int64_t m, int64_t n, int64_t k);

// T: float, double, Float16, BFloat16 (accumulate in float), int32/int64/uint32/uint64.
// `scratch` must hold ReferenceGemmScratchBytes bytes, 64-byte aligned.
template <typename T>
void ReferenceGemm(const GemmShape& s, const T* a, const T* b, T* c, void* scratch);

}  // namespace seqrt::ops
