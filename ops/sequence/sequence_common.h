// Pieces shared by the sequence and optional ops (ops/sequence/): a kernel base for ops that
// return values rather than fill buffers, the checks their shape functions share, and
// reading a position input.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/graph.h"
#include "ops/kernel.h"
#include "ops/op_schema.h"
#include "seqrt/value.h"

namespace seqrt::ops {

// Sequence ops hand back whole values (their outputs' sizes are run-time facts), so they run
// through ComputeWithOutputs; Compute is never called for them.
class ValueKernel : public OpKernel {
 public:
  explicit ValueKernel(const graph::Node& node) : node_(node), where_(node.Describe()) {}
  absl::Status Compute(ComputeContext&) const final {
    return absl::InternalError(where_ + " runs through ComputeWithOutputs");
  }

 protected:
  const graph::Node& node_;  // owned by the graph, which outlives the kernel
  std::string where_;
};

// A schema for a sequence/optional op with these bounds, shape function and kernel.
OpSchema ValueOpSchema(std::string op_type, int since_version, int min_inputs, int max_inputs,
                       InferFn infer, KernelFactory kernel);

// Shape-function checks: input i must be a sequence (or, with `or_optional`, an optional
// sequence); input i must be a tensor. Errors name the node and the input.
absl::Status ExpectSequence(const InferContext& ctx, int i, std::string_view what);
absl::Status ExpectTensor(const InferContext& ctx, int i, std::string_view what);
// Two element dtypes that must agree (undefined matches anything).
absl::Status ExpectSameDType(const graph::Node& node, DType a, DType b, std::string_view what);

// Kernel side: input i as a sequence (an error naming the node if it is something else).
absl::StatusOr<const Value::Elements*> InputSequence(const ComputeContext& ctx, int i,
                                                         std::string_view where, std::string_view what);
// Input i as a tensor view (an error if it is missing or a sequence).
absl::StatusOr<TensorView> InputTensor(const ComputeContext& ctx, int i, std::string_view where,
                                       std::string_view what);

// Reads an optional scalar position input `i` (int32/int64) and checks it lies in
// [-size, size - 1], or [-size, size] when `allow_end`; negative positions count from the
// back. Returns `fallback` when the input is absent.
absl::StatusOr<int64_t> ReadPosition(const ComputeContext& ctx, int i, std::string_view where,
                                     int64_t size, bool allow_end, int64_t fallback);

}  // namespace seqrt::ops
