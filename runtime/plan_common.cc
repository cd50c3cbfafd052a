#include "runtime/plan_common.h"

#include "absl/strings/str_cat.h"
#include "base/checked_size.h"

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

absl::Status CheckInputCount(const graph::Node& node, const ops::OpSchema& schema) {
  const int n_in = node.num_inputs();
  if (n_in < schema.min_inputs || n_in > schema.max_inputs) {
    return absl::InvalidArgumentError(absl::StrCat(
        node.Describe(), " has ", n_in, " inputs; ", node.op_type, " takes ", schema.min_inputs,
        schema.max_inputs == schema.min_inputs ? "" : absl::StrCat(" to ", schema.max_inputs)));
  }
  for (int i = 0; i < schema.min_inputs; ++i) {
    if (node.inputs[i] == graph::kNoValue)
      return absl::InvalidArgumentError(absl::StrCat(node.Describe(), ": required input ", i, " is empty"));
  }
  return absl::OkStatus();
}

absl::Status CheckOutputSizes(const graph::Node& node, const graph::Graph& graph,
                              const ops::InferContext& ictx, int64_t max_bytes) {
  for (int o = 0; o < ictx.num_outputs() && o < static_cast<int>(node.outputs.size()); ++o) {
    if (!ictx.has_output(o) || node.outputs[o] == graph::kNoValue) continue;
    const auto& out = ictx.output(o);
    if (!out.shape.fully_known()) continue;
    const std::string what =
        absl::StrCat(node.Describe(), ": output '", graph.value(node.outputs[o]).name, "' (",
                     std::string(DTypeName(out.dtype)), " ", DimsToString(out.shape.ToDims()), ")");
    absl::StatusOr<int64_t> bytes = CheckedTensorBytes(out.dtype, out.shape.ToDims(), max_bytes, what);
    if (!bytes.ok()) return bytes.status();
  }
  return absl::OkStatus();
}

// Regular inputs, then the outer values the node's subgraphs capture.
std::vector<graph::ValueId> AllInputs(const graph::Node& node) {
  std::vector<graph::ValueId> ids = node.inputs;
  ids.insert(ids.end(), node.implicit_inputs.begin(), node.implicit_inputs.end());
  return ids;
}

}  // namespace seqrt::runtime
