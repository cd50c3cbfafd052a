// LRN (local response normalization across channels):
// Y = X / (bias + alpha / size * sum of X^2 over channels [c - floor((size-1)/2),
// c + ceil((size-1)/2)]) ^ beta.
#include <algorithm>
#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"
#include "ops/dtype_dispatch.h"
#include "ops/nn/nn_ops.h"
#include "ops/registry.h"
#include "ops/tensor_util.h"

namespace seqrt::ops {
namespace {

absl::Status InferLrn(InferContext& ctx) {
  const DType dtype = ctx.input_dtype(0);
  if (!IsFloatingPoint(dtype))
    return absl::UnimplementedError(absl::StrCat(ctx.node().Describe(), " does not support dtype ", std::string(DTypeName(dtype))));
  if (ctx.node().attrs.GetInt("size", 0) < 1) return NodeError(ctx.node(), "the size attribute must be >= 1");
  const graph::Shape& x = ctx.input_shape(0);
  if (x.rank_known && x.rank() < 2) return NodeError(ctx.node(), absl::StrCat("X must be [N, C, ...], got ", x.ToString()));
  ctx.SetOutput(0, dtype, x);
  return absl::OkStatus();
}

class LrnKernel : public OpKernel {
 public:
  explicit LrnKernel(const graph::Node& node)
      : where_(node.Describe()),
        alpha_(node.attrs.GetFloat("alpha", 1e-4f)),
        beta_(node.attrs.GetFloat("beta", 0.75f)),
        bias_(node.attrs.GetFloat("bias", 1.0f)),
        size_(node.attrs.GetInt("size", 1)) {}

  absl::Status Compute(ComputeContext& ctx) const override {
    const Dims& dims = ctx.input_dims(0);
    const int64_t n = dims[0], c = dims[1];
    const int64_t inner = DimProduct(dims, 2, static_cast<int>(dims.size()));
    const int64_t before = (size_ - 1) / 2, after = size_ - 1 - before;
    return VisitDType(
        ctx.input_dtype(0),
        [&](auto tag) -> absl::Status {
          using T = decltype(tag);
          using C = ComputeType<T>;
          const T* x = ctx.input<T>(0);
          T* y = ctx.output<T>(0);
          for (int64_t b = 0; b < n; ++b)
            for (int64_t ch = 0; ch < c; ++ch)
              for (int64_t i = 0; i < inner; ++i) {
                double sq = 0;
                for (int64_t k = std::max<int64_t>(0, ch - before); k <= std::min(c - 1, ch + after); ++k) {
                  const double v = static_cast<double>(static_cast<C>(x[(b * c + k) * inner + i]));
                  sq += v * v;
                }
                const int64_t at = (b * c + ch) * inner + i;
                const double v = static_cast<double>(static_cast<C>(x[at])) /
                                 std::pow(bias_ + alpha_ / static_cast<double>(size_) * sq, beta_);
                y[at] = static_cast<T>(static_cast<C>(v));
              }
          return absl::OkStatus();
        },
        kFloatTypes, where_);
  }

 private:
  std::string where_;
  double alpha_, beta_, bias_;
  int64_t size_;
};

}  // namespace

void RegisterLrnOps(OpRegistry& registry) {
  OpSchema s;
  s.op_type = "LRN";
  s.min_inputs = 1;
  s.max_inputs = 1;
  s.infer = &InferLrn;
  s.kernels = {&MakeKernel<LrnKernel>};
  registry.Register(std::move(s));
}

}  // namespace seqrt::ops
