// Trilu: keeps the upper (upper=1) or lower triangle of the last two dims, on or beyond
// diagonal k (optional scalar input), and zeroes the rest. Any dtype: elements move by size.
#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "ops/math/math_ops.h"
#include "ops/tensor_util.h"

namespace seqrt::ops::math {
namespace {

absl::Status InferTrilu(InferContext& ctx) {
  const graph::Shape& x = ctx.input_shape(0);
  if (x.rank_known && x.rank() < 2) {
    return NodeError(ctx.node(), absl::StrCat("the input must have rank >= 2, got ", x.ToString()));
  }
  SEQRT_RETURN_IF_ERROR(MovableElementSize(ctx.node(), ctx.input_dtype(0)).status());
  SEQRT_ASSIGN_OR_RETURN(auto k, ConstantInts(ctx, 1, "k"));
  if (k.has_value() && k->size() != 1) {
    return NodeError(ctx.node(), absl::StrCat("k must be a scalar, got ", k->size(), " values"));
  }
  ctx.SetOutput(0, ctx.input_dtype(0), x);
  return absl::OkStatus();
}

class TriluKernel final : public OpKernel {
 public:
  explicit TriluKernel(const graph::Node& node)
      : node_(node), upper_(node.attrs.GetInt("upper", 1) != 0), where_(node.Describe()) {}

  absl::Status Prepare(PrepareContext& ctx) override {
    SEQRT_ASSIGN_OR_RETURN(elem_size_, MovableElementSize(node_, ctx.input_dtype(0)));
    return absl::OkStatus();
  }

  absl::Status Compute(ComputeContext& ctx) const override {
    int64_t k = 0;
    if (ctx.has_input(1)) {
      SmallInts values;
      SEQRT_RETURN_IF_ERROR(InputInts(where_, ctx, 1, "k", &values));
      if (values.size() != 1) return NodeError(where_, "k must be a scalar");
      k = values[0];
    }
    const Dims& d = ctx.input_dims(0);
    const int r = static_cast<int>(d.size());
    const int64_t rows = d[r - 2], cols = d[r - 1];
    const int64_t batches = DimProduct(d, 0, r - 2);
    const auto* in = static_cast<const char*>(ctx.input(0));
    auto* out = static_cast<char*>(ctx.output(0));
    const size_t es = elem_size_;
    for (int64_t b = 0; b < batches; ++b) {
      for (int64_t i = 0; i < rows; ++i) {
        const size_t row = static_cast<size_t>((b * rows + i) * cols) * es;
        for (int64_t j = 0; j < cols; ++j) {
          const bool keep = upper_ ? (j - i >= k) : (j - i <= k);
          char* dst = out + row + j * es;
          if (keep) std::memcpy(dst, in + row + j * es, es);
          else std::memset(dst, 0, es);
        }
      }
    }
    return absl::OkStatus();
  }

 private:
  const graph::Node& node_;
  bool upper_;
  std::string where_;
  size_t elem_size_ = 0;
};

}  // namespace

void RegisterTriluOp(OpRegistry& registry) {
  OpSchema s;
  s.op_type = "Trilu";
  s.since_version = 14;
  s.min_inputs = 1;
  s.max_inputs = 2;
  s.infer = &InferTrilu;
  s.kernels = {&MakeKernel<TriluKernel>};
  registry.Register(std::move(s));
}

}  // namespace seqrt::ops::math
