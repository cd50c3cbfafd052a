// Hardmax: 1 at the first maximum along the axis, 0 elsewhere. The axis follows Softmax's
// rules (flattened to 2-D at `axis` before opset 13, one axis from 13), so it reuses
// Softmax's geometry.
#include <string>

#include "ops/elementwise_common.h"
#include "ops/math/math_ops.h"
#include "ops/reference/softmax.h"

namespace seqrt::ops::math {
namespace {

absl::Status InferHardmax(InferContext& ctx) {
  SEQRT_RETURN_IF_ERROR(CheckInputDType(ctx, 0, kFloatTypes));
  const graph::Shape& in = ctx.input_shape(0);
  if (in.rank_known) {
    const SoftmaxAttrs attrs = ParseSoftmaxAttrs(ctx.node(), false);
    SEQRT_RETURN_IF_ERROR(GetSoftmaxGeometry(attrs, Dims(in.rank(), 1), ctx.node().Describe()).status());
  }
  ctx.SetOutput(0, ctx.input_dtype(0), in);
  return absl::OkStatus();
}

class HardmaxKernel final : public OpKernel {
 public:
  explicit HardmaxKernel(const graph::Node& node)
      : attrs_(ParseSoftmaxAttrs(node, false)), where_(node.Describe()) {}

  absl::Status Prepare(PrepareContext& ctx) override {
    SEQRT_ASSIGN_OR_RETURN(geometry_, GetSoftmaxGeometry(attrs_, ctx.input_dims(0), where_));
    return absl::OkStatus();
  }

  absl::Status Compute(ComputeContext& ctx) const override {
    const SoftmaxGeometry& g = geometry_;
    return VisitAllowed<kFloatTypes>(
        ctx.input_dtype(0),
        [&](auto tag) -> absl::Status {
          using T = decltype(tag);
          using C = ComputeType<T>;
          const T* in = ctx.input<T>(0);
          T* out = ctx.output<T>(0);
          for (int64_t o = 0; o < g.outer; ++o) {
            for (int64_t i = 0; i < g.inner; ++i) {
              const int64_t base = o * g.n * g.inner + i;
              int64_t best = 0;
              C best_value = static_cast<C>(in[base]);
              for (int64_t j = 1; j < g.n; ++j) {
                const C v = static_cast<C>(in[base + j * g.inner]);
                if (v > best_value) {
                  best_value = v;
                  best = j;
                }
              }
              for (int64_t j = 0; j < g.n; ++j)
                out[base + j * g.inner] = FromCompute<T>(C(j == best ? 1 : 0));
            }
          }
          return absl::OkStatus();
        },
        where_);
  }

 private:
  SoftmaxAttrs attrs_;
  std::string where_;
  SoftmaxGeometry geometry_;
};

}  // namespace

void RegisterHardmaxOp(OpRegistry& registry) {
  OpSchema s;
  s.op_type = "Hardmax";
  s.min_inputs = 1;
  s.max_inputs = 1;
  s.infer = &InferHardmax;
  s.kernels = {&MakeKernel<HardmaxKernel>};
  registry.Register(std::move(s));
}

}  // namespace seqrt::ops::math
