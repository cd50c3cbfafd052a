// The one matrix product the trainer needs, row-major:
//   C[M,N] = alpha * op(A)[M,K] * op(B)[K,N] + beta * C
// float goes to oneDNN's sgemm (gemm_onednn.cc), double to a plain loop that the gradient
// checks trust. lda/ldb/ldc are row strides, so column blocks of a wider matrix work as views.
#pragma once

#include <cstdint>

namespace seqrt::trainer {

template <typename S>
void Gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, S alpha, const S* a, int64_t lda,
          const S* b, int64_t ldb, S beta, S* c, int64_t ldc);

// Threads for the float path (OpenMP pool behind oneDNN). Same count, same bits.
void SetGemmThreads(int threads);

// Defined in gemm_onednn.cc.
void OnednnSgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                 int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc);

}  // namespace seqrt::trainer
