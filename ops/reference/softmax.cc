// Reference Softmax / LogSoftmax: three passes per row (max, sum of exp, normalise), the max
// subtracted first so large inputs do not overflow.
#include "ops/reference/softmax.h"

#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"
#include "ops/dtype_dispatch.h"

namespace seqrt::ops {
namespace {

template <typename T>
void SoftmaxTyped(bool log, const T* x, T* y, const SoftmaxGeometry& g) {
  using C = ComputeType<T>;
  for (int64_t o = 0; o < g.outer; ++o) {
    for (int64_t j = 0; j < g.inner; ++j) {
      const int64_t base = o * g.n * g.inner + j;
      const T* xr = x + base;
      T* yr = y + base;
      const int64_t s = g.inner;
      C max = static_cast<C>(xr[0]);
      for (int64_t i = 1; i < g.n; ++i) max = std::max(max, static_cast<C>(xr[i * s]));
      C sum = 0;
      if (log) {
        for (int64_t i = 0; i < g.n; ++i) sum += std::exp(static_cast<C>(xr[i * s]) - max);
        const C shift = max + std::log(sum);
        for (int64_t i = 0; i < g.n; ++i) yr[i * s] = static_cast<T>(static_cast<C>(xr[i * s]) - shift);
      } else {
        for (int64_t i = 0; i < g.n; ++i) {
          const C e = std::exp(static_cast<C>(xr[i * s]) - max);
          sum += e;
          yr[i * s] = static_cast<T>(e);
        }
        const C inv = C(1) / sum;
        for (int64_t i = 0; i < g.n; ++i) yr[i * s] = static_cast<T>(static_cast<C>(yr[i * s]) * inv);
      }
    }
  }
}

class SoftmaxKernel : public OpKernel {
 public:
  SoftmaxKernel(const graph::Node& node, bool log)
      : where_(node.Describe()), attrs_(ParseSoftmaxAttrs(node, log)) {}

  absl::Status Compute(ComputeContext& ctx) const override {
    SEQRT_ASSIGN_OR_RETURN(SoftmaxGeometry g, GetSoftmaxGeometry(attrs_, ctx.input_dims(0), where_));
    if (g.n == 0) return absl::OkStatus();
    return VisitDType(
        ctx.input_dtype(0),
        [&](auto tag) -> absl::Status {
          using T = decltype(tag);
          SoftmaxTyped<T>(attrs_.log, ctx.input<T>(0), ctx.output<T>(0), g);
          return absl::OkStatus();
        },
        kFloatTypes, where_);
  }

 private:
  std::string where_;
  SoftmaxAttrs attrs_;
};

}  // namespace

SoftmaxAttrs ParseSoftmaxAttrs(const graph::Node& node, bool log) {
  SoftmaxAttrs a;
  a.log = log;
  a.flatten = node.opset < 13;
  a.axis = node.attrs.GetInt("axis", a.flatten ? 1 : -1);
  return a;
}

absl::StatusOr<SoftmaxGeometry> GetSoftmaxGeometry(const SoftmaxAttrs& attrs, const Dims& dims,
                                                   std::string_view where) {
  const int rank = static_cast<int>(dims.size());
  // Flattening accepts axis == rank (everything in `outer`); per-axis needs a real axis.
  const int limit = attrs.flatten ? rank + 1 : rank;
  if (rank == 0 || attrs.axis < -rank || attrs.axis >= limit) {
    return absl::InvalidArgumentError(absl::StrCat(std::string(where), ": axis ", attrs.axis,
                                                   " is out of range for rank ", rank));
  }
  const int axis = static_cast<int>(attrs.axis < 0 ? attrs.axis + rank : attrs.axis);
  SoftmaxGeometry g;
  for (int i = 0; i < axis; ++i) g.outer *= dims[i];
  if (attrs.flatten) {
    for (int i = axis; i < rank; ++i) g.n *= dims[i];
  } else {
    g.n = dims[axis];
    for (int i = axis + 1; i < rank; ++i) g.inner *= dims[i];
  }
  return g;
}

absl::StatusOr<std::unique_ptr<OpKernel>> MakeReferenceSoftmax(const graph::Node& node) {
  return std::unique_ptr<OpKernel>(std::make_unique<SoftmaxKernel>(node, false));
}
absl::StatusOr<std::unique_ptr<OpKernel>> MakeReferenceLogSoftmax(const graph::Node& node) {
  return std::unique_ptr<OpKernel>(std::make_unique<SoftmaxKernel>(node, true));
}

}  // namespace seqrt::ops
