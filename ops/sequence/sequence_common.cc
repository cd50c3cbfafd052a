#include "ops/sequence/sequence_common.h"

#include "absl/strings/str_cat.h"
#include "ops/tensor_util.h"
#include "seqrt/status.h"

namespace seqrt::ops {

OpSchema ValueOpSchema(std::string op_type, int since_version, int min_inputs, int max_inputs,
                       InferFn infer, KernelFactory kernel) {
  OpSchema s;
  s.op_type = std::move(op_type);
  s.since_version = since_version;
  s.min_inputs = min_inputs;
  s.max_inputs = max_inputs;
  s.infer = infer;
  s.kernels = {kernel};
  s.allocates_outputs = true;
  s.boxed_values = true;
  // Their results are run-time objects, never folded into plan-time constants.
  s.foldable = false;
  return s;
}

absl::Status ExpectSequence(const InferContext& ctx, int i, std::string_view what) {
  if (!ctx.has_input(i)) return NodeError(ctx.node(), absl::StrCat(std::string(what), " is missing"));
  if (ctx.input_kind(i) != ValueKind::kSequence) {
    return NodeError(ctx.node(), absl::StrCat(std::string(what), " must be a sequence, got a ",
                                              std::string(ValueKindName(ctx.input_kind(i)))));
  }
  return absl::OkStatus();
}

absl::Status ExpectTensor(const InferContext& ctx, int i, std::string_view what) {
  if (!ctx.has_input(i)) return NodeError(ctx.node(), absl::StrCat(std::string(what), " is missing"));
  if (ctx.input_kind(i) != ValueKind::kTensor) {
    return NodeError(ctx.node(), absl::StrCat(std::string(what), " must be a tensor, got a ",
                                              std::string(ValueKindName(ctx.input_kind(i)))));
  }
  return absl::OkStatus();
}

absl::Status ExpectSameDType(const graph::Node& node, DType a, DType b, std::string_view what) {
  if (a != DType::kUndefined && b != DType::kUndefined && a != b) {
    return NodeError(node, absl::StrCat(std::string(what), ": ", std::string(DTypeName(a)), " and ", std::string(DTypeName(b)), " differ"));
  }
  return absl::OkStatus();
}

absl::StatusOr<const Value::Elements*> InputSequence(const ComputeContext& ctx, int i,
                                                         std::string_view where, std::string_view what) {
  const Value* v = ctx.input_value(i);
  if (v == nullptr || !v->is_sequence()) {
    return NodeError(where, absl::StrCat(std::string(what), " must be a sequence, got ",
                                         v ? v->Describe() : std::string(ctx.has_input(i) ? "a tensor" : "nothing")));
  }
  return &v->sequence();
}

absl::StatusOr<TensorView> InputTensor(const ComputeContext& ctx, int i, std::string_view where,
                                       std::string_view what) {
  if (const Value* v = ctx.input_value(i)) {
    if (v->is_tensor()) return v->tensor().view();
    return NodeError(where, absl::StrCat(std::string(what), " must be a tensor, got a ", v->Describe()));
  }
  if (!ctx.has_input(i)) return NodeError(where, absl::StrCat(std::string(what), " is missing"));
  return TensorView(ctx.input_dtype(i), ctx.input_dims(i), ctx.input(i));
}

absl::StatusOr<int64_t> ReadPosition(const ComputeContext& ctx, int i, std::string_view where,
                                     int64_t size, bool allow_end, int64_t fallback) {
  if (!ctx.has_input(i)) return fallback;
  SEQRT_ASSIGN_OR_RETURN(TensorView t, InputTensor(ctx, i, where, "position"));
  if (t.num_elements() != 1) {
    return NodeError(where, absl::StrCat("position must be a scalar, got shape ", DimsToString(t.dims())));
  }
  SmallInts v;
  SEQRT_RETURN_IF_ERROR(ReadInts(where, "position", t.dtype(), t.data(), 1, &v));
  const int64_t last = allow_end ? size : size - 1;
  if (v[0] < -size || v[0] > last) {
    return NodeError(where, absl::StrCat("position ", v[0], " is outside [", -size, ", ", last,
                                         "] for a sequence of ", size, " tensors"));
  }
  return v[0] < 0 ? v[0] + size : v[0];
}

}  // namespace seqrt::ops
