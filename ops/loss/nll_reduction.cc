#include "ops/loss/nll_reduction.h"

#include "absl/strings/str_cat.h"
#include "ops/elementwise_common.h"
#include "ops/tensor_util.h"

namespace seqrt::ops::loss {

absl::StatusOr<NllAttrs> ParseNllAttrs(const graph::Node& node) {
  NllAttrs a;
  const std::string reduction = node.attrs.GetString("reduction", "mean");
  if (reduction == "none") a.reduction = Reduction::kNone;
  else if (reduction == "sum") a.reduction = Reduction::kSum;
  else if (reduction == "mean") a.reduction = Reduction::kMean;
  else return NodeError(node, absl::StrCat("reduction '", reduction, "' is not one of none, sum, mean"));
  a.has_ignore_index = node.attrs.Has("ignore_index");
  a.ignore_index = node.attrs.GetInt("ignore_index", 0);
  return a;
}

absl::Status InferNllOutputs(InferContext& ctx, const NllAttrs& attrs) {
  const graph::Node& node = ctx.node();
  SEQRT_RETURN_IF_ERROR(CheckInputDType(ctx, 0, kFloatTypes));
  const DType target = ctx.input_dtype(1);
  if (target != DType::kInt32 && target != DType::kInt64 && target != DType::kUndefined) {
    return NodeError(node, absl::StrCat("the target must be int32 or int64, got ", std::string(DTypeName(target))));
  }
  if (ctx.has_input(2) && ctx.input_dtype(2) != ctx.input_dtype(0) && ctx.input_dtype(2) != DType::kUndefined) {
    return NodeError(node, absl::StrCat("the weights are ", std::string(DTypeName(ctx.input_dtype(2))),
                                        " but the scores are ", std::string(DTypeName(ctx.input_dtype(0)))));
  }
  const graph::Shape& x = ctx.input_shape(0);
  const graph::Shape& t = ctx.input_shape(1);
  if (x.rank_known && x.rank() < 2) {
    return NodeError(node, absl::StrCat("the scores must be [N, C, ...], got ", x.ToString()));
  }
  if (x.rank_known && t.rank_known) {
    bool ok = t.rank() == x.rank() - 1;
    for (int i = 0; ok && i < t.rank(); ++i) {
      const graph::Dim& xd = x[i == 0 ? 0 : i + 1];
      ok = !xd.known() || !t[i].known() || xd.value() == t[i].value();
    }
    if (!ok) {
      return NodeError(node, absl::StrCat("the target must be the scores' shape without C: scores ", x.ToString(),
                                          ", target ", t.ToString()));
    }
  }
  if (ctx.has_input(2) && x.rank_known) {
    const graph::Shape& w = ctx.input_shape(2);
    if (w.rank_known && (w.rank() != 1 || (w[0].known() && x[1].known() && w[0].value() != x[1].value()))) {
      return NodeError(node, absl::StrCat("the weights must be [C] = [", x[1].ToString(), "], got ", w.ToString()));
    }
  }
  if (attrs.reduction != Reduction::kNone) {
    ctx.SetOutput(0, ctx.input_dtype(0), graph::Shape(std::vector<graph::Dim>{}));
  } else if (x.rank_known) {
    std::vector<graph::Dim> dims = {x[0]};
    for (int i = 2; i < x.rank(); ++i) dims.push_back(x[i]);
    ctx.SetOutput(0, ctx.input_dtype(0), graph::Shape(std::move(dims)));
  } else {
    ctx.SetOutput(0, ctx.input_dtype(0), t);
  }
  return absl::OkStatus();
}

NllGeometry GetNllGeometry(const Dims& scores) {
  NllGeometry g;
  g.n = scores[0];
  g.c = scores[1];
  g.d = DimProduct(scores, 2, static_cast<int>(scores.size()));
  return g;
}

template <typename C, typename Target>
absl::Status ComputeNll(const NllAttrs& attrs, const NllGeometry& g, const C* logp, const Target* target,
                        const C* weight, C* out, const std::string& where) {
  // Sums run in double: the mean divides two sums that may each be large.
  double sum = 0, weight_sum = 0;
  for (int64_t n = 0; n < g.n; ++n) {
    for (int64_t d = 0; d < g.d; ++d) {
      const int64_t i = n * g.d + d;
      const int64_t t = static_cast<int64_t>(target[i]);
      double loss = 0, w = 0;
      if (!(attrs.has_ignore_index && t == attrs.ignore_index)) {
        if (t < 0 || t >= g.c) {
          return NodeError(where, absl::StrCat("target ", t, " at element ", i, " is outside [0, ", g.c, ")"));
        }
        w = weight ? static_cast<double>(weight[t]) : 1.0;
        loss = -static_cast<double>(logp[(n * g.c + t) * g.d + d]) * w;
      }
      if (attrs.reduction == Reduction::kNone) out[i] = static_cast<C>(loss);
      sum += loss;
      weight_sum += w;
    }
  }
  if (attrs.reduction == Reduction::kSum) out[0] = static_cast<C>(sum);
  // All targets ignored: 0 / 0 is NaN, as in the ONNX reference.
  if (attrs.reduction == Reduction::kMean) out[0] = static_cast<C>(sum / weight_sum);
  return absl::OkStatus();
}

template absl::Status ComputeNll<float, int32_t>(const NllAttrs&, const NllGeometry&, const float*, const int32_t*,
                                                 const float*, float*, const std::string&);
template absl::Status ComputeNll<float, int64_t>(const NllAttrs&, const NllGeometry&, const float*, const int64_t*,
                                                 const float*, float*, const std::string&);
template absl::Status ComputeNll<double, int32_t>(const NllAttrs&, const NllGeometry&, const double*, const int32_t*,
                                                  const double*, double*, const std::string&);
template absl::Status ComputeNll<double, int64_t>(const NllAttrs&, const NllGeometry&, const double*, const int64_t*,
                                                  const double*, double*, const std::string&);

}  // namespace seqrt::ops::loss
