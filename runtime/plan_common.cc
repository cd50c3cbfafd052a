#include "runtime/plan_common.h"

#include "absl/strings/str_cat.h"

namespace seqrt::runtime {

const char kShapeOnlyPlaceholder[64] = {};

absl::Status AnnotateNode(const absl::Status& st, const graph::Node& node) {
  if (st.ok()) return st;
  std::string msg(st.message());
  if (msg.find(node.Describe()) != std::string::npos) return st;
  return absl::Status(st.code(), absl::StrCat(node.Describe(), ": ", msg));
}

// Picks the first kernel (fast ones first) whose Prepare accepts these shapes.
absl::StatusOr<std::unique_ptr<ops::OpKernel>> ChooseKernel(const graph::Node& node,
                                                            const ops::OpSchema& schema,
                                                            ops::PrepareContext& pctx) {
  if (schema.kernels.empty())
    return absl::InternalError(absl::StrCat(node.Describe(), ": no kernel registered"));
  absl::Status last;
  for (size_t k = 0; k < schema.kernels.size(); ++k) {
    auto kernel = schema.kernels[k](node);
    if (!kernel.ok()) return AnnotateNode(kernel.status(), node);
    last = (*kernel)->Prepare(pctx);
    if (last.ok()) return std::move(*kernel);
    const bool declined = last.code() == absl::StatusCode::kUnimplemented && k + 1 < schema.kernels.size();
    if (!declined) return AnnotateNode(last, node);
  }
  return AnnotateNode(last, node);
}

// Regular inputs, then the outer values the node's subgraphs capture.
std::vector<graph::ValueId> AllInputs(const graph::Node& node) {
  std::vector<graph::ValueId> ids = node.inputs;
  ids.insert(ids.end(), node.implicit_inputs.begin(), node.implicit_inputs.end());
  return ids;
}

}  // namespace seqrt::runtime
