// Numpy broadcasting for reference kernels: per-input element strides over the output
// shape (0 on broadcast dims), and a walker that visits every output element with each
// input's flat offset, innermost dim in a tight loop.
#pragma once

#include <cstdint>
#include <vector>

#include "seqrt/tensor.h"

namespace seqrt::ops {

// Strides (in elements) of `in` viewed with the output's rank; 0 where `in` broadcasts.
std::vector<int64_t> BroadcastStrides(const Dims& in, const Dims& out);

// Row-major strides of `dims` (in elements).
std::vector<int64_t> ContiguousStrides(const Dims& dims);

// Calls fn(out_index, in_offsets...) for every output element. `strides` holds one
// BroadcastStrides vector per input.
template <typename Fn>
void ForEachBroadcast(const Dims& out, const std::vector<std::vector<int64_t>>& strides, Fn&& fn) {
  const int rank = static_cast<int>(out.size());
  const size_t n_in = strides.size();
  const int64_t total = NumElements(out);
  if (total == 0) return;
  std::vector<int64_t> offsets(n_in, 0);
  if (rank == 0) {
    fn(int64_t{0}, offsets.data());
    return;
  }
  std::vector<int64_t> index(rank, 0);
  const int64_t inner = out[rank - 1];
  int64_t o = 0;
  std::vector<int64_t> cur(n_in);
  while (true) {
    cur = offsets;  // same size: no allocation
    for (int64_t i = 0; i < inner; ++i) {
      fn(o++, cur.data());
      for (size_t k = 0; k < n_in; ++k) cur[k] += strides[k][rank - 1];
    }
    int d = rank - 2;
    for (; d >= 0; --d) {
      ++index[d];
      for (size_t k = 0; k < n_in; ++k) offsets[k] += strides[k][d];
      if (index[d] < out[d]) break;
      for (size_t k = 0; k < n_in; ++k) offsets[k] -= strides[k][d] * out[d];
      index[d] = 0;
    }
    if (d < 0) return;
  }
}

}  // namespace seqrt::ops
