// Cast (target dtype from the `to` attribute) and CastLike (target dtype from input 1).
// Conversions follow numpy's astype: float -> int truncates toward zero (NaN -> 0, out of
// range saturates to int64 then wraps), anything -> bool is "!= 0", 16-bit floats round to
// nearest even through float.
#include <cstring>
#include <memory>
#include <string>
#include <utility>

#include "ops/elementwise_common.h"
#include "ops/registry.h"

namespace seqrt::ops {
namespace {

template <typename To, typename From>
To ConvertValue(From v) {
  using FromC = ComputeType<From>;
  if constexpr (std::is_same_v<To, From>) {
    return v;
  } else if constexpr (std::is_same_v<To, bool>) {
    return static_cast<FromC>(v) != FromC(0);
  } else if constexpr (std::is_same_v<To, Float16> || std::is_same_v<To, BFloat16>) {
    return To(static_cast<float>(static_cast<FromC>(v)));
  } else if constexpr (std::is_floating_point_v<To>) {
    return static_cast<To>(static_cast<FromC>(v));
  } else if constexpr (std::is_floating_point_v<FromC>) {
    return FloatToInt<To>(static_cast<double>(static_cast<FromC>(v)));
  } else {
    return static_cast<To>(v);  // integer/bool -> integer: wraps modulo 2^bits
  }
}

class CastKernel final : public OpKernel {
 public:
  explicit CastKernel(const graph::Node& node) : where_(node.Describe()) {}

  absl::Status Compute(ComputeContext& ctx) const override {
    const int64_t n = NumElements(ctx.input_dims(0));
    const DType from = ctx.input_dtype(0), to = ctx.output_dtype(0);
    if (from == to) {
      if (ctx.output(0) != ctx.input(0))
        std::memcpy(ctx.output(0), ctx.input(0), static_cast<size_t>(n) * DTypeSize(from));
      return absl::OkStatus();
    }
    return VisitAllowed<kAllTypes>(
        from,
        [&](auto from_tag) -> absl::Status {
          using From = decltype(from_tag);
          return VisitAllowed<kAllTypes>(
              to,
              [&](auto to_tag) -> absl::Status {
                using To = decltype(to_tag);
                const From* in = ctx.input<From>(0);
                To* out = ctx.output<To>(0);
                for (int64_t i = 0; i < n; ++i) out[i] = ConvertValue<To, From>(in[i]);
                return absl::OkStatus();
              },
              where_ + " (target)");
        },
        where_);
  }

 private:
  std::string where_;
};

absl::Status CheckCastable(const InferContext& ctx, DType to) {
  SEQRT_RETURN_IF_ERROR(CheckInputDType(ctx, 0, kAllTypes));
  if (!IsSupportedDType(to)) {
    return absl::UnimplementedError(absl::StrCat(ctx.node().Describe(), ": cannot cast to dtype ",
                                                 static_cast<int>(to), " (",
                                                 std::string(DTypeName(to)), ")"));
  }
  return absl::OkStatus();
}

// Cast-1 names the target type with a string ("FLOAT"); later opsets use the enum number.
absl::StatusOr<DType> CastTarget(const InferContext& ctx) {
  if (auto to = ctx.attrs().GetInt("to"); to.ok()) return static_cast<DType>(*to);
  if (auto name = ctx.attrs().GetString("to"); name.ok()) {
    static constexpr std::pair<const char*, DType> kNames[] = {
        {"FLOAT", DType::kFloat},   {"UINT8", DType::kUInt8},     {"INT8", DType::kInt8},
        {"UINT16", DType::kUInt16}, {"INT16", DType::kInt16},     {"INT32", DType::kInt32},
        {"INT64", DType::kInt64},   {"STRING", DType::kString},   {"BOOL", DType::kBool},
        {"FLOAT16", DType::kFloat16}, {"DOUBLE", DType::kDouble}, {"UINT32", DType::kUInt32},
        {"UINT64", DType::kUInt64}, {"BFLOAT16", DType::kBFloat16}};
    for (const auto& [n, dtype] : kNames)
      if (*name == n) return dtype;
    return absl::InvalidArgumentError(
        absl::StrCat(ctx.node().Describe(), ": unknown target type '", *name, "' in attribute 'to'"));
  }
  return absl::InvalidArgumentError(
      absl::StrCat(ctx.node().Describe(), ": attribute 'to' (the target dtype) is missing or not an int"));
}

absl::Status InferCast(InferContext& ctx) {
  SEQRT_ASSIGN_OR_RETURN(const DType target, CastTarget(ctx));
  SEQRT_RETURN_IF_ERROR(CheckCastable(ctx, target));
  ctx.SetOutput(0, target, ctx.input_shape(0));
  return absl::OkStatus();
}

absl::Status InferCastLike(InferContext& ctx) {
  const DType target = ctx.input_dtype(1);
  if (target != DType::kUndefined) SEQRT_RETURN_IF_ERROR(CheckCastable(ctx, target));
  ctx.SetOutput(0, target, ctx.input_shape(0));
  return absl::OkStatus();
}

}  // namespace

void RegisterCastOps(OpRegistry& registry) {
  OpSchema cast;
  cast.op_type = "Cast";
  cast.since_version = 1;
  cast.min_inputs = 1;
  cast.max_inputs = 1;
  cast.infer = &InferCast;
  cast.kernels = {&MakeKernel<CastKernel>};
  registry.Register(std::move(cast));

  OpSchema cast_like;
  cast_like.op_type = "CastLike";
  cast_like.since_version = 15;
  cast_like.min_inputs = 2;
  cast_like.max_inputs = 2;
  cast_like.infer = &InferCastLike;
  cast_like.kernels = {&MakeKernel<CastKernel>};
  registry.Register(std::move(cast_like));
}

}  // namespace seqrt::ops
