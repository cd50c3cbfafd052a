// Gather (whole slices along an axis, picked by an index tensor) and GatherElements (one
// element per index, same rank as the data). Indices may be int32 or int64 and negative
// (counting from the back, opset 11+); out-of-range indices are an error, not a crash.
#include <cstring>

#include "absl/strings/str_cat.h"
#include "ops/tensor_ops.h"
#include "ops/tensor_util.h"

namespace seqrt::ops {
namespace {

absl::Status CheckIndexDType(const InferContext& ctx, int i) {
  const DType t = ctx.input_dtype(i);
  if (t == DType::kInt32 || t == DType::kInt64 || t == DType::kUndefined) return absl::OkStatus();
  return NodeError(ctx.node(), absl::StrCat("indices must be int32 or int64, got ",
                                            std::string(DTypeName(t))));
}

// Index `i` of an int32/int64 buffer, made non-negative against `dim`; -1 when out of range.
inline int64_t IndexAt(DType dtype, const void* data, int64_t i, int64_t dim) {
  int64_t v = dtype == DType::kInt64 ? static_cast<const int64_t*>(data)[i]
                                     : static_cast<const int32_t*>(data)[i];
  if (v < 0) v += dim;
  return v >= 0 && v < dim ? v : -1;
}

absl::Status IndexError(std::string_view where, DType dtype, const void* data, int64_t i,
                        int64_t dim, int axis) {
  const int64_t v = dtype == DType::kInt64 ? static_cast<const int64_t*>(data)[i]
                                           : static_cast<const int32_t*>(data)[i];
  return NodeError(where, absl::StrCat("index ", v, " is out of range for axis ", axis,
                                       " of size ", dim));
}

// ---- Gather ---------------------------------------------------------------------------

absl::Status InferGather(InferContext& ctx) {
  const graph::Node& node = ctx.node();
  SEQRT_RETURN_IF_ERROR(CheckIndexDType(ctx, 1));
  const graph::Shape& data = ctx.input_shape(0);
  const graph::Shape& indices = ctx.input_shape(1);
  const DType dtype = ctx.input_dtype(0);
  if (!data.rank_known || !indices.rank_known) {
    ctx.SetOutput(0, dtype, graph::Shape::UnknownRank());
    return absl::OkStatus();
  }
  if (data.rank() == 0) return NodeError(node, "data must have rank >= 1, got a scalar");
  auto axis = graph::NormalizeAxis(node.attrs.GetInt("axis", 0), data.rank(), "axis");
  if (!axis.ok()) return WithNode(node, axis.status());
  std::vector<graph::Dim> out(data.dims.begin(), data.dims.begin() + *axis);
  out.insert(out.end(), indices.dims.begin(), indices.dims.end());
  out.insert(out.end(), data.dims.begin() + *axis + 1, data.dims.end());
  ctx.SetOutput(0, dtype, graph::Shape(std::move(out)));
  return absl::OkStatus();
}

class GatherKernel : public OpKernel {
 public:
  explicit GatherKernel(const graph::Node& node)
      : where_(node.Describe()), axis_(node.attrs.GetInt("axis", 0)) {}

  absl::Status Compute(ComputeContext& ctx) const override {
    const Dims& data = ctx.input_dims(0);
    const int rank = static_cast<int>(data.size());
    const int axis = static_cast<int>(axis_ < 0 ? axis_ + rank : axis_);
    const int64_t dim = data[axis];
    const int64_t outer = DimProduct(data, 0, axis);
    const int64_t n = NumElements(ctx.input_dims(1));
    const DType index_type = ctx.input_dtype(1);
    const void* indices = ctx.input(1);
    for (int64_t j = 0; j < n; ++j)
      if (IndexAt(index_type, indices, j, dim) < 0)
        return IndexError(where_, index_type, indices, j, dim, axis);

    const size_t elem = DTypeSize(ctx.input_dtype(0));
    const int64_t inner = DimProduct(data, axis + 1, rank);
    const auto* src = static_cast<const char*>(ctx.input(0));
    auto* dst = static_cast<char*>(ctx.output(0));
    if (n == 0 || inner == 0) return absl::OkStatus();
    VisitElementSize(elem, [&](auto tag) {
      using E = decltype(tag);
      for (int64_t o = 0; o < outer; ++o) {
        for (int64_t j = 0; j < n; ++j) {
          const int64_t k = IndexAt(index_type, indices, j, dim);
          const E* from = reinterpret_cast<const E*>(src) + (o * dim + k) * inner;
          E* to = reinterpret_cast<E*>(dst) + (o * n + j) * inner;
          if (inner == 1) *to = *from;  // gathering single elements: skip memcpy's overhead
          else std::memcpy(to, from, inner * sizeof(E));
        }
      }
    });
    return absl::OkStatus();
  }

 private:
  std::string where_;
  int64_t axis_;
};

// ---- GatherElements -------------------------------------------------------------------

absl::Status InferGatherElements(InferContext& ctx) {
  const graph::Node& node = ctx.node();
  SEQRT_RETURN_IF_ERROR(CheckIndexDType(ctx, 1));
  const graph::Shape& data = ctx.input_shape(0);
  const graph::Shape& indices = ctx.input_shape(1);
  const DType dtype = ctx.input_dtype(0);
  if (data.rank_known && indices.rank_known) {
    if (data.rank() != indices.rank()) {
      return NodeError(node, absl::StrCat("indices ", indices.ToString(),
                                          " must have the rank of data ", data.ToString()));
    }
    if (data.rank() == 0) return NodeError(node, "data must have rank >= 1, got a scalar");
    auto axis = graph::NormalizeAxis(node.attrs.GetInt("axis", 0), data.rank(), "axis");
    if (!axis.ok()) return WithNode(node, axis.status());
    for (int d = 0; d < data.rank(); ++d) {
      if (d != *axis && data[d].known() && indices[d].known() &&
          indices[d].value() > data[d].value()) {
        return NodeError(node, absl::StrCat("indices ", indices.ToString(), " exceed data ",
                                            data.ToString(), " on dim ", d));
      }
    }
  }
  ctx.SetOutput(0, dtype, indices);
  return absl::OkStatus();
}

class GatherElementsKernel : public OpKernel {
 public:
  explicit GatherElementsKernel(const graph::Node& node)
      : where_(node.Describe()), axis_(node.attrs.GetInt("axis", 0)) {}

  absl::Status Compute(ComputeContext& ctx) const override {
    const Dims& data = ctx.input_dims(0);
    const Dims& idx_dims = ctx.input_dims(1);
    const int rank = static_cast<int>(data.size());
    const int axis = static_cast<int>(axis_ < 0 ? axis_ + rank : axis_);
    const int64_t dim = data[axis];
    const int64_t n = NumElements(idx_dims);
    const DType index_type = ctx.input_dtype(1);
    const void* indices = ctx.input(1);
    if (n == 0) return absl::OkStatus();
    for (int64_t j = 0; j < n; ++j)
      if (IndexAt(index_type, indices, j, dim) < 0)
        return IndexError(where_, index_type, indices, j, dim, axis);

    const SmallInts strides = RowMajorStrides(data);
    VisitElementSize(DTypeSize(ctx.input_dtype(0)), [&](auto tag) {
      using E = decltype(tag);
      const E* src = ctx.input<E>(0);
      E* dst = ctx.output<E>(0);
      // Walk the indices in row-major order, tracking the data offset of every coordinate
      // except the gathered axis.
      SmallInts pos(rank, 0);
      int64_t base = 0;
      for (int64_t j = 0; j < n; ++j) {
        dst[j] = src[base + IndexAt(index_type, indices, j, dim) * strides[axis]];
        for (int d = rank - 1; d >= 0; --d) {
          ++pos[d];
          if (d != axis) base += strides[d];
          if (pos[d] < idx_dims[d]) break;
          if (d != axis) base -= strides[d] * idx_dims[d];
          pos[d] = 0;
        }
      }
    });
    return absl::OkStatus();
  }

 private:
  std::string where_;
  int64_t axis_;
};

}  // namespace

void RegisterGatherOps(OpRegistry& registry) {
  registry.Register(OpSchema{.domain = "",
                             .op_type = "Gather",
                             .since_version = 1,
                             .min_inputs = 2,
                             .max_inputs = 2,
                             .infer = InferGather,
                             .kernels = {MakeKernel<GatherKernel>}});
  registry.Register(OpSchema{.domain = "",
                             .op_type = "GatherElements",
                             .since_version = 11,
                             .min_inputs = 2,
                             .max_inputs = 2,
                             .infer = InferGatherElements,
                             .kernels = {MakeKernel<GatherElementsKernel>}});
}

}  // namespace seqrt::ops
