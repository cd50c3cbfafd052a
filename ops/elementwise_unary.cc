// Unary elementwise operators (Relu, Tanh, Exp, the trigonometric and hyperbolic functions,
// Round, Shrink, ...) and Clip. Each op is a small functor
// over the compute type (16-bit floats compute in float); one kernel template applies it.
// Float32 tensors go to the oneDNN eltwise kernel first where oneDNN has the function.
#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <string>

#include "ops/elementwise_common.h"
#include "ops/onednn/eltwise_onednn.h"
#include "ops/registry.h"

namespace seqrt::ops {
namespace {

constexpr unsigned kFloatsAndSigned = kFloatTypes | kSignedInts;

// ---- the functions (C is the compute type) ----
// Functors with attributes read them in their constructor; all take the node.

#define SEQRT_SIMPLE_UNARY(Name, kTypes, expr)                  \
  struct Name {                                                 \
    static constexpr unsigned kAllowed = kTypes;                \
    explicit Name(const graph::Node&) {}                        \
    template <typename C>                                       \
    C operator()(C x) const {                                   \
      return expr;                                              \
    }                                                           \
  }

SEQRT_SIMPLE_UNARY(SqrtFn, kFloatTypes, std::sqrt(x));
SEQRT_SIMPLE_UNARY(ExpFn, kFloatTypes, std::exp(x));
SEQRT_SIMPLE_UNARY(LogFn, kFloatTypes, std::log(x));
SEQRT_SIMPLE_UNARY(ErfFn, kNumericTypes, static_cast<C>(std::erf(static_cast<double>(x))));
SEQRT_SIMPLE_UNARY(TanhFn, kFloatTypes, std::tanh(x));
SEQRT_SIMPLE_UNARY(SinFn, kFloatTypes, std::sin(x));
SEQRT_SIMPLE_UNARY(CosFn, kFloatTypes, std::cos(x));
SEQRT_SIMPLE_UNARY(TanFn, kFloatTypes, std::tan(x));
SEQRT_SIMPLE_UNARY(AsinFn, kFloatTypes, std::asin(x));
SEQRT_SIMPLE_UNARY(AcosFn, kFloatTypes, std::acos(x));
SEQRT_SIMPLE_UNARY(AtanFn, kFloatTypes, std::atan(x));
SEQRT_SIMPLE_UNARY(SinhFn, kFloatTypes, std::sinh(x));
SEQRT_SIMPLE_UNARY(CoshFn, kFloatTypes, std::cosh(x));
SEQRT_SIMPLE_UNARY(AsinhFn, kFloatTypes, std::asinh(x));
SEQRT_SIMPLE_UNARY(AcoshFn, kFloatTypes, std::acosh(x));
SEQRT_SIMPLE_UNARY(AtanhFn, kFloatTypes, std::atanh(x));
// ONNX rounds halves to even; nearbyint does under the default rounding mode (never changed
// in seqrt), unlike std::round which rounds halves away from zero.
SEQRT_SIMPLE_UNARY(RoundFn, kFloatTypes, std::nearbyint(x));
SEQRT_SIMPLE_UNARY(FloorFn, kFloatTypes, std::floor(x));
SEQRT_SIMPLE_UNARY(CeilFn, kFloatTypes, std::ceil(x));
SEQRT_SIMPLE_UNARY(ReciprocalFn, kFloatTypes, C(1) / x);
// NaN passes through (x < 0 is false), as numpy's maximum(x, 0) does.
SEQRT_SIMPLE_UNARY(ReluFn, kFloatsAndSigned, x < C(0) ? C(0) : x);
SEQRT_SIMPLE_UNARY(SoftsignFn, kFloatTypes, x / (C(1) + std::abs(x)));
// log(1 + e^x) without overflowing e^x for large x.
SEQRT_SIMPLE_UNARY(SoftplusFn, kFloatTypes,
                   x > C(0) ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x)));
// The two branches keep exp's argument non-positive, so neither overflows.
SEQRT_SIMPLE_UNARY(SigmoidFn, kFloatTypes,
                   x >= C(0) ? C(1) / (C(1) + std::exp(-x)) : std::exp(x) / (C(1) + std::exp(x)));
SEQRT_SIMPLE_UNARY(HardSwishFn, kFloatTypes,
                   x * std::max(C(0), std::min(C(1), x / C(6) + C(0.5))));
#undef SEQRT_SIMPLE_UNARY

struct NegFn {
  static constexpr unsigned kAllowed = kFloatsAndSigned;
  explicit NegFn(const graph::Node&) {}
  template <typename C>
  C operator()(C x) const { return WrappingSub(C(0), x); }
};

struct AbsFn {
  static constexpr unsigned kAllowed = kNumericTypes;
  explicit AbsFn(const graph::Node&) {}
  template <typename C>
  C operator()(C x) const {
    if constexpr (std::is_unsigned_v<C>) return x;
    else if constexpr (std::is_integral_v<C>) return x < 0 ? WrappingSub(C(0), x) : x;
    else return std::abs(x);
  }
};

struct SignFn {
  static constexpr unsigned kAllowed = kNumericTypes;
  explicit SignFn(const graph::Node&) {}
  template <typename C>
  C operator()(C x) const {
    // Zero and NaN map to themselves.
    return x > C(0) ? C(1) : (x < C(0) ? static_cast<C>(-1) : x);
  }
};

struct LeakyReluFn {
  static constexpr unsigned kAllowed = kFloatTypes;
  explicit LeakyReluFn(const graph::Node& n) : alpha(n.attrs.GetFloat("alpha", 0.01f)) {}
  template <typename C>
  C operator()(C x) const { return x < C(0) ? C(alpha) * x : x; }
  float alpha;
};

struct EluFn {
  static constexpr unsigned kAllowed = kFloatTypes;
  explicit EluFn(const graph::Node& n) : alpha(n.attrs.GetFloat("alpha", 1.0f)) {}
  template <typename C>
  C operator()(C x) const { return x < C(0) ? C(alpha) * std::expm1(x) : x; }
  float alpha;
};

struct SeluFn {
  static constexpr unsigned kAllowed = kFloatTypes;
  explicit SeluFn(const graph::Node& n)
      : alpha(n.attrs.GetFloat("alpha", 1.67326319217681884765625f)),
        gamma(n.attrs.GetFloat("gamma", 1.05070102214813232421875f)) {}
  template <typename C>
  C operator()(C x) const {
    return x <= C(0) ? C(gamma) * (C(alpha) * std::exp(x) - C(alpha)) : C(gamma) * x;
  }
  float alpha, gamma;
};

struct CeluFn {
  static constexpr unsigned kAllowed = kFloatTypes;
  explicit CeluFn(const graph::Node& n) : alpha(n.attrs.GetFloat("alpha", 1.0f)) {}
  template <typename C>
  C operator()(C x) const {
    return std::max(C(0), x) + std::min(C(0), C(alpha) * std::expm1(x / C(alpha)));
  }
  float alpha;
};

struct ThresholdedReluFn {
  static constexpr unsigned kAllowed = kFloatTypes;
  explicit ThresholdedReluFn(const graph::Node& n) : alpha(n.attrs.GetFloat("alpha", 1.0f)) {}
  template <typename C>
  C operator()(C x) const { return x > C(alpha) ? x : C(0); }
  float alpha;
};

// Shrink: values within [-lambd, lambd] become 0, the others move `bias` toward zero.
// Integer inputs compare and shift in double, then convert back.
struct ShrinkFn {
  static constexpr unsigned kAllowed = kNumericTypes;
  explicit ShrinkFn(const graph::Node& n)
      : lambd(n.attrs.GetFloat("lambd", 0.5f)), bias(n.attrs.GetFloat("bias", 0.0f)) {}
  template <typename C>
  C operator()(C x) const {
    const double v = static_cast<double>(x);
    if (v < -lambd) return static_cast<C>(v + bias);
    if (v > lambd) return static_cast<C>(v - bias);
    return C(0);
  }
  double lambd, bias;
};

struct HardSigmoidFn {
  static constexpr unsigned kAllowed = kFloatTypes;
  explicit HardSigmoidFn(const graph::Node& n)
      : alpha(n.attrs.GetFloat("alpha", 0.2f)), beta(n.attrs.GetFloat("beta", 0.5f)) {}
  template <typename C>
  C operator()(C x) const { return std::max(C(0), std::min(C(1), C(alpha) * x + C(beta))); }
  float alpha, beta;
};

// ---- one kernel and one shape function for all of them ----

template <typename Fn>
class UnaryKernel final : public OpKernel {
 public:
  explicit UnaryKernel(const graph::Node& node) : fn_(node), where_(node.Describe()) {}

  absl::Status Compute(ComputeContext& ctx) const override {
    const int64_t n = NumElements(ctx.input_dims(0));
    return VisitAllowed<Fn::kAllowed>(
        ctx.input_dtype(0),
        [&](auto tag) -> absl::Status {
          using T = decltype(tag);
          using C = ComputeType<T>;
          const T* in = ctx.input<T>(0);
          T* out = ctx.output<T>(0);
          for (int64_t i = 0; i < n; ++i) out[i] = FromCompute<T>(fn_(static_cast<C>(in[i])));
          return absl::OkStatus();
        },
        where_);
  }

 private:
  Fn fn_;
  std::string where_;
};

template <unsigned kAllowed>
absl::Status InferUnary(InferContext& ctx) {
  SEQRT_RETURN_IF_ERROR(CheckInputDType(ctx, 0, kAllowed));
  ctx.SetOutput(0, ctx.input_dtype(0), ctx.input_shape(0));
  return absl::OkStatus();
}

template <typename Fn>
void RegisterUnary(OpRegistry& registry, const std::string& op_type, int since_version) {
  OpSchema schema;
  schema.op_type = op_type;
  schema.since_version = since_version;
  schema.min_inputs = 1;
  schema.max_inputs = 1;
  schema.infer = &InferUnary<Fn::kAllowed>;
  if (OnednnHasEltwise(op_type)) schema.kernels.push_back(&MakeOnednnEltwiseKernel);
  schema.kernels.push_back(&MakeKernel<UnaryKernel<Fn>>);
  schema.aliasing = Aliasing::kMayReuseInput;
  registry.Register(std::move(schema));
}

// ---- Clip: bounds are attributes before opset 11, optional scalar inputs from 11 ----

constexpr unsigned kClipTypes = kNumericTypes;

absl::Status InferClip(InferContext& ctx) {
  SEQRT_RETURN_IF_ERROR(CheckInputDType(ctx, 0, kClipTypes));
  if (ctx.opset() < 11) {
    if (ctx.num_inputs() > 1) {
      return absl::InvalidArgumentError(absl::StrCat(
          ctx.node().Describe(), ": before opset 11 Clip takes min/max as attributes, got ",
          ctx.num_inputs(), " inputs"));
    }
    if (!IsFloatingPoint(ctx.input_dtype(0)) && ctx.input_dtype(0) != DType::kUndefined) {
      return absl::UnimplementedError(absl::StrCat(ctx.node().Describe(),
                                                   ": before opset 12 Clip needs a float input"));
    }
  }
  for (int i = 1; i < 3; ++i) {
    if (!ctx.has_input(i)) continue;
    const DType bound = ctx.input_dtype(i);
    if (bound != DType::kUndefined && ctx.input_dtype(0) != DType::kUndefined &&
        bound != ctx.input_dtype(0)) {
      return absl::InvalidArgumentError(absl::StrCat(
          ctx.node().Describe(), ": ", i == 1 ? "min" : "max", " has dtype ",
          std::string(DTypeName(bound)), ", expected the input's ",
          std::string(DTypeName(ctx.input_dtype(0)))));
    }
    const graph::Shape& s = ctx.input_shape(i);
    if (s.rank_known) {
      std::optional<int64_t> n = s.NumElements();
      if (n.has_value() && *n != 1) {
        return absl::InvalidArgumentError(absl::StrCat(ctx.node().Describe(), ": ",
                                                       i == 1 ? "min" : "max",
                                                       " must be a scalar, got shape ",
                                                       s.ToString()));
      }
    }
  }
  ctx.SetOutput(0, ctx.input_dtype(0), ctx.input_shape(0));
  return absl::OkStatus();
}

class ClipKernel final : public OpKernel {
 public:
  explicit ClipKernel(const graph::Node& node)
      : legacy_(node.opset < 11),
        attr_min_(node.attrs.GetFloat("min", std::numeric_limits<float>::lowest())),
        attr_max_(node.attrs.GetFloat("max", std::numeric_limits<float>::max())),
        where_(node.Describe()) {}

  absl::Status Compute(ComputeContext& ctx) const override {
    const int64_t n = NumElements(ctx.input_dims(0));
    return VisitAllowed<kClipTypes>(
        ctx.input_dtype(0),
        [&](auto tag) -> absl::Status {
          using T = decltype(tag);
          using C = ComputeType<T>;
          C lo = std::numeric_limits<C>::lowest(), hi = std::numeric_limits<C>::max();
          if (legacy_) {
            lo = static_cast<C>(attr_min_);
            hi = static_cast<C>(attr_max_);
          } else {
            if (ctx.has_input(1)) lo = static_cast<C>(ctx.input<T>(1)[0]);
            if (ctx.has_input(2)) hi = static_cast<C>(ctx.input<T>(2)[0]);
          }
          const T* in = ctx.input<T>(0);
          T* out = ctx.output<T>(0);
          // max-then-min: NaN stays NaN, and min > max gives max everywhere (as numpy.clip).
          for (int64_t i = 0; i < n; ++i)
            out[i] = FromCompute<T>(std::min(std::max(static_cast<C>(in[i]), lo), hi));
          return absl::OkStatus();
        },
        where_);
  }

 private:
  bool legacy_;
  float attr_min_, attr_max_;
  std::string where_;
};

}  // namespace

void RegisterElementwiseUnaryOps(OpRegistry& registry) {
  RegisterUnary<SqrtFn>(registry, "Sqrt", 1);
  RegisterUnary<ExpFn>(registry, "Exp", 1);
  RegisterUnary<LogFn>(registry, "Log", 1);
  RegisterUnary<NegFn>(registry, "Neg", 1);
  RegisterUnary<AbsFn>(registry, "Abs", 1);
  RegisterUnary<ReciprocalFn>(registry, "Reciprocal", 1);
  RegisterUnary<FloorFn>(registry, "Floor", 1);
  RegisterUnary<CeilFn>(registry, "Ceil", 1);
  RegisterUnary<SignFn>(registry, "Sign", 9);
  RegisterUnary<ErfFn>(registry, "Erf", 9);
  RegisterUnary<ReluFn>(registry, "Relu", 1);
  RegisterUnary<LeakyReluFn>(registry, "LeakyRelu", 1);
  RegisterUnary<SigmoidFn>(registry, "Sigmoid", 1);
  RegisterUnary<HardSigmoidFn>(registry, "HardSigmoid", 1);
  RegisterUnary<HardSwishFn>(registry, "HardSwish", 14);
  RegisterUnary<TanhFn>(registry, "Tanh", 1);
  RegisterUnary<SoftplusFn>(registry, "Softplus", 1);
  RegisterUnary<SoftsignFn>(registry, "Softsign", 1);
  RegisterUnary<EluFn>(registry, "Elu", 1);
  RegisterUnary<SeluFn>(registry, "Selu", 1);
  RegisterUnary<CeluFn>(registry, "Celu", 12);
  RegisterUnary<ThresholdedReluFn>(registry, "ThresholdedRelu", 10);
  RegisterUnary<SinFn>(registry, "Sin", 7);
  RegisterUnary<CosFn>(registry, "Cos", 7);
  RegisterUnary<TanFn>(registry, "Tan", 7);
  RegisterUnary<AsinFn>(registry, "Asin", 7);
  RegisterUnary<AcosFn>(registry, "Acos", 7);
  RegisterUnary<AtanFn>(registry, "Atan", 7);
  RegisterUnary<SinhFn>(registry, "Sinh", 9);
  RegisterUnary<CoshFn>(registry, "Cosh", 9);
  RegisterUnary<AsinhFn>(registry, "Asinh", 9);
  RegisterUnary<AcoshFn>(registry, "Acosh", 9);
  RegisterUnary<AtanhFn>(registry, "Atanh", 9);
  RegisterUnary<RoundFn>(registry, "Round", 11);
  RegisterUnary<ShrinkFn>(registry, "Shrink", 9);

  OpSchema clip;
  clip.op_type = "Clip";
  clip.since_version = 1;
  clip.min_inputs = 1;
  clip.max_inputs = 3;
  clip.infer = &InferClip;
  clip.kernels = {&MakeOnednnEltwiseKernel, &MakeKernel<ClipKernel>};
  clip.aliasing = Aliasing::kMayReuseInput;
  registry.Register(std::move(clip));
}

}  // namespace seqrt::ops
