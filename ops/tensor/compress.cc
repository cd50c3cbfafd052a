// Compress: the slices along `axis` (or the elements of the flattened input, without axis)
// whose entry of the boolean `condition` is true. `condition` may be shorter than the axis
// (the rest is dropped); true entries beyond it are an error. The output length is known
// only from the data, so the kernel allocates its output. Any dtype.
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ops/tensor/tensor_index_ops.h"
#include "ops/tensor_util.h"
#include "ops/tensors_as_values.h"

namespace seqrt::ops::tensor {
namespace {

absl::Status InferCompress(InferContext& ctx) {
  const graph::Node& node = ctx.node();
  SEQRT_RETURN_IF_ERROR(MovableElementSize(node, ctx.input_dtype(0)).status());
  if (ctx.input_dtype(1) != DType::kBool && ctx.input_dtype(1) != DType::kUndefined) {
    return NodeError(node, absl::StrCat("condition must be bool, got ", std::string(DTypeName(ctx.input_dtype(1)))));
  }
  const graph::Shape& cond = ctx.input_shape(1);
  if (cond.rank_known && cond.rank() != 1) {
    return NodeError(node, absl::StrCat("condition must be 1-D, got ", cond.ToString()));
  }
  const graph::Shape& x = ctx.input_shape(0);
  if (!node.attrs.Has("axis")) {
    ctx.SetOutput(0, ctx.input_dtype(0), graph::Shape({graph::Dim()}));
    return absl::OkStatus();
  }
  if (!x.rank_known) {
    ctx.SetOutput(0, ctx.input_dtype(0), x);
    return absl::OkStatus();
  }
  auto axis = graph::NormalizeAxis(node.attrs.GetInt("axis", 0), x.rank(), "axis");
  if (!axis.ok()) return WithNode(node, axis.status());
  graph::Shape out = x;
  out[*axis] = graph::Dim();
  ctx.SetOutput(0, ctx.input_dtype(0), out);
  return absl::OkStatus();
}

class CompressKernel final : public OpKernel {
 public:
  explicit CompressKernel(const graph::Node& node)
      : where_(node.Describe()), has_axis_(node.attrs.Has("axis")), axis_attr_(node.attrs.GetInt("axis", 0)) {}

  absl::Status Compute(ComputeContext&) const override {
    return absl::InternalError("Compress runs through ComputeWithOutputs");
  }

  absl::StatusOr<std::vector<Value>> ComputeWithOutputs(ComputeContext& ctx) const override {
    const Dims& x = ctx.input_dims(0);
    Dims flat = {NumElements(x)};
    const Dims& in = has_axis_ ? x : flat;
    int axis = 0;
    if (has_axis_) {
      auto a = graph::NormalizeAxis(axis_attr_, static_cast<int>(x.size()), "axis");
      if (!a.ok()) return NodeError(where_, std::string(a.status().message()));
      axis = *a;
    }
    const int64_t len = in[axis];
    const int64_t cond_len = NumElements(ctx.input_dims(1));
    const bool* cond = ctx.input<bool>(1);
    std::vector<int64_t> keep;
    for (int64_t i = 0; i < cond_len; ++i) {
      if (!cond[i]) continue;
      if (i >= len) {
        return NodeError(where_, absl::StrCat("condition is true at ", i, ", beyond the ", len,
                                              " entries of the compressed axis"));
      }
      keep.push_back(i);
    }
    Dims out_dims = in;
    out_dims[axis] = static_cast<int64_t>(keep.size());
    std::vector<Tensor> out;
    out.emplace_back(ctx.input_dtype(0), out_dims);
    const size_t es = DTypeSize(ctx.input_dtype(0));
    const int64_t outer = DimProduct(in, 0, axis);
    const int64_t inner = DimProduct(in, axis + 1, static_cast<int>(in.size())) * static_cast<int64_t>(es);
    const auto* src = static_cast<const char*>(ctx.input(0));
    auto* dst = static_cast<char*>(out[0].raw_data());
    for (int64_t o = 0; o < outer; ++o)
      for (size_t k = 0; k < keep.size(); ++k)
        std::memcpy(dst + (o * static_cast<int64_t>(keep.size()) + static_cast<int64_t>(k)) * inner,
                    src + (o * len + keep[k]) * inner, inner);
    return TensorsAsValues(std::move(out));
  }

 private:
  std::string where_;
  bool has_axis_;
  int64_t axis_attr_;
};

}  // namespace

void RegisterCompressOp(OpRegistry& registry) {
  OpSchema s;
  s.op_type = "Compress";
  s.since_version = 9;
  s.min_inputs = 2;
  s.max_inputs = 2;
  s.infer = &InferCompress;
  s.kernels = {&MakeKernel<CompressKernel>};
  s.allocates_outputs = true;
  registry.Register(std::move(s));
}

}  // namespace seqrt::ops::tensor
