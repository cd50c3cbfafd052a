// oneDNN's sgemm behind the trainer's Gemm boundary (the only trainer file that sees oneDNN).
#include <omp.h>

#include <cstdio>
#include <cstdlib>

#include "oneapi/dnnl/dnnl.h"
#include "trainer/gemm.h"

namespace seqrt::trainer {

void SetGemmThreads(int threads) {
  if (threads > 0) omp_set_num_threads(threads);
}

void OnednnSgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                 int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  const dnnl_status_t st =
      dnnl_sgemm(trans_a ? 'T' : 'N', trans_b ? 'T' : 'N', m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  // Arguments are built by the trainer itself from validated shapes: a failure is our bug.
  if (st != dnnl_success) {
    std::fprintf(stderr, "seqrt trainer: dnnl_sgemm failed (status %d, m=%ld n=%ld k=%ld)\n",
                 static_cast<int>(st), static_cast<long>(m), static_cast<long>(n), static_cast<long>(k));
    std::abort();
  }
}

}  // namespace seqrt::trainer
