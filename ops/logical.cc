// Boolean logic (And, Or, Xor, Not), comparisons with a bool result (Equal, Less, Greater,
// LessOrEqual, GreaterOrEqual) and Where, all with numpy broadcasting.
#include <cstring>
#include <memory>
#include <string>

#include "ops/elementwise_common.h"
#include "ops/registry.h"

namespace seqrt::ops {
namespace {

// ---- two-operand ops returning bool ----

struct AndFn {
  static constexpr unsigned kAllowed = kBoolType;
  template <typename C>
  bool operator()(C a, C b) const { return a && b; }
};
struct OrFn {
  static constexpr unsigned kAllowed = kBoolType;
  template <typename C>
  bool operator()(C a, C b) const { return a || b; }
};
struct XorFn {
  static constexpr unsigned kAllowed = kBoolType;
  template <typename C>
  bool operator()(C a, C b) const { return a != b; }
};
struct EqualFn {
  static constexpr unsigned kAllowed = kAllTypes;
  template <typename C>
  bool operator()(C a, C b) const { return a == b; }
};
struct LessFn {
  static constexpr unsigned kAllowed = kNumericTypes;
  template <typename C>
  bool operator()(C a, C b) const { return a < b; }
};
struct GreaterFn {
  static constexpr unsigned kAllowed = kNumericTypes;
  template <typename C>
  bool operator()(C a, C b) const { return a > b; }
};
struct LessOrEqualFn {
  static constexpr unsigned kAllowed = kNumericTypes;
  template <typename C>
  bool operator()(C a, C b) const { return a <= b; }
};
struct GreaterOrEqualFn {
  static constexpr unsigned kAllowed = kNumericTypes;
  template <typename C>
  bool operator()(C a, C b) const { return a >= b; }
};

template <typename Fn>
class PredicateKernel final : public OpKernel {
 public:
  explicit PredicateKernel(const graph::Node& node) : where_(node.Describe()) {}

  absl::Status Prepare(PrepareContext& ctx) override {
    SEQRT_ASSIGN_OR_RETURN(plan_, MakeBinaryPlan(ctx));
    return absl::OkStatus();
  }

  absl::Status Compute(ComputeContext& ctx) const override {
    return VisitAllowed<Fn::kAllowed>(
        ctx.input_dtype(0),
        [&](auto tag) -> absl::Status {
          using T = decltype(tag);
          using C = ComputeType<T>;
          const Fn fn;
          BinaryBroadcast(plan_, ctx.input<T>(0), ctx.input<T>(1), ctx.output<bool>(0),
                          [&fn](T a, T b) { return fn(static_cast<C>(a), static_cast<C>(b)); });
          return absl::OkStatus();
        },
        where_);
  }

 private:
  std::string where_;
  BroadcastPlan<2> plan_;
};

template <unsigned kAllowed>
absl::Status InferPredicate(InferContext& ctx) {
  SEQRT_RETURN_IF_ERROR(CommonInputDType(ctx, 0, 2).status());
  SEQRT_RETURN_IF_ERROR(CheckInputDType(ctx, 0, kAllowed));
  SEQRT_RETURN_IF_ERROR(CheckInputDType(ctx, 1, kAllowed));
  SEQRT_ASSIGN_OR_RETURN(graph::Shape shape, BinaryOutputShape(ctx));
  ctx.SetOutput(0, DType::kBool, std::move(shape));
  return absl::OkStatus();
}

template <typename Fn>
void RegisterPredicate(OpRegistry& registry, const std::string& op_type, int since_version) {
  OpSchema schema;
  schema.op_type = op_type;
  schema.since_version = since_version;
  schema.min_inputs = 2;
  schema.max_inputs = 2;
  schema.infer = &InferPredicate<Fn::kAllowed>;
  schema.kernels = {&MakeKernel<PredicateKernel<Fn>>};
  // Only bool -> bool ops may write over an input (the runtime also checks dtype and size).
  if (Fn::kAllowed == kBoolType) schema.aliasing = Aliasing::kMayReuseInput;
  registry.Register(std::move(schema));
}

// ---- Not ----

absl::Status InferNot(InferContext& ctx) {
  SEQRT_RETURN_IF_ERROR(CheckInputDType(ctx, 0, kBoolType));
  ctx.SetOutput(0, DType::kBool, ctx.input_shape(0));
  return absl::OkStatus();
}

class NotKernel final : public OpKernel {
 public:
  explicit NotKernel(const graph::Node&) {}
  absl::Status Compute(ComputeContext& ctx) const override {
    const int64_t n = NumElements(ctx.input_dims(0));
    const bool* in = ctx.input<bool>(0);
    bool* out = ctx.output<bool>(0);
    for (int64_t i = 0; i < n; ++i) out[i] = !in[i];
    return absl::OkStatus();
  }
};

// ---- Where(condition, X, Y): 3-way broadcasting; X and Y are copied by element size ----

absl::Status InferWhere(InferContext& ctx) {
  if (ctx.input_dtype(0) != DType::kBool && ctx.input_dtype(0) != DType::kUndefined) {
    return absl::InvalidArgumentError(absl::StrCat(ctx.node().Describe(),
                                                   ": condition must be bool, got ",
                                                   std::string(DTypeName(ctx.input_dtype(0)))));
  }
  SEQRT_ASSIGN_OR_RETURN(DType dtype, CommonInputDType(ctx, 1, 2));
  SEQRT_RETURN_IF_ERROR(CheckInputDType(ctx, 1, kAllTypes));
  SEQRT_ASSIGN_OR_RETURN(graph::Shape shape, BroadcastInputShapes(ctx, 0, 3));
  ctx.SetOutput(0, dtype, std::move(shape));
  return absl::OkStatus();
}

class WhereKernel final : public OpKernel {
 public:
  explicit WhereKernel(const graph::Node& node) : where_(node.Describe()) {}

  absl::Status Prepare(PrepareContext& ctx) override {
    plan_ = MakeBroadcastPlan<3>({&ctx.input_dims(0), &ctx.input_dims(1), &ctx.input_dims(2)},
                                 ctx.output_dims(0));
    return absl::OkStatus();
  }

  absl::Status Compute(ComputeContext& ctx) const override {
    switch (DTypeSize(ctx.output_dtype(0))) {
      case 1: return Select<uint8_t>(ctx);
      case 2: return Select<uint16_t>(ctx);
      case 4: return Select<uint32_t>(ctx);
      case 8: return Select<uint64_t>(ctx);
      default:
        return absl::UnimplementedError(absl::StrCat(
            where_, ": unsupported dtype ", std::string(DTypeName(ctx.output_dtype(0)))));
    }
  }

 private:
  // Where only moves values, so any dtype of the same width shares one loop.
  template <typename Bits>
  absl::Status Select(ComputeContext& ctx) const {
    const bool* cond = ctx.input<bool>(0);
    const Bits* x = ctx.input<Bits>(1);
    const Bits* y = ctx.input<Bits>(2);
    Bits* out = ctx.output<Bits>(0);
    ForEachBroadcastPlan<3>(plan_, [&](int64_t o, const std::array<int64_t, 3>& off) {
      out[o] = cond[off[0]] ? x[off[1]] : y[off[2]];
    });
    return absl::OkStatus();
  }

  std::string where_;
  BroadcastPlan<3> plan_;
};

void RegisterSimple(OpRegistry& registry, const std::string& op_type, int since_version,
                    int num_inputs, InferFn infer, KernelFactory kernel, Aliasing aliasing) {
  OpSchema schema;
  schema.op_type = op_type;
  schema.since_version = since_version;
  schema.min_inputs = num_inputs;
  schema.max_inputs = num_inputs;
  schema.infer = infer;
  schema.kernels = {kernel};
  schema.aliasing = aliasing;
  registry.Register(std::move(schema));
}

}  // namespace

void RegisterLogicalOps(OpRegistry& registry) {
  RegisterPredicate<AndFn>(registry, "And", 1);
  RegisterPredicate<OrFn>(registry, "Or", 1);
  RegisterPredicate<XorFn>(registry, "Xor", 1);
  RegisterPredicate<EqualFn>(registry, "Equal", 1);
  RegisterPredicate<LessFn>(registry, "Less", 1);
  RegisterPredicate<GreaterFn>(registry, "Greater", 1);
  RegisterPredicate<LessOrEqualFn>(registry, "LessOrEqual", 12);
  RegisterPredicate<GreaterOrEqualFn>(registry, "GreaterOrEqual", 12);
  RegisterSimple(registry, "Not", 1, 1, &InferNot, &MakeKernel<NotKernel>,
                 Aliasing::kMayReuseInput);
  RegisterSimple(registry, "Where", 9, 3, &InferWhere, &MakeKernel<WhereKernel>,
                 Aliasing::kMayReuseInput);
}

}  // namespace seqrt::ops
