// Unique: the distinct elements (or, with `axis`, the distinct slices along it) with the
// index of each one's first occurrence, the inverse mapping and the counts, as numpy.unique.
// sorted=1 (default) orders them ascending (slices lexicographically), sorted=0 by first
// occurrence. Any dtype but strings (bool orders false < true). Output sizes are known only
// from the data: the kernel allocates its outputs.
#include <algorithm>
#include <numeric>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ops/dtype_dispatch.h"
#include "ops/elementwise_common.h"
#include "ops/tensor/tensor_index_ops.h"
#include "ops/tensor_util.h"
#include "ops/tensors_as_values.h"

namespace seqrt::ops::tensor {
namespace {

absl::Status InferUnique(InferContext& ctx) {
  const graph::Node& node = ctx.node();
  SEQRT_RETURN_IF_ERROR(CheckInputDType(ctx, 0, kAllTypes));
  const graph::Shape& x = ctx.input_shape(0);
  const DType dtype = ctx.input_dtype(0);
  const graph::Shape one_unknown({graph::Dim()});
  if (!node.attrs.Has("axis")) {
    ctx.SetOutput(0, dtype, one_unknown);
    ctx.SetOutput(2, DType::kInt64, graph::Shape({x.rank_known ? DimProduct(x, 0, x.rank()) : graph::Dim()}));
  } else if (x.rank_known) {
    auto axis = graph::NormalizeAxis(node.attrs.GetInt("axis", 0), x.rank(), "axis");
    if (!axis.ok()) return WithNode(node, axis.status());
    graph::Shape y = x;
    y[*axis] = graph::Dim();
    ctx.SetOutput(0, dtype, y);
    ctx.SetOutput(2, DType::kInt64, graph::Shape({x[*axis]}));
  } else {
    ctx.SetOutput(0, dtype, graph::Shape::UnknownRank());
    ctx.SetOutput(2, DType::kInt64, one_unknown);
  }
  ctx.SetOutput(1, DType::kInt64, one_unknown);
  ctx.SetOutput(3, DType::kInt64, one_unknown);
  return absl::OkStatus();
}

class UniqueKernel final : public OpKernel {
 public:
  explicit UniqueKernel(const graph::Node& node)
      : where_(node.Describe()),
        has_axis_(node.attrs.Has("axis")),
        axis_attr_(node.attrs.GetInt("axis", 0)),
        sorted_(node.attrs.GetInt("sorted", 1) != 0) {}

  absl::Status Compute(ComputeContext&) const override {
    return absl::InternalError("Unique runs through ComputeWithOutputs");
  }

  absl::StatusOr<std::vector<Value>> ComputeWithOutputs(ComputeContext& ctx) const override {
    const Dims& x = ctx.input_dims(0);
    Dims view = {NumElements(x)};  // without axis: the flattened input, one element per slice
    int axis = 0;
    if (has_axis_) {
      auto a = graph::NormalizeAxis(axis_attr_, static_cast<int>(x.size()), "axis");
      if (!a.ok()) return NodeError(where_, std::string(a.status().message()));
      axis = *a;
      view = x;
    }
    // Slice j along the axis is the elements [o, j, i] for every outer o and inner i.
    const int64_t n = view[axis];
    const int64_t outer = DimProduct(view, 0, axis);
    const int64_t inner = DimProduct(view, axis + 1, static_cast<int>(view.size()));
    std::vector<Tensor> out(4);
    SEQRT_RETURN_IF_ERROR(VisitDType(
        ctx.input_dtype(0),
        [&](auto tag) -> absl::Status {
          using T = decltype(tag);
          using C = ComputeType<T>;
          const T* data = ctx.input<T>(0);
          auto at = [&](int64_t j, int64_t o, int64_t i) {
            return static_cast<C>(data[(o * n + j) * inner + i]);
          };
          // -1, 0, 1 as slice a is below, equal to or above slice b (row-major lexicographic).
          auto compare = [&](int64_t a, int64_t b) {
            for (int64_t o = 0; o < outer; ++o)
              for (int64_t i = 0; i < inner; ++i) {
                const C va = at(a, o, i), vb = at(b, o, i);
                if (va < vb) return -1;
                if (vb < va) return 1;
              }
            return 0;
          };
          std::vector<int64_t> order(n);
          std::iota(order.begin(), order.end(), int64_t{0});
          std::stable_sort(order.begin(), order.end(),
                           [&](int64_t a, int64_t b) { return compare(a, b) < 0; });
          // Groups of equal slices; stable sorting puts each group's first occurrence first.
          std::vector<int64_t> first, count, group_of(n);
          for (int64_t k = 0; k < n; ++k) {
            if (k == 0 || compare(order[k - 1], order[k]) != 0) {
              first.push_back(order[k]);
              count.push_back(0);
            }
            ++count.back();
            group_of[order[k]] = static_cast<int64_t>(first.size()) - 1;
          }
          const int64_t u = static_cast<int64_t>(first.size());
          // Output position of each group: sorted order, or order of first occurrence.
          std::vector<int64_t> rank(u);
          std::iota(rank.begin(), rank.end(), int64_t{0});
          if (!sorted_) {
            std::vector<int64_t> by_first(u);
            std::iota(by_first.begin(), by_first.end(), int64_t{0});
            std::sort(by_first.begin(), by_first.end(),
                      [&](int64_t a, int64_t b) { return first[a] < first[b]; });
            for (int64_t p = 0; p < u; ++p) rank[by_first[p]] = p;
          }
          Dims y_dims = view;
          y_dims[axis] = u;
          out[0] = Tensor(ctx.input_dtype(0), y_dims);
          out[1] = Tensor(DType::kInt64, Dims{u});
          out[2] = Tensor(DType::kInt64, Dims{n});
          out[3] = Tensor(DType::kInt64, Dims{u});
          T* y = out[0].data_as<T>();
          int64_t* indices = out[1].data_as<int64_t>();
          int64_t* inverse = out[2].data_as<int64_t>();
          int64_t* counts = out[3].data_as<int64_t>();
          for (int64_t g = 0; g < u; ++g) {
            const int64_t p = rank[g];
            indices[p] = first[g];
            counts[p] = count[g];
            for (int64_t o = 0; o < outer; ++o)
              for (int64_t i = 0; i < inner; ++i)
                y[(o * u + p) * inner + i] = data[(o * n + first[g]) * inner + i];
          }
          for (int64_t j = 0; j < n; ++j) inverse[j] = rank[group_of[j]];
          return absl::OkStatus();
        },
        kAllTypes, where_));
    return TensorsAsValues(std::move(out));
  }

 private:
  std::string where_;
  bool has_axis_;
  int64_t axis_attr_;
  bool sorted_;
};

}  // namespace

void RegisterUniqueOp(OpRegistry& registry) {
  OpSchema s;
  s.op_type = "Unique";
  s.since_version = 11;
  s.min_inputs = 1;
  s.max_inputs = 1;
  s.infer = &InferUnique;
  s.kernels = {&MakeKernel<UniqueKernel>};
  s.allocates_outputs = true;
  registry.Register(std::move(s));
}

}  // namespace seqrt::ops::tensor
