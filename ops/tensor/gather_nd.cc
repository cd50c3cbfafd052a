// GatherND: slices of `data` picked by index tuples along the last axis of `indices`, the
// first `batch_dims` axes (opset 12+) shared by both. Any dtype; int64 indices, negative
// ones counting from the back.
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ops/tensor/tensor_index_ops.h"
#include "ops/tensor_util.h"

namespace seqrt::ops::tensor {
namespace {

absl::Status InferGatherND(InferContext& ctx) {
  const graph::Node& node = ctx.node();
  const DType indices_type = ctx.input_dtype(1);
  if (indices_type != DType::kInt64 && indices_type != DType::kUndefined) {
    return NodeError(node, absl::StrCat("indices must be int64, got ", std::string(DTypeName(indices_type))));
  }
  const graph::Shape& data = ctx.input_shape(0);
  const graph::Shape& indices = ctx.input_shape(1);
  const int64_t b = node.attrs.GetInt("batch_dims", 0);
  const DType dtype = ctx.input_dtype(0);
  if (!data.rank_known || !indices.rank_known || indices.rank() == 0 ||
      !indices[indices.rank() - 1].known()) {
    ctx.SetOutput(0, dtype, graph::Shape::UnknownRank());
    if (indices.rank_known && indices.rank() == 0) return NodeError(node, "indices must have rank >= 1");
    return absl::OkStatus();
  }
  const int q = indices.rank(), r = data.rank();
  const int64_t k = indices[q - 1].value();
  if (b < 0 || b >= q || b >= r) {
    return NodeError(node, absl::StrCat("batch_dims ", b, " must be below the ranks of data (", r,
                                        ") and indices (", q, ")"));
  }
  if (k < 1 || b + k > r) {
    return NodeError(node, absl::StrCat("the last dim of indices ", indices.ToString(), " (", k,
                                        ") must be in [1, ", r - b, "] for data ", data.ToString(),
                                        " and batch_dims ", b));
  }
  std::vector<graph::Dim> out(indices.dims.begin(), indices.dims.end() - 1);
  out.insert(out.end(), data.dims.begin() + b + k, data.dims.end());
  ctx.SetOutput(0, dtype, graph::Shape(std::move(out)));
  return absl::OkStatus();
}

class GatherNDKernel final : public OpKernel {
 public:
  explicit GatherNDKernel(const graph::Node& node)
      : where_(node.Describe()), batch_dims_(static_cast<int>(node.attrs.GetInt("batch_dims", 0))) {}

  absl::Status Prepare(PrepareContext& ctx) override {
    const Dims& data = ctx.input_dims(0);
    const Dims& indices = ctx.input_dims(1);
    for (int d = 0; d < batch_dims_; ++d) {
      if (data[d] != indices[d]) {
        return NodeError(where_, absl::StrCat("data and indices differ on batch dim ", d, " (", data[d],
                                              " vs ", indices[d], ")"));
      }
    }
    return absl::OkStatus();
  }

  absl::Status Compute(ComputeContext& ctx) const override {
    const Dims& data = ctx.input_dims(0);
    const Dims& idx_dims = ctx.input_dims(1);
    const int r = static_cast<int>(data.size());
    const int q = static_cast<int>(idx_dims.size());
    const int b = batch_dims_;
    const int k = static_cast<int>(idx_dims[q - 1]);
    const int64_t batches = DimProduct(data, 0, b);
    const int64_t tuples_per_batch = DimProduct(idx_dims, b, q - 1);
    const int64_t slice = DimProduct(data, b + k, r);
    const int64_t batch_stride = DimProduct(data, b, r);
    const SmallInts strides = RowMajorStrides(data);
    const auto* indices = ctx.input<int64_t>(1);
    const size_t es = DTypeSize(ctx.input_dtype(0));
    const auto* src = static_cast<const char*>(ctx.input(0));
    auto* dst = static_cast<char*>(ctx.output(0));
    for (int64_t bi = 0; bi < batches; ++bi) {
      for (int64_t t = 0; t < tuples_per_batch; ++t) {
        const int64_t tuple = bi * tuples_per_batch + t;
        int64_t off = bi * batch_stride;
        for (int j = 0; j < k; ++j) {
          int64_t v;
          SEQRT_RETURN_IF_ERROR(
              ResolveIndex(where_, DType::kInt64, indices, tuple * k + j, data[b + j], b + j, &v));
          off += v * strides[b + j];
        }
        std::memcpy(dst + tuple * slice * es, src + off * es, slice * es);
      }
    }
    return absl::OkStatus();
  }

 private:
  std::string where_;
  int batch_dims_;
};

}  // namespace

void RegisterGatherNDOp(OpRegistry& registry) {
  OpSchema s;
  s.op_type = "GatherND";
  s.since_version = 11;
  s.min_inputs = 2;
  s.max_inputs = 2;
  s.infer = &InferGatherND;
  s.kernels = {&MakeKernel<GatherNDKernel>};
  registry.Register(std::move(s));
}

}  // namespace seqrt::ops::tensor
