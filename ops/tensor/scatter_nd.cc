// ScatterND: a copy of `data` with slices replaced (or combined, opset 16+) at the positions
// the last axis of `indices` names. What `x[:, i] = y` exports to. Any dtype; duplicate
// positions apply in index order, which the spec leaves open for reduction none. May run in
// place (scatter_reduce.h).
#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "ops/tensor/scatter_reduce.h"
#include "ops/tensor/tensor_index_ops.h"
#include "ops/tensor_util.h"

namespace seqrt::ops::tensor {
namespace {

absl::Status InferScatterND(InferContext& ctx) {
  const graph::Node& node = ctx.node();
  SEQRT_RETURN_IF_ERROR(ParseScatterReduction(node).status());
  const DType indices_type = ctx.input_dtype(1);
  if (indices_type != DType::kInt64 && indices_type != DType::kUndefined) {
    return NodeError(node, absl::StrCat("indices must be int64, got ", std::string(DTypeName(indices_type))));
  }
  if (ctx.input_dtype(2) != DType::kUndefined && ctx.input_dtype(2) != ctx.input_dtype(0)) {
    return NodeError(node, "updates must have the dtype of data");
  }
  const graph::Shape& data = ctx.input_shape(0);
  const graph::Shape& indices = ctx.input_shape(1);
  const graph::Shape& updates = ctx.input_shape(2);
  if (data.rank_known && indices.rank_known && indices.rank() >= 1 &&
      indices[indices.rank() - 1].known()) {
    const int q = indices.rank();
    const int64_t k = indices[q - 1].value();
    if (k > data.rank()) {
      return NodeError(node, absl::StrCat("indices ", indices.ToString(), " index ", k,
                                          " axes, but data ", data.ToString(), " has ", data.rank()));
    }
    const int want_rank = q - 1 + data.rank() - static_cast<int>(k);
    if (updates.rank_known && updates.rank() != want_rank) {
      return NodeError(node, absl::StrCat("updates ", updates.ToString(), " must have rank ", want_rank,
                                          " for data ", data.ToString(), " and indices ",
                                          indices.ToString()));
    }
  }
  if (indices.rank_known && indices.rank() == 0) return NodeError(node, "indices must have rank >= 1");
  ctx.SetOutput(0, ctx.input_dtype(0), data);
  return absl::OkStatus();
}

class ScatterNDKernel final : public OpKernel {
 public:
  explicit ScatterNDKernel(const graph::Node& node) : where_(node.Describe()) {
    auto r = ParseScatterReduction(node);
    if (r.ok()) reduction_ = *r;
    else status_ = r.status();
  }
  absl::Status init_status() const { return status_; }

  absl::Status Prepare(PrepareContext& ctx) override {
    const Dims& data = ctx.input_dims(0);
    const Dims& indices = ctx.input_dims(1);
    const Dims& updates = ctx.input_dims(2);
    const int q = static_cast<int>(indices.size());
    const int64_t k = indices[q - 1];
    if (k > static_cast<int64_t>(data.size())) return NodeError(where_, "indices index more axes than data has");
    Dims want(indices.begin(), indices.end() - 1);
    want.insert(want.end(), data.begin() + k, data.end());
    if (want != updates) {
      return NodeError(where_, absl::StrCat("updates have shape ", graph::Shape::FromDims(updates).ToString(),
                                            ", expected ", graph::Shape::FromDims(want).ToString()));
    }
    inputs_.Prepare(ctx);
    return absl::OkStatus();
  }

  absl::Status Compute(ComputeContext& ctx) const override {
    const Dims& data = ctx.input_dims(0);
    const Dims& idx_dims = ctx.input_dims(1);
    const int r = static_cast<int>(data.size());
    const int q = static_cast<int>(idx_dims.size());
    const int k = static_cast<int>(idx_dims[q - 1]);
    const int64_t tuples = DimProduct(idx_dims, 0, q - 1);
    const int64_t slice = DimProduct(data, k, r);
    const SmallInts strides = RowMajorStrides(data);
    // Before the output is written: it may be data's own buffer.
    const auto* indices = static_cast<const int64_t*>(inputs_.Stable(ctx, 1));
    const void* updates = inputs_.Stable(ctx, 2);
    const DType dtype = ctx.input_dtype(0);
    const size_t es = DTypeSize(dtype);
    if (ctx.output(0) != ctx.input(0)) std::memcpy(ctx.output(0), ctx.input(0), NumElements(data) * es);
    // Offsets first, so a bad index leaves nothing half-written behind an error.
    for (int64_t t = 0; t < tuples; ++t) {
      for (int j = 0; j < k; ++j) {
        int64_t v;
        SEQRT_RETURN_IF_ERROR(ResolveIndex(where_, DType::kInt64, indices, t * k + j, data[j], j, &v));
      }
    }
    auto offset_of = [&](int64_t t) {
      int64_t off = 0;
      for (int j = 0; j < k; ++j) {
        int64_t v = indices[t * k + j];
        if (v < 0) v += data[j];
        off += v * strides[j];
      }
      return off;
    };
    if (reduction_ == ScatterReduction::kNone) {
      auto* out = static_cast<char*>(ctx.output(0));
      const auto* upd = static_cast<const char*>(updates);
      for (int64_t t = 0; t < tuples; ++t)
        std::memcpy(out + offset_of(t) * es, upd + t * slice * es, slice * es);
      return absl::OkStatus();
    }
    return VisitDType(
        dtype,
        [&](auto tag) -> absl::Status {
          using T = decltype(tag);
          T* out = ctx.output<T>(0);
          const T* upd = static_cast<const T*>(updates);
          for (int64_t t = 0; t < tuples; ++t) {
            T* dst = out + offset_of(t);
            const T* src = upd + t * slice;
            for (int64_t e = 0; e < slice; ++e) ScatterCombine(reduction_, dst + e, src[e]);
          }
          return absl::OkStatus();
        },
        kAllTypes, where_);
  }

 private:
  std::string where_;
  ScatterReduction reduction_ = ScatterReduction::kNone;
  absl::Status status_;
  ScatterInputs inputs_;
};

}  // namespace

void RegisterScatterNDOp(OpRegistry& registry) {
  OpSchema s;
  s.op_type = "ScatterND";
  s.since_version = 11;
  s.min_inputs = 3;
  s.max_inputs = 3;
  s.infer = &InferScatterND;
  s.kernels = {&MakeKernel<ScatterNDKernel>};
  s.aliasing = Aliasing::kMayReuseInput;  // output into data's buffer (see scatter_reduce.h)
  registry.Register(std::move(s));
}

}  // namespace seqrt::ops::tensor
