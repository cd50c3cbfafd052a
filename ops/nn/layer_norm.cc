// LayerNormalization (opset 17): normalizes over the dims from `axis` to the end, then
// scales and shifts: Y = (X - mean) * inv_std_dev * Scale + B. The optional outputs Mean and
// InvStdDev have X's shape with the normalized dims set to 1, in the stash_type (float32
// by default). Statistics are computed in double whatever the dtype.
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ops/dtype_dispatch.h"
#include "ops/nn/nn_ops.h"
#include "ops/registry.h"
#include "ops/tensor_util.h"

namespace seqrt::ops {
namespace {

DType StashType(const graph::Node& node) {
  const int64_t t = node.attrs.GetInt("stash_type", 1);
  return t == 11 ? DType::kDouble : t == 10 ? DType::kFloat16 : t == 16 ? DType::kBFloat16 : DType::kFloat;
}

absl::Status InferLayerNorm(InferContext& ctx) {
  const graph::Node& node = ctx.node();
  const DType dtype = ctx.input_dtype(0);
  if (!IsFloatingPoint(dtype))
    return absl::UnimplementedError(absl::StrCat(node.Describe(), " does not support dtype ", std::string(DTypeName(dtype))));
  for (int i = 1; i < 3; ++i)
    if (ctx.has_input(i) && ctx.input_dtype(i) != dtype)
      return NodeError(node, absl::StrCat("input ", i, " must have X's dtype ", std::string(DTypeName(dtype))));
  const graph::Shape& x = ctx.input_shape(0);
  ctx.SetOutput(0, dtype, x);
  if (!x.rank_known) {
    ctx.SetOutput(1, StashType(node), graph::Shape::UnknownRank());
    ctx.SetOutput(2, StashType(node), graph::Shape::UnknownRank());
    return absl::OkStatus();
  }
  auto axis = graph::NormalizeAxis(node.attrs.GetInt("axis", -1), x.rank(), "axis");
  if (!axis.ok()) return WithNode(node, axis.status());
  graph::Shape stats = x;
  for (int i = *axis; i < x.rank(); ++i) stats[i] = graph::Dim(1);
  ctx.SetOutput(1, StashType(node), stats);
  ctx.SetOutput(2, StashType(node), stats);
  return absl::OkStatus();
}

double Load(DType t, const void* p, int64_t i) {
  switch (t) {
    case DType::kFloat: return static_cast<const float*>(p)[i];
    case DType::kDouble: return static_cast<const double*>(p)[i];
    case DType::kFloat16: return static_cast<float>(static_cast<const Float16*>(p)[i]);
    case DType::kBFloat16: return static_cast<float>(static_cast<const BFloat16*>(p)[i]);
    default: return 0;
  }
}

void Store(DType t, void* p, int64_t i, double v) {
  switch (t) {
    case DType::kFloat: static_cast<float*>(p)[i] = static_cast<float>(v); break;
    case DType::kDouble: static_cast<double*>(p)[i] = v; break;
    case DType::kFloat16: static_cast<Float16*>(p)[i] = Float16(static_cast<float>(v)); break;
    case DType::kBFloat16: static_cast<BFloat16*>(p)[i] = BFloat16(static_cast<float>(v)); break;
    default: break;
  }
}

class LayerNormKernel : public OpKernel {
 public:
  explicit LayerNormKernel(const graph::Node& node)
      : where_(node.Describe()),
        axis_(node.attrs.GetInt("axis", -1)),
        epsilon_(node.attrs.GetFloat("epsilon", 1e-5f)) {}

  absl::Status Prepare(PrepareContext& ctx) override {
    const Dims& x = ctx.input_dims(0);
    const int rank = static_cast<int>(x.size());
    const int axis = static_cast<int>(axis_ < 0 ? axis_ + rank : axis_);
    const int64_t inner = DimProduct(x, axis, rank);
    // Scale and B cover the normalized dims exactly, or are a single value.
    for (int i = 1; i < 3; ++i) {
      if (!ctx.has_input(i)) continue;
      const int64_t n = NumElements(ctx.input_dims(i));
      if (n != inner && n != 1)
        return NodeError(where_, absl::StrCat("input ", i, " ", DimsToString(ctx.input_dims(i)),
                                              " does not match the normalized dims of X ", DimsToString(x)));
    }
    return absl::OkStatus();
  }

  absl::Status Compute(ComputeContext& ctx) const override {
    const Dims& x = ctx.input_dims(0);
    const int rank = static_cast<int>(x.size());
    const int axis = static_cast<int>(axis_ < 0 ? axis_ + rank : axis_);
    const int64_t outer = DimProduct(x, 0, axis), inner = DimProduct(x, axis, rank);
    const DType t = ctx.input_dtype(0);
    const int64_t scale_n = NumElements(ctx.input_dims(1));
    const int64_t bias_n = ctx.has_input(2) ? NumElements(ctx.input_dims(2)) : 0;
    for (int64_t o = 0; o < outer; ++o) {
      double sum = 0, sq = 0;
      for (int64_t i = 0; i < inner; ++i) sum += Load(t, ctx.input(0), o * inner + i);
      const double mean = inner ? sum / static_cast<double>(inner) : 0.0;
      for (int64_t i = 0; i < inner; ++i) {
        const double d = Load(t, ctx.input(0), o * inner + i) - mean;
        sq += d * d;
      }
      const double inv = 1.0 / std::sqrt((inner ? sq / static_cast<double>(inner) : 0.0) + epsilon_);
      for (int64_t i = 0; i < inner; ++i) {
        double v = (Load(t, ctx.input(0), o * inner + i) - mean) * inv;
        v *= Load(t, ctx.input(1), scale_n == 1 ? 0 : i);
        if (bias_n) v += Load(t, ctx.input(2), bias_n == 1 ? 0 : i);
        Store(t, ctx.output(0), o * inner + i, v);
      }
      if (ctx.has_output(1)) Store(ctx.output_dtype(1), ctx.output(1), o, mean);
      if (ctx.has_output(2)) Store(ctx.output_dtype(2), ctx.output(2), o, inv);
    }
    return absl::OkStatus();
  }

 private:
  std::string where_;
  int64_t axis_;
  double epsilon_;
};

}  // namespace

void RegisterLayerNormOps(OpRegistry& registry) {
  OpSchema s;
  s.op_type = "LayerNormalization";
  s.since_version = 17;
  s.min_inputs = 2;
  s.max_inputs = 3;
  s.infer = &InferLayerNorm;
  s.kernels = {&MakeKernel<LayerNormKernel>};
  s.drop_unused_outputs = true;
  registry.Register(std::move(s));
}

}  // namespace seqrt::ops
