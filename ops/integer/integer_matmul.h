// Batched integer matrix product with zero points, shared by MatMulInteger and QLinearMatMul:
// numpy matmul shapes (1-D operands promoted, batch dims broadcast), int32 accumulation of
// (a - a_zero) * (b - b_zero). A zero point is one value or, per the spec, one per row of A /
// one per column of B.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "graph/graph.h"
#include "ops/op_schema.h"
#include "seqrt/tensor.h"

namespace seqrt::ops::integer {

// Output shape of A x B as numpy.matmul; errors name the node.
absl::StatusOr<graph::Shape> IntegerMatMulShape(const graph::Node& node, const graph::Shape& a,
                                                const graph::Shape& b);

// Concrete layout of one product, from A's and B's dims and the output's dims.
struct MatMulLayout {
  int64_t m = 1, k = 1, n = 1, batches = 1;
  // Per output batch: element offsets of its A and B matrices (broadcast batch dims repeat).
  std::vector<int64_t> a_offset, b_offset;
};
absl::StatusOr<MatMulLayout> GetMatMulLayout(std::string_view where, const Dims& a, const Dims& b);

// acc[batch][m][n] = sum_k (A - za) * (B - zb). za has 1 or m values, zb 1 or n values.
template <typename A, typename B>
void IntegerMatMul(const MatMulLayout& l, const A* a, const B* b, const A* za, int64_t za_count,
                   const B* zb, int64_t zb_count, int32_t* acc) {
  for (int64_t t = 0; t < l.batches; ++t) {
    const A* at = a + l.a_offset[t];
    const B* bt = b + l.b_offset[t];
    int32_t* ct = acc + t * l.m * l.n;
    for (int64_t i = 0; i < l.m; ++i) {
      const int32_t zai = za ? za[za_count == 1 ? 0 : i] : 0;
      for (int64_t j = 0; j < l.n; ++j) {
        const int32_t zbj = zb ? zb[zb_count == 1 ? 0 : j] : 0;
        int32_t s = 0;
        for (int64_t p = 0; p < l.k; ++p)
          s += (static_cast<int32_t>(at[i * l.k + p]) - zai) * (static_cast<int32_t>(bt[p * l.n + j]) - zbj);
        ct[i * l.n + j] = s;
      }
    }
  }
}

}  // namespace seqrt::ops::integer
