// IsNaN and IsInf: float tensors to bool masks of the same shape.
#include <cmath>
#include <string>

#include "ops/elementwise_common.h"
#include "ops/math/math_ops.h"

namespace seqrt::ops::math {
namespace {

absl::Status InferClassify(InferContext& ctx) {
  SEQRT_RETURN_IF_ERROR(CheckInputDType(ctx, 0, kFloatTypes));
  ctx.SetOutput(0, DType::kBool, ctx.input_shape(0));
  return absl::OkStatus();
}

// kInf: IsInf (detect_positive / detect_negative choose the signs); else IsNaN.
template <bool kInf>
class ClassifyKernel final : public OpKernel {
 public:
  explicit ClassifyKernel(const graph::Node& node)
      : positive_(node.attrs.GetInt("detect_positive", 1) != 0),
        negative_(node.attrs.GetInt("detect_negative", 1) != 0),
        where_(node.Describe()) {}

  absl::Status Compute(ComputeContext& ctx) const override {
    const int64_t n = NumElements(ctx.input_dims(0));
    bool* out = ctx.output<bool>(0);
    return VisitAllowed<kFloatTypes>(
        ctx.input_dtype(0),
        [&](auto tag) -> absl::Status {
          using T = decltype(tag);
          const T* in = ctx.input<T>(0);
          for (int64_t i = 0; i < n; ++i) {
            const double v = static_cast<double>(static_cast<ComputeType<T>>(in[i]));
            if constexpr (kInf)
              out[i] = std::isinf(v) && (v > 0 ? positive_ : negative_);
            else
              out[i] = std::isnan(v);
          }
          return absl::OkStatus();
        },
        where_);
  }

 private:
  bool positive_, negative_;
  std::string where_;
};

void RegisterOne(OpRegistry& registry, const char* op_type, int since, KernelFactory kernel) {
  OpSchema s;
  s.op_type = op_type;
  s.since_version = since;
  s.min_inputs = 1;
  s.max_inputs = 1;
  s.infer = &InferClassify;
  s.kernels = {kernel};
  registry.Register(std::move(s));
}

}  // namespace

void RegisterFloatClassifyOps(OpRegistry& registry) {
  RegisterOne(registry, "IsNaN", 9, &MakeKernel<ClassifyKernel<false>>);
  RegisterOne(registry, "IsInf", 10, &MakeKernel<ClassifyKernel<true>>);
}

}  // namespace seqrt::ops::math
