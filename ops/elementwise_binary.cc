// Binary arithmetic with numpy broadcasting: Add, Sub, Mul, Div, Mod, BitShift, Pow, PRelu.
// Integer results wrap on overflow and integer division truncates toward zero like C
// (as the ONNX tests and other runtimes do); division by zero gives 0 instead of a trap.
// Float32 Add/Sub/Mul/Div try the oneDNN binary kernel first.
#include <cmath>
#include <limits>
#include <memory>
#include <string>

#include "ops/elementwise_common.h"
#include "ops/onednn/binary_onednn.h"
#include "ops/registry.h"

namespace seqrt::ops {
namespace {

struct AddFn {
  static constexpr unsigned kAllowed = kNumericTypes;
  explicit AddFn(const graph::Node&) {}
  template <typename C>
  C operator()(C a, C b) const { return WrappingAdd(a, b); }
};

struct SubFn {
  static constexpr unsigned kAllowed = kNumericTypes;
  explicit SubFn(const graph::Node&) {}
  template <typename C>
  C operator()(C a, C b) const { return WrappingSub(a, b); }
};

struct MulFn {
  static constexpr unsigned kAllowed = kNumericTypes;
  explicit MulFn(const graph::Node&) {}
  template <typename C>
  C operator()(C a, C b) const { return WrappingMul(a, b); }
};

struct DivFn {
  static constexpr unsigned kAllowed = kNumericTypes;
  explicit DivFn(const graph::Node&) {}
  template <typename C>
  C operator()(C a, C b) const {
    if constexpr (std::is_integral_v<C>) {
      if (b == 0) return C(0);  // undefined in ONNX; never a SIGFPE here
      if constexpr (std::is_signed_v<C>)
        if (b == C(-1)) return WrappingSub(C(0), a);  // INT_MIN / -1 would trap
    }
    return a / b;
  }
};

// fmod = 0: the result takes the divisor's sign (Python's %); fmod = 1: the dividend's (C).
struct ModFn {
  static constexpr unsigned kAllowed = kNumericTypes;
  explicit ModFn(const graph::Node& n) : fmod(n.attrs.GetInt("fmod", 0) != 0) {}
  template <typename C>
  C operator()(C a, C b) const {
    C r;
    if constexpr (std::is_integral_v<C>) {
      if (b == 0) return C(0);
      if constexpr (std::is_signed_v<C>)
        if (b == C(-1)) return C(0);
      r = a % b;
    } else {
      r = std::fmod(a, b);
    }
    if constexpr (std::is_signed_v<C> || std::is_floating_point_v<C>) {
      if (!fmod && r != C(0) && ((r < C(0)) != (b < C(0)))) r += b;
    }
    return r;
  }
  bool fmod;
};

// BitShift on unsigned integers. Shifting by the type's width or more gives 0 (C leaves it
// undefined; numpy's left_shift/right_shift give 0).
struct BitShiftFn {
  static constexpr unsigned kAllowed = kUnsignedInts;
  explicit BitShiftFn(const graph::Node& n) : left(n.attrs.GetString("direction", "") == "LEFT") {}
  template <typename C>
  C operator()(C a, C b) const {
    if (b >= static_cast<C>(sizeof(C) * 8)) return C(0);
    return left ? static_cast<C>(a << b) : static_cast<C>(a >> b);
  }
  bool left;
};

struct PReluFn {
  static constexpr unsigned kAllowed = kNumericTypes;
  explicit PReluFn(const graph::Node&) {}
  template <typename C>
  C operator()(C x, C slope) const {
    if constexpr (std::is_unsigned_v<C>) return x;
    else return x < C(0) ? WrappingMul(slope, x) : x;
  }
};

template <typename Fn>
class BinaryKernel final : public OpKernel {
 public:
  explicit BinaryKernel(const graph::Node& node) : fn_(node), where_(node.Describe()) {}

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
          BinaryBroadcast(plan_, ctx.input<T>(0), ctx.input<T>(1), ctx.output<T>(0),
                          [this](T a, T b) {
                            return FromCompute<T>(fn_(static_cast<C>(a), static_cast<C>(b)));
                          });
          return absl::OkStatus();
        },
        where_);
  }

 private:
  Fn fn_;
  std::string where_;
  BroadcastPlan<2> plan_;
};

template <unsigned kAllowed>
absl::Status InferBinary(InferContext& ctx) {
  SEQRT_ASSIGN_OR_RETURN(DType dtype, CommonInputDType(ctx, 0, 2));
  SEQRT_RETURN_IF_ERROR(CheckInputDType(ctx, 0, kAllowed));
  SEQRT_ASSIGN_OR_RETURN(graph::Shape shape, BinaryOutputShape(ctx));
  ctx.SetOutput(0, dtype, std::move(shape));
  return absl::OkStatus();
}

// PRelu's slope broadcasts to X (one direction only): the output is X's shape.
absl::Status InferPRelu(InferContext& ctx) {
  SEQRT_ASSIGN_OR_RETURN(DType dtype, CommonInputDType(ctx, 0, 2));
  SEQRT_RETURN_IF_ERROR(CheckInputDType(ctx, 0, PReluFn::kAllowed));
  SEQRT_ASSIGN_OR_RETURN(graph::Shape shape, BinaryOutputShape(ctx));
  const graph::Shape& x = ctx.input_shape(0);
  bool widens = shape.rank_known && x.rank_known && shape.rank() != x.rank();
  for (int i = 0; !widens && x.rank_known && shape.rank_known && i < x.rank(); ++i)
    widens = x[i].known() && shape[i].known() && x[i].value() != shape[i].value();
  if (widens) {
    return absl::InvalidArgumentError(absl::StrCat(
        ctx.node().Describe(), ": slope of shape ", ctx.input_shape(1).ToString(),
        " does not broadcast to X of shape ", x.ToString()));
  }
  ctx.SetOutput(0, dtype, x);
  return absl::OkStatus();
}

// ---- Pow: the exponent may have another dtype than the base; the output has the base's ----

constexpr unsigned kPowBaseTypes = kFloatTypes | kSignedInts;
constexpr unsigned kPowExponentTypes = kNumericTypes;

// Integer power by squaring; negative exponents give what truncating 1/a^-e gives.
template <typename T, typename E>
T IntegerPow(T base, E exponent) {
  if constexpr (std::is_signed_v<E>) {
    if (exponent < 0) {
      if (base == T(1)) return T(1);
      if (base == T(-1)) return (exponent % 2 == 0) ? T(1) : T(-1);
      return T(0);
    }
  }
  T result = 1;
  while (exponent != 0) {
    if (exponent & 1) result = WrappingMul(result, base);
    base = WrappingMul(base, base);
    exponent /= 2;
  }
  return result;
}

template <typename T, typename E>
T PowValue(T a, E b) {
  if constexpr (std::is_integral_v<T> && std::is_integral_v<E>) {
    return IntegerPow(a, b);
  } else if constexpr (std::is_integral_v<T>) {
    return FloatToInt<T>(
        std::pow(static_cast<double>(a), static_cast<double>(static_cast<ComputeType<E>>(b))));
  } else {
    using C = ComputeType<T>;
    return FromCompute<T>(
        std::pow(static_cast<C>(a), static_cast<C>(static_cast<ComputeType<E>>(b))));
  }
}

absl::Status InferPow(InferContext& ctx) {
  SEQRT_RETURN_IF_ERROR(CheckInputDType(ctx, 0, kPowBaseTypes));
  SEQRT_RETURN_IF_ERROR(CheckInputDType(ctx, 1, kPowExponentTypes));
  if (ctx.opset() < 12) SEQRT_RETURN_IF_ERROR(CommonInputDType(ctx, 0, 2).status());
  SEQRT_ASSIGN_OR_RETURN(graph::Shape shape, BinaryOutputShape(ctx));
  ctx.SetOutput(0, ctx.input_dtype(0), std::move(shape));
  return absl::OkStatus();
}

class PowKernel final : public OpKernel {
 public:
  explicit PowKernel(const graph::Node& node) : where_(node.Describe()) {}

  absl::Status Prepare(PrepareContext& ctx) override {
    SEQRT_ASSIGN_OR_RETURN(plan_, MakeBinaryPlan(ctx));
    return absl::OkStatus();
  }

  absl::Status Compute(ComputeContext& ctx) const override {
    return VisitAllowed<kPowBaseTypes>(
        ctx.input_dtype(0),
        [&](auto base_tag) -> absl::Status {
          using T = decltype(base_tag);
          return VisitAllowed<kPowExponentTypes>(
              ctx.input_dtype(1),
              [&](auto exponent_tag) -> absl::Status {
                using E = decltype(exponent_tag);
                BinaryBroadcast(plan_, ctx.input<T>(0), ctx.input<E>(1), ctx.output<T>(0),
                                [](T a, E b) { return PowValue<T, E>(a, b); });
                return absl::OkStatus();
              },
              where_ + " exponent");
        },
        where_);
  }

 private:
  std::string where_;
  BroadcastPlan<2> plan_;
};

template <typename Fn>
void RegisterBinary(OpRegistry& registry, const std::string& op_type, int since_version,
                    bool onednn) {
  OpSchema schema;
  schema.op_type = op_type;
  schema.since_version = since_version;
  schema.min_inputs = 2;
  schema.max_inputs = 2;
  schema.infer = &InferBinary<Fn::kAllowed>;
  if (onednn) schema.kernels.push_back(&MakeOnednnBinaryKernel);
  schema.kernels.push_back(&MakeKernel<BinaryKernel<Fn>>);
  schema.aliasing = Aliasing::kMayReuseInput;
  registry.Register(std::move(schema));
}

}  // namespace

void RegisterElementwiseBinaryOps(OpRegistry& registry) {
  RegisterBinary<AddFn>(registry, "Add", 1, /*onednn=*/true);
  RegisterBinary<SubFn>(registry, "Sub", 1, /*onednn=*/true);
  RegisterBinary<MulFn>(registry, "Mul", 1, /*onednn=*/true);
  RegisterBinary<DivFn>(registry, "Div", 1, /*onednn=*/true);
  RegisterBinary<ModFn>(registry, "Mod", 10, /*onednn=*/false);
  RegisterBinary<BitShiftFn>(registry, "BitShift", 11, /*onednn=*/false);

  OpSchema prelu;
  prelu.op_type = "PRelu";
  prelu.min_inputs = 2;
  prelu.max_inputs = 2;
  prelu.infer = &InferPRelu;
  prelu.kernels = {&MakeKernel<BinaryKernel<PReluFn>>};
  prelu.aliasing = Aliasing::kMayReuseInput;
  registry.Register(std::move(prelu));

  OpSchema pow;
  pow.op_type = "Pow";
  pow.min_inputs = 2;
  pow.max_inputs = 2;
  pow.infer = &InferPow;
  pow.kernels = {&MakeKernel<PowKernel>};
  // The output has the base's dtype and shape when they match, so it may overwrite input 0.
  pow.aliasing = Aliasing::kMayReuseInput;
  registry.Register(std::move(pow));
}

}  // namespace seqrt::ops
