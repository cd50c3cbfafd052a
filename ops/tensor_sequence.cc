// Ops that walk one axis in order: ReverseSequence (reverse the first seq_len[b] steps of
// each batch entry) and CumSum (running sums, optionally exclusive and/or reversed).
#include <cstring>

#include "absl/strings/str_cat.h"
#include "ops/dtype_dispatch.h"
#include "ops/tensor_ops.h"
#include "ops/tensor_util.h"

namespace seqrt::ops {
namespace {

// ---- ReverseSequence ------------------------------------------------------------------

struct ReverseAxes {
  int batch_axis = 1;
  int time_axis = 0;
};

absl::StatusOr<ReverseAxes> ParseReverseAxes(const graph::Node& node) {
  ReverseAxes a;
  const int64_t b = node.attrs.GetInt("batch_axis", 1), t = node.attrs.GetInt("time_axis", 0);
  if (!((b == 0 && t == 1) || (b == 1 && t == 0))) {
    return NodeError(node, absl::StrCat("batch_axis and time_axis must be 0 and 1 in some order, got ",
                                        b, " and ", t));
  }
  a.batch_axis = static_cast<int>(b);
  a.time_axis = static_cast<int>(t);
  return a;
}

absl::Status InferReverseSequence(InferContext& ctx) {
  const graph::Node& node = ctx.node();
  SEQRT_ASSIGN_OR_RETURN(ReverseAxes axes, ParseReverseAxes(node));
  const graph::Shape& in = ctx.input_shape(0);
  const graph::Shape& lens = ctx.input_shape(1);
  const DType lens_type = ctx.input_dtype(1);
  if (lens_type != DType::kInt64 && lens_type != DType::kInt32 && lens_type != DType::kUndefined) {
    return NodeError(node, absl::StrCat("sequence_lens must be int64, got ",
                                        std::string(DTypeName(lens_type))));
  }
  if (in.rank_known && in.rank() < 2)
    return NodeError(node, absl::StrCat("input must have rank >= 2, got ", in.ToString()));
  if (lens.rank_known && lens.rank() != 1)
    return NodeError(node, absl::StrCat("sequence_lens must be 1-D, got ", lens.ToString()));
  if (in.rank_known && lens.rank_known) {
    const graph::Dim& batch = in[axes.batch_axis];
    if (batch.known() && lens[0].known() && batch.value() != lens[0].value()) {
      return NodeError(node, absl::StrCat("sequence_lens has ", lens[0].value(),
                                          " entries but the batch dim of input ", in.ToString(),
                                          " is ", batch.value()));
    }
  }
  ctx.SetOutput(0, ctx.input_dtype(0), in);
  return absl::OkStatus();
}

class ReverseSequenceKernel : public OpKernel {
 public:
  explicit ReverseSequenceKernel(const graph::Node& node)
      : where_(node.Describe()), axes_(ParseReverseAxes(node).value_or(ReverseAxes{})) {}

  absl::Status Compute(ComputeContext& ctx) const override {
    const Dims& in = ctx.input_dims(0);
    const int64_t batch = in[axes_.batch_axis], steps = in[axes_.time_axis];
    const size_t row = DimProduct(in, 2, static_cast<int>(in.size())) * DTypeSize(ctx.input_dtype(0));
    SmallInts lens;
    SEQRT_RETURN_IF_ERROR(InputInts(where_, ctx, 1, "sequence_lens", &lens));
    for (int64_t b = 0; b < batch; ++b) {
      if (lens[b] < 0 || lens[b] > steps) {
        return NodeError(where_, absl::StrCat("sequence_lens[", b, "] = ", lens[b],
                                              " is outside [0, ", steps, "]"));
      }
    }
    // Byte offset of (batch b, time t).
    auto offset = [&](int64_t b, int64_t t) {
      return (axes_.batch_axis == 0 ? b * steps + t : t * batch + b) * row;
    };
    const auto* src = static_cast<const char*>(ctx.input(0));
    auto* dst = static_cast<char*>(ctx.output(0));
    if (row == 0) return absl::OkStatus();
    for (int64_t b = 0; b < batch; ++b) {
      for (int64_t t = 0; t < steps; ++t) {
        const int64_t from = t < lens[b] ? lens[b] - 1 - t : t;
        std::memcpy(dst + offset(b, t), src + offset(b, from), row);
      }
    }
    return absl::OkStatus();
  }

 private:
  std::string where_;
  ReverseAxes axes_;
};

// ---- CumSum ---------------------------------------------------------------------------

// CumSum-11 covers float, double, int32/64, uint32/64; CumSum-14 adds the 16-bit floats.
constexpr unsigned kCumSumTypes = kFloatTypes | kSignedInts | kUnsignedInts;

absl::Status CheckCumSumAxisShape(std::string_view where, int64_t axis_elements) {
  if (axis_elements != 1)
    return NodeError(where, absl::StrCat("axis must hold one value, got ", axis_elements));
  return absl::OkStatus();
}

absl::Status InferCumSum(InferContext& ctx) {
  const graph::Node& node = ctx.node();
  const graph::Shape& in = ctx.input_shape(0);
  const DType dtype = ctx.input_dtype(0);
  if (dtype != DType::kUndefined)
    SEQRT_RETURN_IF_ERROR(WithNode(node, VisitDType(dtype, [](auto) { return absl::OkStatus(); },
                                                    kCumSumTypes, "CumSum")));
  SEQRT_ASSIGN_OR_RETURN(auto axis, ConstantInts(ctx, 1, "axis"));
  if (axis && in.rank_known) {
    SEQRT_RETURN_IF_ERROR(CheckCumSumAxisShape(node.Describe(), axis->size()));
    auto a = graph::NormalizeAxis((*axis)[0], in.rank(), "axis");
    if (!a.ok()) return WithNode(node, a.status());
  }
  ctx.SetOutput(0, dtype, in);
  return absl::OkStatus();
}

class CumSumKernel : public OpKernel {
 public:
  explicit CumSumKernel(const graph::Node& node)
      : where_(node.Describe()),
        exclusive_(node.attrs.GetInt("exclusive", 0) != 0),
        reverse_(node.attrs.GetInt("reverse", 0) != 0) {}

  absl::Status Compute(ComputeContext& ctx) const override {
    const Dims& dims = ctx.input_dims(0);
    const int rank = static_cast<int>(dims.size());
    SmallInts axis_value;
    SEQRT_RETURN_IF_ERROR(InputInts(where_, ctx, 1, "axis", &axis_value));
    SEQRT_RETURN_IF_ERROR(CheckCumSumAxisShape(where_, axis_value.size()));
    auto axis_or = graph::NormalizeAxis(axis_value[0], rank, "axis");
    if (!axis_or.ok()) return NodeError(where_, std::string(axis_or.status().message()));
    const int axis = *axis_or;
    const int64_t outer = DimProduct(dims, 0, axis), n = dims[axis],
                  inner = DimProduct(dims, axis + 1, rank);
    return VisitDType(
        ctx.input_dtype(0),
        [&](auto tag) -> absl::Status {
          using T = decltype(tag);
          using Acc = ComputeType<T>;
          const T* x = ctx.input<T>(0);
          T* y = ctx.output<T>(0);
          for (int64_t o = 0; o < outer; ++o) {
            for (int64_t i = 0; i < inner; ++i) {
              Acc acc = Acc(0);
              for (int64_t s = 0; s < n; ++s) {
                const int64_t k = reverse_ ? n - 1 - s : s;
                const int64_t at = (o * n + k) * inner + i;
                const Acc v = static_cast<Acc>(x[at]);
                if (exclusive_) {
                  y[at] = static_cast<T>(acc);
                  acc += v;
                } else {
                  acc += v;
                  y[at] = static_cast<T>(acc);
                }
              }
            }
          }
          return absl::OkStatus();
        },
        kCumSumTypes, "CumSum");
  }

 private:
  std::string where_;
  bool exclusive_;
  bool reverse_;
};

}  // namespace

void RegisterSequenceAxisOps(OpRegistry& registry) {
  registry.Register(OpSchema{.domain = "",
                             .op_type = "ReverseSequence",
                             .since_version = 10,
                             .min_inputs = 2,
                             .max_inputs = 2,
                             .infer = InferReverseSequence,
                             .kernels = {MakeKernel<ReverseSequenceKernel>}});
  registry.Register(OpSchema{.domain = "",
                             .op_type = "CumSum",
                             .since_version = 11,
                             .min_inputs = 2,
                             .max_inputs = 2,
                             .infer = InferCumSum,
                             .kernels = {MakeKernel<CumSumKernel>}});
}

}  // namespace seqrt::ops
