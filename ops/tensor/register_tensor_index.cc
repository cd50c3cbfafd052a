#include "absl/strings/str_cat.h"
#include "ops/tensor/tensor_index_ops.h"
#include "ops/tensor_util.h"

namespace seqrt::ops {

void RegisterTensorIndexOps(OpRegistry& registry) {
  tensor::RegisterScatterNDOp(registry);
  tensor::RegisterScatterElementsOps(registry);
  tensor::RegisterGatherNDOp(registry);
  tensor::RegisterDepthSpaceOps(registry);
  tensor::RegisterOneHotOp(registry);
  tensor::RegisterNonZeroOp(registry);
  tensor::RegisterCompressOp(registry);
  tensor::RegisterUniqueOp(registry);
}

namespace tensor {

absl::Status ResolveIndex(std::string_view where, DType dtype, const void* data, int64_t i,
                          int64_t dim, int axis, int64_t* out) {
  int64_t v = IndexValue(dtype, data, i);
  const int64_t original = v;
  if (v < 0) v += dim;
  if (v < 0 || v >= dim) {
    return NodeError(where, absl::StrCat("index ", original, " is out of range for axis ", axis,
                                         " of size ", dim));
  }
  *out = v;
  return absl::OkStatus();
}

absl::Status CheckIndexDType(const graph::Node& node, DType dtype, std::string_view what) {
  if (dtype == DType::kInt32 || dtype == DType::kInt64 || dtype == DType::kUndefined) {
    return absl::OkStatus();
  }
  return NodeError(node, absl::StrCat(std::string(what), " must be int32 or int64, got ",
                                      std::string(DTypeName(dtype))));
}

absl::StatusOr<ScatterReduction> ParseScatterReduction(const graph::Node& node) {
  const std::string r = node.attrs.GetString("reduction", "none");
  if (r == "none") return ScatterReduction::kNone;
  if (r == "add") return ScatterReduction::kAdd;
  if (r == "mul") return ScatterReduction::kMul;
  if (r == "max") return ScatterReduction::kMax;
  if (r == "min") return ScatterReduction::kMin;
  return NodeError(node, absl::StrCat("reduction must be none, add, mul, max or min, got '", r, "'"));
}

}  // namespace tensor
}  // namespace seqrt::ops
