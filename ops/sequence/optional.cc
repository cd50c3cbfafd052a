// Optional values (opset 15; 18 lets OptionalHasElement/GetElement take plain tensors and
// sequences too): Optional wraps a value or makes an empty optional of a declared type,
// OptionalHasElement tells them apart, OptionalGetElement takes the value out. At run time an
// optional holding something is that tensor or sequence; an empty one holds nothing.
#include "absl/strings/str_cat.h"
#include "ops/sequence/sequence_common.h"
#include "ops/sequence/sequence_ops.h"
#include "ops/tensor_util.h"
#include "seqrt/status.h"

namespace seqrt::ops {
namespace {

ValueKind OptionalOf(ValueKind kind) {
  return kind == ValueKind::kSequence || kind == ValueKind::kOptionalSequence ? ValueKind::kOptionalSequence
                                                                              : ValueKind::kOptionalTensor;
}

// A borrowed input as an owned value (tensors and sequences are copied).
Value CopyInput(const ComputeContext& ctx, int i) {
  if (const Value* v = ctx.input_value(i)) return *v;
  return Value(Tensor::CopyOf(TensorView(ctx.input_dtype(i), ctx.input_dims(i), ctx.input(i))));
}

// ---- Optional -------------------------------------------------------------------------

absl::Status InferOptional(InferContext& ctx) {
  const graph::Node& node = ctx.node();
  if (ctx.has_input(0)) {
    if (IsBoxedKind(ctx.input_kind(0)) && ctx.input_kind(0) != ValueKind::kSequence)
      return NodeError(node, "input is already an optional; optionals do not nest here");
    ctx.SetOutput(0, ctx.input_dtype(0), ctx.input_shape(0), OptionalOf(ctx.input_kind(0)));
    return absl::OkStatus();
  }
  auto type = node.attrs.GetType("type");
  if (!type.ok()) return NodeError(node, "without an input, attribute 'type' must say what the optional holds");
  if (IsBoxedKind((*type)->kind) && (*type)->kind != ValueKind::kSequence)
    return NodeError(node, "attribute 'type' must be a tensor or sequence type");
  ctx.SetOutput(0, (*type)->dtype, (*type)->shape, OptionalOf((*type)->kind));
  return absl::OkStatus();
}

class OptionalKernel : public ValueKernel {
 public:
  using ValueKernel::ValueKernel;
  absl::StatusOr<std::vector<Value>> ComputeWithOutputs(ComputeContext& ctx) const override {
    if (!ctx.has_input(0)) return std::vector<Value>{Value::Nothing()};
    return std::vector<Value>{CopyInput(ctx, 0)};
  }
};

// ---- OptionalHasElement ---------------------------------------------------------------

// Any input kind is accepted: opset 15-17 ask for an optional, but a plain tensor or
// sequence is simply present, as opset 18 says.
absl::Status InferOptionalHasElement(InferContext& ctx) {
  ctx.SetOutput(0, DType::kBool, graph::Shape(std::vector<graph::Dim>{}));
  return absl::OkStatus();
}

class OptionalHasElementKernel : public ValueKernel {
 public:
  using ValueKernel::ValueKernel;
  absl::StatusOr<std::vector<Value>> ComputeWithOutputs(ComputeContext& ctx) const override {
    const Value* v = ctx.input_value(0);
    const bool has = ctx.has_input(0) && (v == nullptr || !v->is_nothing());
    return std::vector<Value>{Value(Tensor::FromVector<uint8_t>(DType::kBool, {}, {static_cast<uint8_t>(has)}))};
  }
};

// ---- OptionalGetElement ---------------------------------------------------------------

absl::Status InferOptionalGetElement(InferContext& ctx) {
  if (!ctx.has_input(0)) return NodeError(ctx.node(), "input is missing");
  const ValueKind in = ctx.input_kind(0);
  const ValueKind out = in == ValueKind::kOptionalSequence || in == ValueKind::kSequence ? ValueKind::kSequence
                                                                                        : ValueKind::kTensor;
  ctx.SetOutput(0, ctx.input_dtype(0), ctx.input_shape(0), out);
  return absl::OkStatus();
}

class OptionalGetElementKernel : public ValueKernel {
 public:
  using ValueKernel::ValueKernel;
  absl::StatusOr<std::vector<Value>> ComputeWithOutputs(ComputeContext& ctx) const override {
    const Value* v = ctx.input_value(0);
    if (v != nullptr && v->is_nothing())
      return NodeError(where_, "the optional is empty (check it with OptionalHasElement first)");
    return std::vector<Value>{CopyInput(ctx, 0)};
  }
};

}  // namespace

void RegisterOptionalOps(OpRegistry& registry) {
  registry.Register(ValueOpSchema("Optional", 15, 0, 1, InferOptional, MakeKernel<OptionalKernel>));
  registry.Register(
      ValueOpSchema("OptionalHasElement", 15, 0, 1, InferOptionalHasElement, MakeKernel<OptionalHasElementKernel>));
  registry.Register(
      ValueOpSchema("OptionalGetElement", 15, 1, 1, InferOptionalGetElement, MakeKernel<OptionalGetElementKernel>));
}

}  // namespace seqrt::ops
