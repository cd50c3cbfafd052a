// DynamicQuantizeLinear: quantizes a float tensor to uint8 with a scale and zero point
// computed from its own range, which always includes 0:
//   scale = (max(0, max x) - min(0, min x)) / 255,  zero_point = saturate(round(-min / scale)),
//   y = saturate(round(x / scale) + zero_point),  rounding half to even.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ops/integer/integer_ops.h"
#include "ops/tensor_util.h"

namespace seqrt::ops::integer {
namespace {

absl::Status InferDynamicQuantizeLinear(InferContext& ctx) {
  if (ctx.input_dtype(0) != DType::kFloat) {
    return absl::UnimplementedError(absl::StrCat(ctx.node().Describe(), ": x must be float, got ",
                                                 std::string(DTypeName(ctx.input_dtype(0)))));
  }
  ctx.SetOutput(0, DType::kUInt8, ctx.input_shape(0));
  ctx.SetOutput(1, DType::kFloat, graph::Shape(std::vector<graph::Dim>{}));
  ctx.SetOutput(2, DType::kUInt8, graph::Shape(std::vector<graph::Dim>{}));
  return absl::OkStatus();
}

class DynamicQuantizeLinearKernel final : public OpKernel {
 public:
  explicit DynamicQuantizeLinearKernel(const graph::Node&) {}

  absl::Status Compute(ComputeContext& ctx) const override {
    const int64_t n = NumElements(ctx.input_dims(0));
    const float* x = ctx.input<float>(0);
    float lo = 0.f, hi = 0.f;
    for (int64_t i = 0; i < n; ++i) {
      lo = std::min(lo, x[i]);
      hi = std::max(hi, x[i]);
    }
    const float scale = (hi - lo) / 255.f;
    // An all-zero input has no range: scale 0 would divide by zero; every x is 0 then.
    const uint8_t zero = scale == 0.f ? 0 : SaturateRound<uint8_t>(-lo / scale);
    if (ctx.has_output(0)) {
      uint8_t* y = ctx.output<uint8_t>(0);
      for (int64_t i = 0; i < n; ++i)
        y[i] = scale == 0.f ? zero : SaturateRound<uint8_t>(std::nearbyint(x[i] / scale) + zero);
    }
    if (ctx.has_output(1)) ctx.output<float>(1)[0] = scale;
    if (ctx.has_output(2)) ctx.output<uint8_t>(2)[0] = zero;
    return absl::OkStatus();
  }
};

}  // namespace

void RegisterDynamicQuantizeLinearOp(OpRegistry& registry) {
  OpSchema s;
  s.op_type = "DynamicQuantizeLinear";
  s.since_version = 11;
  s.min_inputs = 1;
  s.max_inputs = 1;
  s.infer = &InferDynamicQuantizeLinear;
  s.kernels = {&MakeKernel<DynamicQuantizeLinearKernel>};
  registry.Register(std::move(s));
}

}  // namespace seqrt::ops::integer
