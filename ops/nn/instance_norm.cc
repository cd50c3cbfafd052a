// InstanceNormalization (per sample and channel, over the spatial dims, then per-channel
// scale and bias) and MeanVarianceNormalization (over `axes`, default [0, 2, 3]:
// Y = (X - mean) / sqrt(var + 1e-9), the epsilon of its ONNX function body). Both compute
// their statistics in double.
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

absl::Status InferSameAsX(InferContext& ctx) {
  const DType dtype = ctx.input_dtype(0);
  if (!IsFloatingPoint(dtype))
    return absl::UnimplementedError(absl::StrCat(ctx.node().Describe(), " does not support dtype ", std::string(DTypeName(dtype))));
  for (int i = 1; i < ctx.num_inputs(); ++i)
    if (ctx.has_input(i) && ctx.input_dtype(i) != dtype)
      return NodeError(ctx.node(), absl::StrCat("input ", i, " must have X's dtype ", std::string(DTypeName(dtype))));
  const graph::Shape& x = ctx.input_shape(0);
  if (x.rank_known && x.rank() < (ctx.node().op_type == "InstanceNormalization" ? 3 : 1))
    return NodeError(ctx.node(), absl::StrCat("X must be [N, C, D...], got ", x.ToString()));
  ctx.SetOutput(0, dtype, x);
  return absl::OkStatus();
}

// Normalizes, for every index of the kept dims, the elements spanning the reduced dims.
// scale/bias (per index of dim 1, or null) apply after normalization.
template <typename T>
void NormalizeOver(const Dims& dims, const std::vector<bool>& reduced, double epsilon, const T* x,
                   const T* scale, const T* bias, T* y) {
  using C = ComputeType<T>;
  const int rank = static_cast<int>(dims.size());
  // Permute to [kept..., reduced...] views by strides.
  SmallInts strides = RowMajorStrides(dims);
  SmallInts kept_dims, kept_strides, red_dims, red_strides;
  int channel_pos = -1;
  for (int d = 0; d < rank; ++d) {
    if (reduced[d]) {
      red_dims.push_back(dims[d]);
      red_strides.push_back(strides[d]);
    } else {
      if (d == 1) channel_pos = static_cast<int>(kept_dims.size());
      kept_dims.push_back(dims[d]);
      kept_strides.push_back(strides[d]);
    }
  }
  auto for_each = [](const SmallInts& ds, const SmallInts& ss, auto&& f) {
    int64_t total = 1;
    for (int64_t v : ds) total *= v;
    SmallInts c(ds.size(), 0);
    for (int64_t e = 0; e < total; ++e) {
      int64_t off = 0;
      for (size_t i = 0; i < ds.size(); ++i) off += c[i] * ss[i];
      f(off, c);
      for (int i = static_cast<int>(ds.size()) - 1; i >= 0; --i) {
        if (++c[i] < ds[i]) break;
        c[i] = 0;
      }
    }
  };
  int64_t count = 1;
  for (int64_t v : red_dims) count *= v;
  for_each(kept_dims, kept_strides, [&](int64_t base, const SmallInts& kc) {
    double sum = 0, sq = 0;
    for_each(red_dims, red_strides, [&](int64_t off, const SmallInts&) {
      sum += static_cast<double>(static_cast<C>(x[base + off]));
    });
    const double mean = count ? sum / static_cast<double>(count) : 0.0;
    for_each(red_dims, red_strides, [&](int64_t off, const SmallInts&) {
      const double d = static_cast<double>(static_cast<C>(x[base + off])) - mean;
      sq += d * d;
    });
    const double inv = 1.0 / std::sqrt((count ? sq / static_cast<double>(count) : 0.0) + epsilon);
    const int64_t ch = channel_pos >= 0 ? kc[channel_pos] : 0;
    const double s = scale ? static_cast<double>(static_cast<C>(scale[ch])) : 1.0;
    const double b = bias ? static_cast<double>(static_cast<C>(bias[ch])) : 0.0;
    for_each(red_dims, red_strides, [&](int64_t off, const SmallInts&) {
      const double v = (static_cast<double>(static_cast<C>(x[base + off])) - mean) * inv * s + b;
      y[base + off] = static_cast<T>(static_cast<C>(v));
    });
  });
}

class InstanceNormKernel : public OpKernel {
 public:
  explicit InstanceNormKernel(const graph::Node& node)
      : where_(node.Describe()), epsilon_(node.attrs.GetFloat("epsilon", 1e-5f)) {}

  absl::Status Prepare(PrepareContext& ctx) override {
    const int64_t c = ctx.input_dims(0)[1];
    for (int i = 1; i < 3; ++i)
      if (NumElements(ctx.input_dims(i)) != c)
        return NodeError(where_, absl::StrCat("input ", i, " ", DimsToString(ctx.input_dims(i)),
                                              " must hold one value per channel (", c, ")"));
    return absl::OkStatus();
  }

  absl::Status Compute(ComputeContext& ctx) const override {
    const Dims& dims = ctx.input_dims(0);
    std::vector<bool> reduced(dims.size(), true);
    reduced[0] = reduced[1] = false;
    return VisitDType(
        ctx.input_dtype(0),
        [&](auto tag) -> absl::Status {
          using T = decltype(tag);
          NormalizeOver<T>(dims, reduced, epsilon_, ctx.input<T>(0), ctx.input<T>(1), ctx.input<T>(2),
                           ctx.output<T>(0));
          return absl::OkStatus();
        },
        kFloatTypes, where_);
  }

 private:
  std::string where_;
  double epsilon_;
};

class MvnKernel : public OpKernel {
 public:
  explicit MvnKernel(const graph::Node& node)
      : where_(node.Describe()), axes_(node.attrs.GetInts("axes", {0, 2, 3})) {}

  absl::Status Prepare(PrepareContext& ctx) override {
    const int rank = static_cast<int>(ctx.input_dims(0).size());
    reduced_.assign(rank, false);
    for (int64_t a : axes_) {
      auto axis = graph::NormalizeAxis(a, rank, "axes");
      if (!axis.ok()) return NodeError(where_, std::string(axis.status().message()));
      reduced_[*axis] = true;
    }
    return absl::OkStatus();
  }

  absl::Status Compute(ComputeContext& ctx) const override {
    return VisitDType(
        ctx.input_dtype(0),
        [&](auto tag) -> absl::Status {
          using T = decltype(tag);
          NormalizeOver<T>(ctx.input_dims(0), reduced_, 1e-9, ctx.input<T>(0), nullptr, nullptr,
                           ctx.output<T>(0));
          return absl::OkStatus();
        },
        kFloatTypes, where_);
  }

 private:
  std::string where_;
  std::vector<int64_t> axes_;
  std::vector<bool> reduced_;
};

}  // namespace

void RegisterInstanceNormOps(OpRegistry& registry) {
  OpSchema s;
  s.op_type = "InstanceNormalization";
  s.min_inputs = 3;
  s.max_inputs = 3;
  s.infer = &InferSameAsX;
  s.kernels = {&MakeKernel<InstanceNormKernel>};
  registry.Register(s);
  s.op_type = "MeanVarianceNormalization";
  s.since_version = 9;
  s.min_inputs = 1;
  s.max_inputs = 1;
  s.kernels = {&MakeKernel<MvnKernel>};
  registry.Register(std::move(s));
}

}  // namespace seqrt::ops
