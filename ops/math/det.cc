// Det: determinants of the square matrices in the last two dims, by LU decomposition with
// partial pivoting in double precision (the batch dims form the output shape).
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ops/elementwise_common.h"
#include "ops/math/math_ops.h"
#include "ops/tensor_util.h"

namespace seqrt::ops::math {
namespace {

absl::Status InferDet(InferContext& ctx) {
  SEQRT_RETURN_IF_ERROR(CheckInputDType(ctx, 0, kFloatTypes));
  const graph::Shape& x = ctx.input_shape(0);
  if (!x.rank_known) {
    ctx.SetOutput(0, ctx.input_dtype(0), graph::Shape::UnknownRank());
    return absl::OkStatus();
  }
  const int r = x.rank();
  if (r < 2 || (x[r - 1].known() && x[r - 2].known() && x[r - 1].value() != x[r - 2].value())) {
    return NodeError(ctx.node(), absl::StrCat("the input must be [..., M, M], got ", x.ToString()));
  }
  ctx.SetOutput(0, ctx.input_dtype(0),
                graph::Shape(std::vector<graph::Dim>(x.dims.begin(), x.dims.end() - 2)));
  return absl::OkStatus();
}

double Determinant(double* a, int64_t m) {
  double det = 1;
  for (int64_t c = 0; c < m; ++c) {
    int64_t pivot = c;
    for (int64_t r = c + 1; r < m; ++r)
      if (std::fabs(a[r * m + c]) > std::fabs(a[pivot * m + c])) pivot = r;
    if (a[pivot * m + c] == 0) return 0;
    if (pivot != c) {
      for (int64_t j = 0; j < m; ++j) std::swap(a[c * m + j], a[pivot * m + j]);
      det = -det;
    }
    det *= a[c * m + c];
    for (int64_t r = c + 1; r < m; ++r) {
      const double f = a[r * m + c] / a[c * m + c];
      for (int64_t j = c; j < m; ++j) a[r * m + j] -= f * a[c * m + j];
    }
  }
  return det;
}

class DetKernel final : public OpKernel {
 public:
  explicit DetKernel(const graph::Node& node) : where_(node.Describe()) {}

  absl::Status Prepare(PrepareContext& ctx) override {
    const Dims& x = ctx.input_dims(0);
    m_ = x.back();
    ctx.RequestScratch(static_cast<size_t>(m_ * m_) * sizeof(double));
    return absl::OkStatus();
  }

  absl::Status Compute(ComputeContext& ctx) const override {
    const int64_t batches = NumElements(ctx.output_dims(0));
    auto* work = static_cast<double*>(ctx.scratch());
    return VisitAllowed<kFloatTypes>(
        ctx.input_dtype(0),
        [&](auto tag) -> absl::Status {
          using T = decltype(tag);
          const T* in = ctx.input<T>(0);
          T* out = ctx.output<T>(0);
          for (int64_t b = 0; b < batches; ++b) {
            for (int64_t i = 0; i < m_ * m_; ++i)
              work[i] = static_cast<double>(static_cast<ComputeType<T>>(in[b * m_ * m_ + i]));
            out[b] = FromCompute<T>(static_cast<ComputeType<T>>(Determinant(work, m_)));
          }
          return absl::OkStatus();
        },
        where_);
  }

 private:
  std::string where_;
  int64_t m_ = 0;
};

}  // namespace

void RegisterDetOp(OpRegistry& registry) {
  OpSchema s;
  s.op_type = "Det";
  s.since_version = 11;
  s.min_inputs = 1;
  s.max_inputs = 1;
  s.infer = &InferDet;
  s.kernels = {&MakeKernel<DetKernel>};
  registry.Register(std::move(s));
}

}  // namespace seqrt::ops::math
