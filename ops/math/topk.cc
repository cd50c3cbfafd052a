// TopK: the k largest (or smallest) elements along an axis and their int64 indices. k is an
// attribute before opset 10 and a one-element input after; `largest` and `sorted` arrive at
// 11. Results are always sorted (allowed when sorted=0); equal values keep index order, as
// the spec asks.
#include <algorithm>
#include <numeric>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ops/elementwise_common.h"
#include "ops/math/math_ops.h"
#include "ops/tensor_util.h"

namespace seqrt::ops::math {
namespace {

// k from the attribute (opset < 10) or input 1; nullopt when not known yet.
absl::StatusOr<std::optional<int64_t>> KnownK(const InferContext& ctx) {
  if (ctx.opset() < 10) return std::optional<int64_t>(ctx.attrs().GetInt("k", -1));
  SEQRT_ASSIGN_OR_RETURN(auto k, ConstantInts(ctx, 1, "K"));
  if (!k.has_value()) return std::optional<int64_t>();
  if (k->size() != 1) return NodeError(ctx.node(), absl::StrCat("K must hold one value, got ", k->size()));
  return std::optional<int64_t>((*k)[0]);
}

absl::Status InferTopK(InferContext& ctx) {
  SEQRT_RETURN_IF_ERROR(CheckInputDType(ctx, 0, kNumericTypes));
  const graph::Shape& x = ctx.input_shape(0);
  graph::Shape out = x;
  if (x.rank_known) {
    SEQRT_ASSIGN_OR_RETURN(int axis, graph::NormalizeAxis(ctx.attrs().GetInt("axis", -1), x.rank()));
    SEQRT_ASSIGN_OR_RETURN(std::optional<int64_t> k, KnownK(ctx));
    if (k.has_value()) {
      if (*k < 0 || (x[axis].known() && *k > x[axis].value())) {
        return NodeError(ctx.node(), absl::StrCat("k = ", *k, " is outside [0, ", x[axis].ToString(),
                                                  "] (the size of axis ", axis, ")"));
      }
      out.dims[axis] = graph::Dim(*k);
    } else {
      out.dims[axis] = graph::Dim();
    }
  }
  ctx.SetOutput(0, ctx.input_dtype(0), out);
  ctx.SetOutput(1, DType::kInt64, out);
  return absl::OkStatus();
}

class TopKKernel final : public OpKernel {
 public:
  explicit TopKKernel(const graph::Node& node)
      : axis_attr_(node.attrs.GetInt("axis", -1)),
        largest_(node.attrs.GetInt("largest", 1) != 0),
        where_(node.Describe()) {}

  absl::Status Prepare(PrepareContext& ctx) override {
    const Dims& x = ctx.input_dims(0);
    SEQRT_ASSIGN_OR_RETURN(axis_, graph::NormalizeAxis(axis_attr_, static_cast<int>(x.size())));
    const Dims& y = ctx.output_dims(0);
    k_ = y[axis_];
    // Indices of one row, sorted in Compute.
    ctx.RequestScratch(static_cast<size_t>(x[axis_]) * sizeof(int64_t));
    return absl::OkStatus();
  }

  absl::Status Compute(ComputeContext& ctx) const override {
    const Dims& x = ctx.input_dims(0);
    const int r = static_cast<int>(x.size());
    const int64_t outer = DimProduct(x, 0, axis_), n = x[axis_], inner = DimProduct(x, axis_ + 1, r);
    auto* order = static_cast<int64_t*>(ctx.scratch());
    int64_t* indices = ctx.output<int64_t>(1);
    return VisitAllowed<kNumericTypes>(
        ctx.input_dtype(0),
        [&](auto tag) -> absl::Status {
          using T = decltype(tag);
          using C = ComputeType<T>;
          const T* in = ctx.input<T>(0);
          T* values = ctx.output<T>(0);
          for (int64_t o = 0; o < outer; ++o) {
            for (int64_t i = 0; i < inner; ++i) {
              const T* row = in + o * n * inner + i;
              auto at = [&](int64_t j) { return static_cast<C>(row[j * inner]); };
              std::iota(order, order + n, int64_t{0});
              auto before = [&](int64_t a, int64_t b) {
                const C va = at(a), vb = at(b);
                if (va != vb) return largest_ ? va > vb : va < vb;
                return a < b;
              };
              std::partial_sort(order, order + k_, order + n, before);
              const int64_t base = o * k_ * inner + i;
              for (int64_t j = 0; j < k_; ++j) {
                values[base + j * inner] = row[order[j] * inner];
                indices[base + j * inner] = order[j];
              }
            }
          }
          return absl::OkStatus();
        },
        where_);
  }

 private:
  int64_t axis_attr_;
  bool largest_;
  std::string where_;
  int axis_ = 0;
  int64_t k_ = 0;
};

}  // namespace

void RegisterTopKOp(OpRegistry& registry) {
  OpSchema s;
  s.op_type = "TopK";
  s.min_inputs = 1;
  s.max_inputs = 2;
  s.infer = &InferTopK;
  s.kernels = {&MakeKernel<TopKKernel>};
  registry.Register(std::move(s));
}

}  // namespace seqrt::ops::math
