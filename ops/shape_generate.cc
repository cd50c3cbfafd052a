// Ops whose output size comes from input *values*: Expand (broadcast to a shape tensor),
// ConstantOfShape (fill a shape tensor's dims) and Range (count from start/limit/delta).
// When those values are unknown at load time the shape functions give the rank only and
// the runtime re-infers at run time.
#include <cmath>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "ops/dtype_dispatch.h"
#include "ops/shape_ops.h"
#include "ops/tensor_util.h"

namespace seqrt::ops {
namespace {

absl::StatusOr<std::vector<graph::Dim>> DimsFromValues(const graph::Node& node,
                                                       const std::vector<int64_t>& values,
                                                       std::string_view what) {
  std::vector<graph::Dim> dims;
  for (int64_t v : values) {
    if (v < 0) {
      return NodeError(node, absl::StrCat(std::string(what), " [", absl::StrJoin(values, ","),
                                          "] has a negative entry"));
    }
    dims.emplace_back(v);
  }
  return dims;
}

// ---- Expand ---------------------------------------------------------------------------

absl::Status InferExpand(InferContext& ctx) {
  const graph::Node& node = ctx.node();
  const graph::Shape& in = ctx.input_shape(0);
  SEQRT_ASSIGN_OR_RETURN(auto values, ConstantInts(ctx, 1, "shape"));
  if (!values) {
    auto len = KnownLength(ctx, 1);
    if (len && in.rank_known) {
      ctx.SetOutput(0, ctx.input_dtype(0),
                    graph::Shape(std::vector<graph::Dim>(std::max<int64_t>(*len, in.rank()))));
    } else {
      ctx.SetOutput(0, ctx.input_dtype(0), graph::Shape::UnknownRank());
    }
    return absl::OkStatus();
  }
  SEQRT_ASSIGN_OR_RETURN(std::vector<graph::Dim> target, DimsFromValues(node, *values, "shape"));
  auto out = graph::BroadcastShapes({in, graph::Shape(std::move(target))});
  if (!out.ok()) return WithNode(node, out.status());
  ctx.SetOutput(0, ctx.input_dtype(0), *std::move(out));
  return absl::OkStatus();
}

class ExpandKernel : public OpKernel {
 public:
  explicit ExpandKernel(const graph::Node&) {}

  absl::Status Compute(ComputeContext& ctx) const override {
    const Dims& in = ctx.input_dims(0);
    const Dims& out = ctx.output_dims(0);
    const int rank = static_cast<int>(out.size());
    const int offset = rank - static_cast<int>(in.size());
    // Input strides aligned to the output's trailing dims; 0 where the input broadcasts.
    SmallInts src_strides(rank, 0);
    int64_t s = 1;
    for (int i = static_cast<int>(in.size()) - 1; i >= 0; --i) {
      src_strides[offset + i] = in[i] == 1 ? 0 : s;
      s *= in[i];
    }
    SmallInts dims(out.begin(), out.end());
    StridedCopy(ctx.output(0), RowMajorStrides(dims), ctx.input(0), src_strides, dims,
                DTypeSize(ctx.input_dtype(0)));
    return absl::OkStatus();
  }
};

// ---- ConstantOfShape --------------------------------------------------------------------

// The fill value: the 'value' attribute (one element of any dtype), default float 0.
absl::StatusOr<Tensor> FillValue(const graph::Node& node) {
  if (!node.attrs.Has("value")) return Tensor(DType::kFloat, {1});
  auto t = node.attrs.GetTensor("value");
  if (!t.ok()) return WithNode(node, t.status());
  if ((*t)->num_elements() != 1) {
    return NodeError(node, absl::StrCat("the 'value' attribute must hold one element, got ",
                                        (*t)->num_elements()));
  }
  if (!IsSupportedDType((*t)->dtype())) {
    return absl::UnimplementedError(absl::StrCat(node.Describe(), ": value dtype ",
                                                 std::string(DTypeName((*t)->dtype())),
                                                 " is not supported"));
  }
  return **t;
}

absl::Status InferConstantOfShape(InferContext& ctx) {
  const graph::Node& node = ctx.node();
  SEQRT_ASSIGN_OR_RETURN(Tensor value, FillValue(node));
  SEQRT_ASSIGN_OR_RETURN(auto values, ConstantInts(ctx, 0, "input shape"));
  if (!values) {
    auto len = KnownLength(ctx, 0);
    ctx.SetOutput(0, value.dtype(),
                  len ? graph::Shape(std::vector<graph::Dim>(*len)) : graph::Shape::UnknownRank());
    return absl::OkStatus();
  }
  SEQRT_ASSIGN_OR_RETURN(std::vector<graph::Dim> dims, DimsFromValues(node, *values, "shape"));
  ctx.SetOutput(0, value.dtype(), graph::Shape(std::move(dims)));
  return absl::OkStatus();
}

class ConstantOfShapeKernel : public OpKernel {
 public:
  explicit ConstantOfShapeKernel(const graph::Node& node) {
    auto value = FillValue(node);
    if (!value.ok()) {
      status_ = value.status();
      return;
    }
    elem_size_ = DTypeSize(value->dtype());
    std::memcpy(value_, value->raw_data(), elem_size_);
  }
  absl::Status init_status() const { return status_; }

  absl::Status Compute(ComputeContext& ctx) const override {
    const int64_t n = NumElements(ctx.output_dims(0));
    const int64_t dims[] = {n};
    const int64_t dst_strides[] = {1};
    const int64_t src_strides[] = {0};
    StridedCopy(ctx.output(0), dst_strides, value_, src_strides, dims, elem_size_);
    return absl::OkStatus();
  }

 private:
  absl::Status status_;
  size_t elem_size_ = 0;
  alignas(8) unsigned char value_[8] = {};
};

// ---- Range ------------------------------------------------------------------------------

constexpr unsigned kRangeTypes = kFloatTypes | kSignedInts;

// max(ceil((limit - start) / delta), 0), exact for integers.
template <typename T>
absl::StatusOr<int64_t> RangeCount(const graph::Node& node, T start, T limit, T delta) {
  if (delta == T(0)) return NodeError(node, "delta must not be 0");
  if constexpr (std::is_integral_v<T>) {
    int64_t diff;
    if (__builtin_sub_overflow(static_cast<int64_t>(limit), static_cast<int64_t>(start), &diff))
      return NodeError(node, "limit - start overflows int64");
    const int64_t d = delta;
    if (d > 0) return diff <= 0 ? 0 : 1 + (diff - 1) / d;  // forms that cannot overflow
    return diff >= 0 ? 0 : 1 + (diff + 1) / d;
  } else {
    const double n = std::ceil((static_cast<double>(limit) - static_cast<double>(start)) /
                               static_cast<double>(delta));
    if (!(n > 0)) return 0;  // also catches NaN
    if (n > 1e15) return NodeError(node, "the range has too many elements");
    return static_cast<int64_t>(n);
  }
}

absl::Status CheckRangeInputs(const InferContext& ctx) {
  const DType dtype = ctx.input_dtype(0);
  for (int i = 0; i < 3; ++i) {
    if (ctx.input_dtype(i) != dtype) {
      return NodeError(ctx.node(), absl::StrCat("start, limit and delta must share a dtype, got ",
                                                std::string(DTypeName(ctx.input_dtype(0))), ", ",
                                                std::string(DTypeName(ctx.input_dtype(1))), ", ",
                                                std::string(DTypeName(ctx.input_dtype(2)))));
    }
    const graph::Shape& s = ctx.input_shape(i);
    if (s.rank_known && !(s.rank() == 0 || (s.rank() == 1 && s[0].known() && s[0].value() == 1))) {
      return NodeError(ctx.node(), absl::StrCat("input ", i, " must be a scalar, got shape ",
                                                s.ToString()));
    }
  }
  return absl::OkStatus();
}

absl::Status InferRange(InferContext& ctx) {
  SEQRT_RETURN_IF_ERROR(CheckRangeInputs(ctx));
  const DType dtype = ctx.input_dtype(0);
  const Tensor* start = ctx.input_constant(0);
  const Tensor* limit = ctx.input_constant(1);
  const Tensor* delta = ctx.input_constant(2);
  graph::Dim n;
  if (start && limit && delta) {
    SEQRT_RETURN_IF_ERROR(VisitDType(
        dtype,
        [&](auto tag) -> absl::Status {
          using T = decltype(tag);
          if constexpr (std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>) {
            return absl::UnimplementedError(
                absl::StrCat(ctx.node().Describe(), ": Range does not support 16-bit floats"));
          } else {
            SEQRT_ASSIGN_OR_RETURN(int64_t count,
                                   RangeCount<T>(ctx.node(), start->data_as<T>()[0],
                                                 limit->data_as<T>()[0], delta->data_as<T>()[0]));
            n = graph::Dim(count);
            return absl::OkStatus();
          }
        },
        kRangeTypes, "Range"));
  } else if (dtype != DType::kUndefined) {
    SEQRT_RETURN_IF_ERROR(VisitDType(
        dtype, [](auto) { return absl::OkStatus(); }, kRangeTypes, "Range"));
  }
  ctx.SetOutput(0, dtype, graph::Shape({n}));
  return absl::OkStatus();
}

class RangeKernel : public OpKernel {
 public:
  explicit RangeKernel(const graph::Node&) {}
  absl::Status Compute(ComputeContext& ctx) const override {
    const int64_t n = NumElements(ctx.output_dims(0));
    return VisitDType(
        ctx.output_dtype(0),
        [&](auto tag) -> absl::Status {
          using T = decltype(tag);
          if constexpr (std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>) {
            return absl::UnimplementedError("Range does not support 16-bit floats");
          } else {
            const T start = *ctx.input<T>(0);
            const T delta = *ctx.input<T>(2);
            T* out = ctx.output<T>(0);
            for (int64_t i = 0; i < n; ++i) out[i] = static_cast<T>(start + static_cast<T>(i) * delta);
            return absl::OkStatus();
          }
        },
        kRangeTypes, "Range");
  }
};

}  // namespace

void RegisterShapeGenerateOps(OpRegistry& registry) {
  registry.Register(OpSchema{.domain = "",
                             .op_type = "Expand",
                             .since_version = 8,
                             .min_inputs = 2,
                             .max_inputs = 2,
                             .infer = InferExpand,
                             .kernels = {MakeKernel<ExpandKernel>}});
  registry.Register(OpSchema{.domain = "",
                             .op_type = "ConstantOfShape",
                             .since_version = 9,
                             .min_inputs = 1,
                             .max_inputs = 1,
                             .infer = InferConstantOfShape,
                             .kernels = {MakeKernel<ConstantOfShapeKernel>}});
  registry.Register(OpSchema{.domain = "",
                             .op_type = "Range",
                             .since_version = 11,
                             .min_inputs = 3,
                             .max_inputs = 3,
                             .infer = InferRange,
                             .kernels = {MakeKernel<RangeKernel>}});
}

}  // namespace seqrt::ops
