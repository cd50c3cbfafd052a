// OneHot: for each index, a row of `depth` elements that are values[0] (off) except
// values[1] (on) at the index, inserted as a new axis at `axis`. Indices and depth may be
// any numeric type (floats are truncated); negative indices count from the back (opset 11);
// indices outside [-depth, depth) give all-off rows, as the spec says.
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ops/dtype_dispatch.h"
#include "ops/elementwise_common.h"
#include "ops/tensor/tensor_index_ops.h"
#include "ops/tensor_util.h"

namespace seqrt::ops::tensor {
namespace {

// Element i of a numeric buffer as int64 (floats truncated toward zero).
absl::StatusOr<int64_t> NumericAsInt(std::string_view where, DType dtype, const void* data, int64_t i) {
  int64_t v = 0;
  SEQRT_RETURN_IF_ERROR(VisitDType(
      dtype,
      [&](auto tag) -> absl::Status {
        using T = decltype(tag);
        v = static_cast<int64_t>(static_cast<ComputeType<T>>(static_cast<const T*>(data)[i]));
        return absl::OkStatus();
      },
      kNumericTypes, where));
  return v;
}

absl::StatusOr<int64_t> DepthOf(std::string_view where, const Tensor& t) {
  if (t.num_elements() != 1) return NodeError(where, absl::StrCat("depth must hold one value, got ", t.num_elements()));
  SEQRT_ASSIGN_OR_RETURN(int64_t d, NumericAsInt(where, t.dtype(), t.raw_data(), 0));
  if (d < 1) return NodeError(where, absl::StrCat("depth must be >= 1, got ", d));
  return d;
}

absl::Status InferOneHot(InferContext& ctx) {
  const graph::Node& node = ctx.node();
  SEQRT_RETURN_IF_ERROR(CheckInputDType(ctx, 0, kNumericTypes));
  SEQRT_RETURN_IF_ERROR(CheckInputDType(ctx, 1, kNumericTypes));
  const graph::Shape& values = ctx.input_shape(2);
  if (values.rank_known) {
    auto n = values.NumElements();
    if (values.rank() != 1 || (n.has_value() && *n != 2)) {
      return NodeError(node, absl::StrCat("values must be [off, on], got shape ", values.ToString()));
    }
  }
  const graph::Shape& indices = ctx.input_shape(0);
  const DType dtype = ctx.input_dtype(2);
  if (!indices.rank_known) {
    ctx.SetOutput(0, dtype, graph::Shape::UnknownRank());
    return absl::OkStatus();
  }
  const int out_rank = indices.rank() + 1;
  auto axis_or = graph::NormalizeAxis(node.attrs.GetInt("axis", -1), out_rank, "axis");
  if (!axis_or.ok()) return WithNode(node, axis_or.status());
  const int axis = *axis_or;
  graph::Dim depth;
  if (const Tensor* d = ctx.input_constant(1)) {
    SEQRT_ASSIGN_OR_RETURN(int64_t v, DepthOf(node.Describe(), *d));
    depth = graph::Dim(v);
  }
  std::vector<graph::Dim> out(indices.dims.begin(), indices.dims.end());
  out.insert(out.begin() + axis, depth);
  ctx.SetOutput(0, dtype, graph::Shape(std::move(out)));
  return absl::OkStatus();
}

class OneHotKernel final : public OpKernel {
 public:
  explicit OneHotKernel(const graph::Node& node)
      : where_(node.Describe()), axis_attr_(node.attrs.GetInt("axis", -1)) {}

  absl::Status Prepare(PrepareContext& ctx) override {
    const int out_rank = static_cast<int>(ctx.output_dims(0).size());
    SEQRT_ASSIGN_OR_RETURN(axis_, graph::NormalizeAxis(axis_attr_, out_rank));
    if (NumElements(ctx.input_dims(2)) != 2) return NodeError(where_, "values must hold [off, on]");
    return absl::OkStatus();
  }

  absl::Status Compute(ComputeContext& ctx) const override {
    const Dims& out_dims = ctx.output_dims(0);
    const int64_t depth = out_dims[axis_];
    const int64_t outer = DimProduct(out_dims, 0, axis_);
    const int64_t inner = DimProduct(out_dims, axis_ + 1, static_cast<int>(out_dims.size()));
    const DType index_type = ctx.input_dtype(0);
    const void* indices = ctx.input(0);
    const size_t es = DTypeSize(ctx.output_dtype(0));
    const auto* values = static_cast<const char*>(ctx.input(2));
    auto* out = static_cast<char*>(ctx.output(0));
    // Fill with "off", then write "on" where each valid index points.
    const int64_t total = outer * depth * inner;
    for (int64_t e = 0; e < total; ++e) std::memcpy(out + e * es, values, es);
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t i = 0; i < inner; ++i) {
        SEQRT_ASSIGN_OR_RETURN(int64_t v, NumericAsInt(where_, index_type, indices, o * inner + i));
        if (v < 0) v += depth;
        if (v < 0 || v >= depth) continue;
        std::memcpy(out + ((o * depth + v) * inner + i) * es, values + es, es);
      }
    }
    return absl::OkStatus();
  }

 private:
  std::string where_;
  int64_t axis_attr_;
  int axis_ = 0;
};

}  // namespace

void RegisterOneHotOp(OpRegistry& registry) {
  OpSchema s;
  s.op_type = "OneHot";
  s.since_version = 9;
  s.min_inputs = 3;
  s.max_inputs = 3;
  s.infer = &InferOneHot;
  s.kernels = {&MakeKernel<OneHotKernel>};
  registry.Register(std::move(s));
}

}  // namespace seqrt::ops::tensor
