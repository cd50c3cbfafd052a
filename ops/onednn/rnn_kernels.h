// Fast float32 kernels for ONNX RNN / GRU / LSTM, listed by ops/recurrent.cc before the
// reference kernel. The header hides oneDNN so recurrent.cc need not include dnnl.hpp.
// Each kernel's Prepare declines (Unimplemented) for anything it cannot compute exactly, or
// for shapes where the other fast kernel is measurably faster (see benchmarks/RESULTS.md).
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "graph/graph.h"
#include "ops/kernel.h"

namespace seqrt::ops {

// "onednn_rnn": oneDNN's vanilla_rnn / lstm / gru / lbr_gru forward_inference primitives.
absl::StatusOr<std::unique_ptr<OpKernel>> MakeOnednnRnnKernel(const graph::Node& node);
// The same kernel running at most `max_chunk_steps` steps per primitive execution (for tests:
// the kernel chunks long sequences by itself to bound its scratch).
absl::StatusOr<std::unique_ptr<OpKernel>> MakeOnednnRnnKernelInChunks(const graph::Node& node,
                                                                     int64_t max_chunk_steps);
// The same kernel, declining every shape where the matmul cell measured faster.
absl::StatusOr<std::unique_ptr<OpKernel>> MakeOnednnRnnKernelForLargeShapes(const graph::Node& node);

// "matmul_cell": the input projection as one GEMM over all steps (or per step at large
// batch), one small packed GEMM per step for the recurrence, and vectorised gate math.
// Supports every ONNX attribute.
absl::StatusOr<std::unique_ptr<OpKernel>> MakeMatmulCellRnnKernel(const graph::Node& node);

}  // namespace seqrt::ops
