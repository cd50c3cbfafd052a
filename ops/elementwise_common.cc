#include "ops/elementwise_common.h"

#include "absl/strings/str_join.h"

namespace seqrt::ops {

bool DTypeInSet(DType dtype, unsigned allowed) {
  if (IsFloatingPoint(dtype)) return (allowed & kFloatTypes) != 0;
  if (IsSignedInteger(dtype)) return (allowed & kSignedInts) != 0;
  if (IsUnsignedInteger(dtype)) return (allowed & kUnsignedInts) != 0;
  if (dtype == DType::kBool) return (allowed & kBoolType) != 0;
  return false;
}

std::string DTypeSetName(unsigned allowed) {
  std::vector<std::string> parts;
  if (allowed & kFloatTypes) parts.push_back("floating point");
  if (allowed & kSignedInts) parts.push_back("signed integer");
  if (allowed & kUnsignedInts) parts.push_back("unsigned integer");
  if (allowed & kBoolType) parts.push_back("bool");
  return absl::StrJoin(parts, ", ");
}

absl::Status CheckInputDType(const InferContext& ctx, int input, unsigned allowed) {
  const DType dtype = ctx.input_dtype(input);
  if (dtype == DType::kUndefined || DTypeInSet(dtype, allowed)) return absl::OkStatus();
  return absl::UnimplementedError(absl::StrCat(
      ctx.node().Describe(), ": input ", input, " has dtype ", std::string(DTypeName(dtype)),
      ", expected one of: ", DTypeSetName(allowed)));
}

absl::StatusOr<DType> CommonInputDType(const InferContext& ctx, int first, int count) {
  DType common = DType::kUndefined;
  int common_input = -1;
  for (int i = first; i < first + count; ++i) {
    if (!ctx.has_input(i) || ctx.input_dtype(i) == DType::kUndefined) continue;
    if (common == DType::kUndefined) {
      common = ctx.input_dtype(i);
      common_input = i;
    } else if (ctx.input_dtype(i) != common) {
      return absl::InvalidArgumentError(absl::StrCat(
          ctx.node().Describe(), ": inputs must share one dtype, but input ", common_input,
          " is ", std::string(DTypeName(common)), " and input ", i, " is ",
          std::string(DTypeName(ctx.input_dtype(i)))));
    }
  }
  return common;
}

absl::StatusOr<graph::Shape> BroadcastInputShapes(const InferContext& ctx, int first, int count) {
  std::vector<graph::Shape> shapes;
  for (int i = first; i < first + count; ++i)
    if (ctx.has_input(i)) shapes.push_back(ctx.input_shape(i));
  auto shape = graph::BroadcastShapes(shapes);
  if (!shape.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(ctx.node().Describe(), ": ", shape.status().message()));
  }
  return shape;
}

}  // namespace seqrt::ops
