// ScatterElements (and Scatter, its name before opset 11): a copy of `data` where each
// element of `updates` lands at its own position with the `axis` coordinate replaced by the
// matching index. Opset 16 adds reductions (add/mul), 18 max/min. Any dtype.
#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "ops/tensor/scatter_reduce.h"
#include "ops/tensor/tensor_index_ops.h"
#include "ops/tensor_util.h"

namespace seqrt::ops::tensor {
namespace {

absl::Status InferScatterElements(InferContext& ctx) {
  const graph::Node& node = ctx.node();
  SEQRT_RETURN_IF_ERROR(ParseScatterReduction(node).status());
  SEQRT_RETURN_IF_ERROR(CheckIndexDType(node, ctx.input_dtype(1), "indices"));
  if (ctx.input_dtype(2) != DType::kUndefined && ctx.input_dtype(2) != ctx.input_dtype(0)) {
    return NodeError(node, "updates must have the dtype of data");
  }
  const graph::Shape& data = ctx.input_shape(0);
  const graph::Shape& indices = ctx.input_shape(1);
  const graph::Shape& updates = ctx.input_shape(2);
  if (data.rank_known) {
    if (data.rank() == 0) return NodeError(node, "data must have rank >= 1, got a scalar");
    auto axis = graph::NormalizeAxis(node.attrs.GetInt("axis", 0), data.rank(), "axis");
    if (!axis.ok()) return WithNode(node, axis.status());
    if (indices.rank_known && indices.rank() != data.rank()) {
      return NodeError(node, absl::StrCat("indices ", indices.ToString(), " must have the rank of data ",
                                          data.ToString()));
    }
  }
  if (indices.rank_known && updates.rank_known) {
    bool same = indices.rank() == updates.rank();
    for (int d = 0; same && d < indices.rank(); ++d)
      if (indices[d].known() && updates[d].known() && indices[d].value() != updates[d].value()) same = false;
    if (!same) {
      return NodeError(node, absl::StrCat("updates ", updates.ToString(), " must have the shape of indices ",
                                          indices.ToString()));
    }
  }
  ctx.SetOutput(0, ctx.input_dtype(0), data);
  return absl::OkStatus();
}

class ScatterElementsKernel final : public OpKernel {
 public:
  explicit ScatterElementsKernel(const graph::Node& node)
      : where_(node.Describe()), axis_attr_(node.attrs.GetInt("axis", 0)) {
    auto r = ParseScatterReduction(node);
    if (r.ok()) reduction_ = *r;
    else status_ = r.status();
  }
  absl::Status init_status() const { return status_; }

  absl::Status Prepare(PrepareContext& ctx) override {
    const Dims& data = ctx.input_dims(0);
    const Dims& indices = ctx.input_dims(1);
    SEQRT_ASSIGN_OR_RETURN(axis_, graph::NormalizeAxis(axis_attr_, static_cast<int>(data.size())));
    if (indices != ctx.input_dims(2)) return NodeError(where_, "updates must have the shape of indices");
    for (size_t d = 0; d < data.size(); ++d) {
      if (static_cast<int>(d) != axis_ && indices[d] > data[d]) {
        return NodeError(where_, absl::StrCat("indices exceed data on dim ", d, " (", indices[d], " > ",
                                              data[d], ")"));
      }
    }
    inputs_.Prepare(ctx);
    return absl::OkStatus();
  }

  absl::Status Compute(ComputeContext& ctx) const override {
    const Dims& data = ctx.input_dims(0);
    const Dims& idx_dims = ctx.input_dims(1);
    const int rank = static_cast<int>(data.size());
    const int64_t n = NumElements(idx_dims);
    const DType index_type = ctx.input_dtype(1);
    // Before the output is written: it may be data's own buffer.
    const void* indices = inputs_.Stable(ctx, 1);
    const void* updates = inputs_.Stable(ctx, 2);
    const DType dtype = ctx.input_dtype(0);
    const size_t es = DTypeSize(dtype);
    if (ctx.output(0) != ctx.input(0)) std::memcpy(ctx.output(0), ctx.input(0), NumElements(data) * es);
    for (int64_t j = 0; j < n; ++j) {
      int64_t v;
      SEQRT_RETURN_IF_ERROR(ResolveIndex(where_, index_type, indices, j, data[axis_], axis_, &v));
    }
    const SmallInts strides = RowMajorStrides(data);
    return VisitDType(
        dtype,
        [&](auto tag) -> absl::Status {
          using T = decltype(tag);
          T* out = ctx.output<T>(0);
          const T* upd = static_cast<const T*>(updates);
          // Walk indices in row-major order, tracking the data offset of every coordinate but
          // the scattered axis.
          SmallInts pos(rank, 0);
          int64_t base = 0;
          for (int64_t j = 0; j < n; ++j) {
            int64_t v = IndexValue(index_type, indices, j);
            if (v < 0) v += data[axis_];
            ScatterCombine(reduction_, out + base + v * strides[axis_], upd[j]);
            for (int d = rank - 1; d >= 0; --d) {
              ++pos[d];
              if (d != axis_) base += strides[d];
              if (pos[d] < idx_dims[d]) break;
              if (d != axis_) base -= strides[d] * idx_dims[d];
              pos[d] = 0;
            }
          }
          return absl::OkStatus();
        },
        kAllTypes, where_);
  }

 private:
  std::string where_;
  int64_t axis_attr_;
  ScatterReduction reduction_ = ScatterReduction::kNone;
  absl::Status status_;
  int axis_ = 0;
  ScatterInputs inputs_;
};

}  // namespace

void RegisterScatterElementsOps(OpRegistry& registry) {
  for (const char* op : {"ScatterElements", "Scatter"}) {
    OpSchema s;
    s.op_type = op;
    s.since_version = std::string(op) == "Scatter" ? 9 : 11;
    if (std::string(op) == "Scatter") s.until_version = 10;
    s.min_inputs = 3;
    s.max_inputs = 3;
    s.infer = &InferScatterElements;
    s.kernels = {&MakeKernel<ScatterElementsKernel>};
    s.aliasing = Aliasing::kMayReuseInput;  // output into data's buffer (see scatter_reduce.h)
    registry.Register(std::move(s));
  }
}

}  // namespace seqrt::ops::tensor
