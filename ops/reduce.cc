// Reductions: Reduce{Sum,Mean,Max,Min,Prod,L1,L2,LogSum,LogSumExp,SumSquare}, ArgMax, ArgMin.
// Shape functions live here; kernels in ops/reference/reduce.cc.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ops/dtype_dispatch.h"
#include "ops/reference/reduce.h"
#include "ops/registry.h"

namespace seqrt::ops {
namespace {

absl::Status CheckNumeric(const InferContext& ctx, DType dtype) {
  return VisitDType(
      dtype, [](auto) { return absl::OkStatus(); }, kNumericTypes, ctx.node().Describe());
}

template <ReduceKind K>
absl::Status InferReduce(InferContext& ctx) {
  const std::string where = ctx.node().Describe();
  SEQRT_ASSIGN_OR_RETURN(ReduceAttrs attrs, ParseReduceAttrs(ctx.node(), K));
  const DType dtype = ctx.input_dtype(0);
  SEQRT_RETURN_IF_ERROR(CheckNumeric(ctx, dtype));
  const graph::Shape& in = ctx.input_shape(0);
  if (!in.rank_known) {
    ctx.SetOutput(0, dtype, graph::Shape::UnknownRank());
    return absl::OkStatus();
  }
  const int rank = in.rank();
  if (rank > kMaxReduceRank) {
    return absl::UnimplementedError(
        absl::StrCat(where, ": rank ", rank, " is above the supported ", kMaxReduceRank));
  }

  std::vector<int64_t> axes = attrs.attr_axes;
  if (attrs.axes_from_input && ctx.has_input(1)) {
    if (ctx.input_dtype(1) != DType::kInt64) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": axes must be int64, got ",
                                                     std::string(DTypeName(ctx.input_dtype(1)))));
    }
    const Tensor* t = ctx.input_constant(1);
    if (t == nullptr) {
      // Which axes go away is only known at run time: keep what the rank tells us.
      const graph::Shape& axes_shape = ctx.input_shape(1);
      if (attrs.keepdims) {
        ctx.SetOutput(0, dtype, graph::Shape(std::vector<graph::Dim>(rank)));
      } else if (axes_shape.rank_known && axes_shape.rank() == 1 && axes_shape[0].known() &&
                 axes_shape[0].value() > 0) {
        ctx.SetOutput(0, dtype,
                      graph::Shape(std::vector<graph::Dim>(rank - axes_shape[0].value())));
      } else {
        ctx.SetOutput(0, dtype, graph::Shape::UnknownRank());
      }
      return absl::OkStatus();
    }
    if (t->dims().size() > 1) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": axes must be 1-D, got shape ",
                                                     DimsToString(t->dims())));
    }
    auto values = t->values<int64_t>();
    axes.assign(values.begin(), values.end());
  }

  if (attrs.noop_with_empty_axes && axes.empty()) {
    ctx.SetOutput(0, dtype, in);
    return absl::OkStatus();
  }
  SEQRT_ASSIGN_OR_RETURN(uint64_t mask, ReducedAxesMask(attrs, axes, rank, where));
  std::vector<graph::Dim> out;
  for (int i = 0; i < rank; ++i) {
    if (!((mask >> i) & 1)) out.push_back(in[i]);
    else if (attrs.keepdims) out.push_back(graph::Dim(1));
  }
  ctx.SetOutput(0, dtype, graph::Shape(std::move(out)));
  return absl::OkStatus();
}

template <bool kIsMax>
absl::Status InferArgReduce(InferContext& ctx) {
  const ArgReduceAttrs attrs = ParseArgReduceAttrs(ctx.node(), kIsMax);
  SEQRT_RETURN_IF_ERROR(CheckNumeric(ctx, ctx.input_dtype(0)));
  const graph::Shape& in = ctx.input_shape(0);
  if (!in.rank_known) {
    ctx.SetOutput(0, DType::kInt64, graph::Shape::UnknownRank());
    return absl::OkStatus();
  }
  if (in.rank() == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(ctx.node().Describe(), ": input must have rank >= 1, got a scalar"));
  }
  auto axis = graph::NormalizeAxis(attrs.axis, in.rank(), "axis");
  if (!axis.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(ctx.node().Describe(), ": ", axis.status().message()));
  }
  std::vector<graph::Dim> out;
  for (int i = 0; i < in.rank(); ++i) {
    if (i != *axis) out.push_back(in[i]);
    else if (attrs.keepdims) out.push_back(graph::Dim(1));
  }
  ctx.SetOutput(0, DType::kInt64, graph::Shape(std::move(out)));
  return absl::OkStatus();
}

template <ReduceKind K>
absl::StatusOr<std::unique_ptr<OpKernel>> MakeReduce(const graph::Node& node) {
  return MakeReduceKernel(node, K);
}

template <bool kIsMax>
absl::StatusOr<std::unique_ptr<OpKernel>> MakeArgReduce(const graph::Node& node) {
  return MakeArgReduceKernel(node, kIsMax);
}

template <ReduceKind K>
void RegisterReduce(OpRegistry& registry, const char* op_type) {
  OpSchema s;
  s.op_type = op_type;
  s.min_inputs = 1;
  s.max_inputs = 2;  // axes input from opset 13 (ReduceSum) / 18 (the others)
  s.infer = &InferReduce<K>;
  s.kernels = {&MakeReduce<K>};
  registry.Register(std::move(s));
}

template <bool kIsMax>
void RegisterArgReduce(OpRegistry& registry, const char* op_type) {
  OpSchema s;
  s.op_type = op_type;
  s.min_inputs = 1;
  s.max_inputs = 1;
  s.infer = &InferArgReduce<kIsMax>;
  s.kernels = {&MakeArgReduce<kIsMax>};
  registry.Register(std::move(s));
}

}  // namespace

void RegisterReduceOps(OpRegistry& registry) {
  RegisterReduce<ReduceKind::kSum>(registry, "ReduceSum");
  RegisterReduce<ReduceKind::kMean>(registry, "ReduceMean");
  RegisterReduce<ReduceKind::kMax>(registry, "ReduceMax");
  RegisterReduce<ReduceKind::kMin>(registry, "ReduceMin");
  RegisterReduce<ReduceKind::kProd>(registry, "ReduceProd");
  RegisterReduce<ReduceKind::kL1>(registry, "ReduceL1");
  RegisterReduce<ReduceKind::kL2>(registry, "ReduceL2");
  RegisterReduce<ReduceKind::kLogSum>(registry, "ReduceLogSum");
  RegisterReduce<ReduceKind::kLogSumExp>(registry, "ReduceLogSumExp");
  RegisterReduce<ReduceKind::kSumSquare>(registry, "ReduceSumSquare");
  RegisterArgReduce<true>(registry, "ArgMax");
  RegisterArgReduce<false>(registry, "ArgMin");
}

}  // namespace seqrt::ops
