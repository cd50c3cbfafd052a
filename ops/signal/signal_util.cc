#include <string>

#include "absl/strings/str_cat.h"
#include "ops/signal/signal_ops.h"
#include "ops/tensor_util.h"

namespace seqrt::ops::signal {
namespace {

absl::StatusOr<int64_t> OneInt(std::string_view where, std::string_view what, DType dtype, const void* data,
                               int64_t count) {
  if (count != 1) return NodeError(where, absl::StrCat(std::string(what), " must hold one value, got ", count));
  SmallInts values;
  SEQRT_RETURN_IF_ERROR(ReadInts(where, what, dtype, data, 1, &values));
  return values[0];
}

}  // namespace

absl::StatusOr<std::optional<int64_t>> KnownScalarInt(const InferContext& ctx, int i, std::string_view what) {
  SEQRT_ASSIGN_OR_RETURN(auto values, ConstantInts(ctx, i, what));
  if (!values.has_value()) return std::optional<int64_t>();
  if (values->size() != 1) {
    return NodeError(ctx.node(), absl::StrCat(std::string(what), " must hold one value, got ", values->size()));
  }
  return std::optional<int64_t>((*values)[0]);
}

absl::StatusOr<std::optional<int64_t>> PreparedScalarInt(const PrepareContext& ctx, int i,
                                                         std::string_view what) {
  if (!ctx.has_input(i)) return std::optional<int64_t>();
  const Tensor* t = ctx.input_constant(i);
  if (t == nullptr) {
    return absl::InternalError(absl::StrCat(ctx.node().Describe(), ": ", std::string(what),
                                            " is not known when the kernel is prepared"));
  }
  SEQRT_ASSIGN_OR_RETURN(int64_t v, OneInt(ctx.node().Describe(), what, t->dtype(), t->raw_data(),
                                           t->num_elements()));
  return std::optional<int64_t>(v);
}

absl::StatusOr<int64_t> ScalarIntAt(const ComputeContext& ctx, int i, std::string_view where,
                                    std::string_view what) {
  return OneInt(where, what, ctx.input_dtype(i), ctx.input(i), NumElements(ctx.input_dims(i)));
}

absl::StatusOr<double> ScalarFloatAt(const ComputeContext& ctx, int i, std::string_view where,
                                     std::string_view what) {
  const int64_t count = NumElements(ctx.input_dims(i));
  if (count != 1) return NodeError(where, absl::StrCat(std::string(what), " must hold one value, got ", count));
  double value = 0;
  SEQRT_RETURN_IF_ERROR(VisitAllowed<kFloatTypes>(
      ctx.input_dtype(i),
      [&](auto tag) -> absl::Status {
        using T = decltype(tag);
        value = static_cast<double>(static_cast<ComputeType<T>>(*ctx.input<T>(i)));
        return absl::OkStatus();
      },
      absl::StrCat(std::string(where), ": ", std::string(what))));
  return value;
}

absl::StatusOr<DType> OutputDataType(const graph::Node& node) {
  const int64_t code = node.attrs.GetInt("output_datatype", static_cast<int64_t>(DType::kFloat));
  const DType t = static_cast<DType>(code);
  if (!IsSupportedDType(t) || t == DType::kBool) {
    return NodeError(node, absl::StrCat("output_datatype ", code, " is not a numeric dtype seqrt supports"));
  }
  return t;
}

}  // namespace seqrt::ops::signal
