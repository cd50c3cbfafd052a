// NegativeLogLikelihoodLoss (opset 12+): the input already holds log-probabilities.
// 16-bit float inputs are widened to float in scratch and the result narrowed back.
#include <string>

#include "ops/elementwise_common.h"
#include "ops/loss/loss_ops.h"
#include "ops/loss/nll_reduction.h"
#include "ops/loss/widen.h"
#include "ops/tensor_util.h"

namespace seqrt::ops::loss {
namespace {

absl::Status InferNll(InferContext& ctx) {
  SEQRT_ASSIGN_OR_RETURN(NllAttrs attrs, ParseNllAttrs(ctx.node()));
  return InferNllOutputs(ctx, attrs);
}

class NllKernel final : public OpKernel {
 public:
  explicit NllKernel(const graph::Node& node) : where_(node.Describe()) {
    auto attrs = ParseNllAttrs(node);
    if (attrs.ok()) attrs_ = *attrs;
    else status_ = attrs.status();
  }
  absl::Status init_status() const { return status_; }

  absl::Status Prepare(PrepareContext& ctx) override {
    geometry_ = GetNllGeometry(ctx.input_dims(0));
    layout_ = WidenLayout::For(ctx.input_dtype(0), NumElements(ctx.input_dims(0)), geometry_.c,
                               NumElements(ctx.output_dims(0)));
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
          absl::Status st = ctx.input_dtype(1) == DType::kInt32
                                ? ComputeNll<C>(attrs_, geometry_, w.scores(), ctx.input<int32_t>(1), w.weights(),
                                                w.out(), where_)
                                : ComputeNll<C>(attrs_, geometry_, w.scores(), ctx.input<int64_t>(1), w.weights(),
                                                w.out(), where_);
          w.Finish();
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

void RegisterNegativeLogLikelihoodLoss(OpRegistry& registry) {
  OpSchema s;
  s.op_type = "NegativeLogLikelihoodLoss";
  s.since_version = 12;
  s.min_inputs = 2;
  s.max_inputs = 3;
  s.infer = &InferNll;
  s.kernels = {&MakeKernel<NllKernel>};
  registry.Register(std::move(s));
}

}  // namespace seqrt::ops::loss
