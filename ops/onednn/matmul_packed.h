// "packed_matmul": float32 MatMul / Gemm against constant 2-D weights on seqrt's own packed
// GEMM (rnn_gemm.h), the weights packed once per plan. Made for the small dense heads of
// sequence models: for a [1, 256] x [256, 12] head, oneDNN 2.6's matmul spent ~40 us per
// call (it packs its B every call), which was ~1% of a whole LSTM model's run at batch 1.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "graph/graph.h"
#include "ops/kernel.h"

namespace seqrt::ops {

// Prepare declines (Unimplemented) unless the weights (MatMul B / Gemm B) are a constant 2-D
// float32 tensor, and for Gemm unless transA = 0, alpha = 1 and C is absent, beta = 0, or a
// row bias ([N] or [1, N]) with beta = 1. It declines big products when more than one
// intra-op thread is asked for (oneDNN threads them) or when over 20 % of the 16-column
// panels it computes would be padding (oneDNN measured faster there).
absl::StatusOr<std::unique_ptr<OpKernel>> MakePackedMatMul(const graph::Node& node);
absl::StatusOr<std::unique_ptr<OpKernel>> MakePackedGemm(const graph::Node& node);

}  // namespace seqrt::ops
