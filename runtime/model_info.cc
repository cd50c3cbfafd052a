#include "runtime/model_info.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "graph/passes/passes.h"
#include "importers/onnx/onnx_importer.h"
#include "ops/infer_graph.h"
#include "ops/registry.h"
#include "seqrt/status.h"

namespace seqrt {

std::string ValueInfo::ToString() const {
  std::string out(DTypeName(dtype));
  if (!has_shape) {
    out += "[?]";
  } else {
    std::vector<std::string> dims;
    for (const DimInfo& d : shape) dims.push_back(d.known() ? absl::StrCat(d.value) : (d.symbol.empty() ? "?" : d.symbol));
    out = absl::StrCat(out, "[", absl::StrJoin(dims, ","), "]");
  }
  switch (kind) {
    case ValueKind::kTensor: return out;
    case ValueKind::kSequence: return absl::StrCat("sequence(", out, ")");
    case ValueKind::kOptionalTensor: return absl::StrCat("optional(", out, ")");
    case ValueKind::kOptionalSequence: return absl::StrCat("optional(sequence(", out, "))");
  }
  return out;
}

namespace runtime {
namespace {

void CountOps(const graph::Graph& g, ModelInfo& info) {
  for (const graph::Node& node : g.nodes) {
    ++info.op_histogram[node.op_type];
    for (const auto& [name, attr] : node.attrs.all())
      if (auto* sub = std::get_if<std::shared_ptr<graph::Graph>>(&attr)) CountOps(**sub, info);
  }
}

}  // namespace

ValueInfo ToValueInfo(const graph::Value& value) {
  ValueInfo vi;
  vi.name = value.name;
  vi.kind = value.kind;
  vi.dtype = value.dtype;
  vi.has_shape = value.shape.rank_known;
  for (const graph::Dim& d : value.shape.dims) {
    DimInfo di;
    if (d.known()) di.value = d.value();
    else di.symbol = d.symbol();
    vi.shape.push_back(di);
  }
  return vi;
}

ModelInfo DescribeModel(const graph::Model& model) {
  ModelInfo info;
  const graph::Graph& g = *model.graph;
  info.producer_name = model.producer_name;
  info.producer_version = model.producer_version;
  info.ir_version = model.ir_version;
  info.domain = model.domain;
  info.model_version = model.model_version;
  info.doc_string = model.doc_string;
  info.graph_name = model.graph_name;
  info.graph_doc_string = model.graph_doc_string;
  info.metadata = model.metadata;
  for (const auto& [domain, version] : g.opsets) info.opsets.emplace_back(domain, version);
  CountOps(g, info);
  std::set<graph::ValueId> inputs(g.inputs.begin(), g.inputs.end());
  for (graph::ValueId id = 0; id < static_cast<graph::ValueId>(g.values.size()); ++id) {
    const graph::Value& v = g.value(id);
    if (!v.constant || v.producer >= 0) continue;
    info.parameter_count += v.constant->num_elements();
    info.parameter_bytes += static_cast<int64_t>(v.constant->byte_size());
  }
  info.unsupported_ops = ops::FindUnsupportedOps(g, ops::OpRegistry::Global());
  for (graph::ValueId id : g.inputs)
    if (!g.value(id).constant) info.inputs.push_back(ToValueInfo(g.value(id)));
  for (graph::ValueId id : g.outputs) info.outputs.push_back(ToValueInfo(g.value(id)));
  return info;
}

}  // namespace runtime

absl::StatusOr<ModelInfo> InspectModel(const std::string& path) {
  SEQRT_ASSIGN_OR_RETURN(graph::Model model, importers::onnx::LoadModelFile(path));
  ModelInfo info = runtime::DescribeModel(model);
  // Best effort: with every op supported, show the inferred (possibly symbolic) output types
  // rather than only what the file declares.
  if (info.unsupported_ops.empty() && graph::TopologicalSort(*model.graph).ok() &&
      ops::InferGraphShapes(*model.graph, ops::OpRegistry::Global()).ok()) {
    info.outputs.clear();
    for (graph::ValueId id : model.graph->outputs) info.outputs.push_back(runtime::ToValueInfo(model.graph->value(id)));
  }
  return info;
}

}  // namespace seqrt
