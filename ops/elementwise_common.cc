#include "ops/elementwise_common.h"

#include <set>

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

bool UsesLegacyBroadcast(const graph::Node& node) {
  static const std::set<std::string>* ops = new std::set<std::string>{
      "Add", "Sub", "Mul", "Div", "Pow", "And", "Or", "Xor", "Equal", "Greater", "Less"};
  return node.domain.empty() && node.opset < 7 && ops->count(node.op_type) > 0;
}

namespace {

// Where B's dims start inside A's for a legacy-broadcast node (rank_b <= rank_a checked).
absl::StatusOr<int> LegacyAxis(const graph::Node& node, int rank_a, int rank_b) {
  if (rank_b > rank_a) {
    return absl::InvalidArgumentError(absl::StrCat(node.Describe(), ": B has rank ", rank_b,
                                                   ", more than A's ", rank_a,
                                                   " (opset < 7 broadcasts B onto A only)"));
  }
  int64_t axis = node.attrs.GetInt("axis", rank_a - rank_b);
  if (axis < 0) axis += rank_a;
  if (axis < 0 || axis + rank_b > rank_a) {
    return absl::InvalidArgumentError(absl::StrCat(node.Describe(), ": axis ",
                                                   node.attrs.GetInt("axis", 0), " cannot place B of rank ",
                                                   rank_b, " inside A of rank ", rank_a));
  }
  return static_cast<int>(axis);
}

bool LegacyBroadcastOn(const graph::Node& node) { return node.attrs.GetInt("broadcast", 0) != 0; }

}  // namespace

absl::StatusOr<graph::Shape> LegacyBroadcastShape(const InferContext& ctx) {
  const graph::Node& node = ctx.node();
  const graph::Shape& a = ctx.input_shape(0);
  const graph::Shape& b = ctx.input_shape(1);
  if (!a.rank_known || !b.rank_known) return a;
  auto mismatch = [&] {
    return absl::InvalidArgumentError(absl::StrCat(node.Describe(), ": B of shape ", b.ToString(),
                                                   " does not match A of shape ", a.ToString(),
                                                   LegacyBroadcastOn(node) ? "" : " (broadcast=0)"));
  };
  if (!LegacyBroadcastOn(node)) {
    if (a.rank() != b.rank()) return mismatch();
    for (int i = 0; i < a.rank(); ++i)
      if (a[i].known() && b[i].known() && a[i].value() != b[i].value()) return mismatch();
    return a;
  }
  SEQRT_ASSIGN_OR_RETURN(int axis, LegacyAxis(node, a.rank(), b.rank()));
  for (int i = 0; i < b.rank(); ++i) {
    const graph::Dim& da = a[axis + i];
    const graph::Dim& db = b[i];
    if (da.known() && db.known() && db.value() != 1 && da.value() != db.value()) return mismatch();
  }
  return a;
}

absl::StatusOr<Dims> SecondOperandDims(const graph::Node& node, const Dims& a, const Dims& b) {
  if (!UsesLegacyBroadcast(node) || !LegacyBroadcastOn(node)) return b;
  SEQRT_ASSIGN_OR_RETURN(int axis,
                         LegacyAxis(node, static_cast<int>(a.size()), static_cast<int>(b.size())));
  Dims out(a.size(), 1);
  for (size_t i = 0; i < b.size(); ++i) out[axis + i] = b[i];
  return out;
}

absl::StatusOr<graph::Shape> BinaryOutputShape(const InferContext& ctx) {
  if (UsesLegacyBroadcast(ctx.node())) return LegacyBroadcastShape(ctx);
  return BroadcastInputShapes(ctx, 0, 2);
}

absl::StatusOr<BroadcastPlan<2>> MakeBinaryPlan(const PrepareContext& ctx) {
  SEQRT_ASSIGN_OR_RETURN(Dims b, SecondOperandDims(ctx.node(), ctx.input_dims(0), ctx.input_dims(1)));
  return MakeBroadcastPlan<2>({&ctx.input_dims(0), &b}, ctx.output_dims(0));
}

}  // namespace seqrt::ops
