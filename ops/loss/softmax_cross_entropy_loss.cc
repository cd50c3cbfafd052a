// SoftmaxCrossEntropyLoss (opset 12+): log-softmax over the class axis (axis 1), then the
// negative log-likelihood of the labels. The optional second output is the log-softmax.
#include <algorithm>
#include <cmath>
#include <string>

#include "ops/elementwise_common.h"
#include "ops/loss/loss_ops.h"
#include "ops/loss/nll_reduction.h"
#include "ops/loss/widen.h"
#include "ops/tensor_util.h"

namespace seqrt::ops::loss {
namespace {

absl::Status InferSce(InferContext& ctx) {
  SEQRT_ASSIGN_OR_RETURN(NllAttrs attrs, ParseNllAttrs(ctx.node()));
  SEQRT_RETURN_IF_ERROR(InferNllOutputs(ctx, attrs));
  ctx.SetOutput(1, ctx.input_dtype(0), ctx.input_shape(0));
  return absl::OkStatus();
}

// log_softmax over C of a [N, C, D] tensor, numerically stable (max subtracted first).
template <typename C>
void LogSoftmaxAxis1(const NllGeometry& g, const C* x, C* y) {
  for (int64_t n = 0; n < g.n; ++n) {
    for (int64_t d = 0; d < g.d; ++d) {
      const int64_t base = n * g.c * g.d + d;
      C max = x[base];
      for (int64_t c = 1; c < g.c; ++c) max = std::max(max, x[base + c * g.d]);
      double sum = 0;
      for (int64_t c = 0; c < g.c; ++c) sum += std::exp(static_cast<double>(x[base + c * g.d] - max));
      const C log_sum = static_cast<C>(std::log(sum));
      for (int64_t c = 0; c < g.c; ++c) y[base + c * g.d] = x[base + c * g.d] - max - log_sum;
    }
  }
}

class SceKernel final : public OpKernel {
 public:
  explicit SceKernel(const graph::Node& node) : where_(node.Describe()) {
    auto attrs = ParseNllAttrs(node);
    if (attrs.ok()) attrs_ = *attrs;
    else status_ = attrs.status();
  }
  absl::Status init_status() const { return status_; }

  absl::Status Prepare(PrepareContext& ctx) override {
    geometry_ = GetNllGeometry(ctx.input_dims(0));
    const int64_t count = NumElements(ctx.input_dims(0));
    const DType t = ctx.input_dtype(0);
    layout_ = WidenLayout::For(t, count, geometry_.c, NumElements(ctx.output_dims(0)), count,
                               t == DType::kDouble ? sizeof(double) : sizeof(float));
    ctx.RequestScratch(layout_.bytes);
    return absl::OkStatus();
  }

  absl::Status Compute(ComputeContext& ctx) const override {
    return VisitAllowed<kFloatTypes>(
        ctx.input_dtype(0),
        [&](auto tag) -> absl::Status {
          using T = decltype(tag);
          using C = WideType<T>;
          Widened<T> w(layout_, ctx.scratch(), ctx.input<T>(0), ctx.has_input(2) ? ctx.input<T>(2) : nullptr,
                       ctx.output<T>(0));
          C* logp = w.extra();
          if constexpr (std::is_same_v<T, C>)
            if (ctx.has_output(1)) logp = ctx.output<T>(1);
          LogSoftmaxAxis1<C>(geometry_, w.scores(), logp);
          absl::Status st = ctx.input_dtype(1) == DType::kInt32
                                ? ComputeNll<C>(attrs_, geometry_, logp, ctx.input<int32_t>(1), w.weights(), w.out(),
                                                where_)
                                : ComputeNll<C>(attrs_, geometry_, logp, ctx.input<int64_t>(1), w.weights(), w.out(),
                                                where_);
          w.Finish();
          if constexpr (!std::is_same_v<T, C>) {
            if (ctx.has_output(1)) {
              T* out = ctx.output<T>(1);
              for (int64_t i = 0; i < layout_.extra; ++i) out[i] = T(logp[i]);
            }
          }
          return st;
        },
        where_);
  }

 private:
  std::string where_;
  absl::Status status_;
  NllAttrs attrs_;
  NllGeometry geometry_;
  WidenLayout layout_;
};

}  // namespace

void RegisterSoftmaxCrossEntropyLoss(OpRegistry& registry) {
  OpSchema s;
  s.op_type = "SoftmaxCrossEntropyLoss";
  s.since_version = 12;
  s.min_inputs = 2;
  s.max_inputs = 3;
  s.infer = &InferSce;
  s.kernels = {&MakeKernel<SceKernel>};
  registry.Register(std::move(s));
}

}  // namespace seqrt::ops::loss
