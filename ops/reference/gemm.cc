// Blocked GEMM: for each column block of C and each K block, a panel of op(B) is made
// contiguous (packed) once and then streamed against every row of A, so the inner loop is a
// unit-stride axpy the compiler vectorises and the panel stays in cache.
#include "ops/reference/gemm.h"

#include <algorithm>
#include <cstring>
#include <type_traits>

#include "ops/dtype_dispatch.h"

namespace seqrt::ops {
namespace {

constexpr int64_t kBlockN = 256;  // columns of C per panel
constexpr int64_t kBlockK = 128;  // depth per panel: a float panel is 128 KiB

// Whether C can accumulate in place (T is its own compute type) or needs a float panel.
template <typename T>
constexpr bool kAccumulatesInPlace = std::is_same_v<T, ComputeType<T>>;

size_t AccSize(DType dtype) {
  return dtype == DType::kFloat16 || dtype == DType::kBFloat16 ? sizeof(float) : DTypeSize(dtype);
}

}  // namespace

size_t ReferenceGemmScratchBytes(DType dtype, int64_t m, int64_t n, int64_t k) {
  const int64_t nb = std::min(n, kBlockN), kb = std::min(k, kBlockK);
  size_t bytes = static_cast<size_t>(nb * kb) * AccSize(dtype);  // packed B panel
  if (dtype == DType::kFloat16 || dtype == DType::kBFloat16)
    bytes += static_cast<size_t>(m * nb) * sizeof(float);  // float C panel
  return bytes;
}

template <typename T>
void ReferenceGemm(const GemmShape& s, const T* a, const T* b, T* c, void* scratch) {
  using Acc = ComputeType<T>;
  constexpr bool in_place = kAccumulatesInPlace<T>;
  const int64_t nb_max = std::min(s.n, kBlockN), kb_max = std::min(s.k, kBlockK);
  Acc* packed = static_cast<Acc*>(scratch);
  Acc* c_panel = packed + nb_max * kb_max;  // used only when !in_place

  for (int64_t j0 = 0; j0 < s.n; j0 += kBlockN) {
    const int64_t nc = std::min(kBlockN, s.n - j0);
    Acc* cb;
    int64_t ldcb;
    if constexpr (in_place) {
      cb = c + j0;
      ldcb = s.ldc;
    } else {
      cb = c_panel;
      ldcb = nc;
    }
    for (int64_t i = 0; i < s.m; ++i) std::fill(cb + i * ldcb, cb + i * ldcb + nc, Acc(0));

    for (int64_t k0 = 0; k0 < s.k; k0 += kBlockK) {
      const int64_t kc = std::min(kBlockK, s.k - k0);
      const Acc* bp;
      int64_t ldbp;
      if (in_place && !s.trans_b) {
        bp = reinterpret_cast<const Acc*>(b) + k0 * s.ldb + j0;  // already row-contiguous
        ldbp = s.ldb;
      } else {
        for (int64_t kk = 0; kk < kc; ++kk)
          for (int64_t j = 0; j < nc; ++j)
            packed[kk * nc + j] = static_cast<Acc>(
                s.trans_b ? b[(j0 + j) * s.ldb + k0 + kk] : b[(k0 + kk) * s.ldb + j0 + j]);
        bp = packed;
        ldbp = nc;
      }
      auto a_at = [&](int64_t i, int64_t kk) {
        return static_cast<Acc>(s.trans_a ? a[(k0 + kk) * s.lda + i] : a[i * s.lda + k0 + kk]);
      };
      int64_t i = 0;
      // Four rows of C at a time: each packed B row loaded once feeds four accumulating rows.
      for (; i + 4 <= s.m; i += 4) {
        Acc* __restrict c0 = cb + i * ldcb;
        Acc* __restrict c1 = c0 + ldcb;
        Acc* __restrict c2 = c1 + ldcb;
        Acc* __restrict c3 = c2 + ldcb;
        for (int64_t kk = 0; kk < kc; ++kk) {
          const Acc a0 = a_at(i, kk), a1 = a_at(i + 1, kk), a2 = a_at(i + 2, kk),
                    a3 = a_at(i + 3, kk);
          const Acc* __restrict brow = bp + kk * ldbp;
          for (int64_t j = 0; j < nc; ++j) {
            const Acc bj = brow[j];
            c0[j] += a0 * bj;
            c1[j] += a1 * bj;
            c2[j] += a2 * bj;
            c3[j] += a3 * bj;
          }
        }
      }
      for (; i < s.m; ++i) {
        Acc* __restrict crow = cb + i * ldcb;
        for (int64_t kk = 0; kk < kc; ++kk) {
          const Acc aik = a_at(i, kk);
          const Acc* __restrict brow = bp + kk * ldbp;
          for (int64_t j = 0; j < nc; ++j) crow[j] += aik * brow[j];
        }
      }
    }

    if constexpr (!in_place) {
      for (int64_t i = 0; i < s.m; ++i)
        for (int64_t j = 0; j < nc; ++j) c[i * s.ldc + j0 + j] = static_cast<T>(cb[i * ldcb + j]);
    }
  }
}

template void ReferenceGemm<float>(const GemmShape&, const float*, const float*, float*, void*);
template void ReferenceGemm<double>(const GemmShape&, const double*, const double*, double*, void*);
template void ReferenceGemm<Float16>(const GemmShape&, const Float16*, const Float16*, Float16*,
                                     void*);
template void ReferenceGemm<BFloat16>(const GemmShape&, const BFloat16*, const BFloat16*,
                                      BFloat16*, void*);
template void ReferenceGemm<int32_t>(const GemmShape&, const int32_t*, const int32_t*, int32_t*,
                                     void*);
template void ReferenceGemm<int64_t>(const GemmShape&, const int64_t*, const int64_t*, int64_t*,
                                     void*);
template void ReferenceGemm<uint32_t>(const GemmShape&, const uint32_t*, const uint32_t*,
                                      uint32_t*, void*);
template void ReferenceGemm<uint64_t>(const GemmShape&, const uint64_t*, const uint64_t*,
                                      uint64_t*, void*);

}  // namespace seqrt::ops
