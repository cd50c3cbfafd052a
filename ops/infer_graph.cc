#include "ops/infer_graph.h"

#include "absl/strings/str_cat.h"
#include "seqrt/status.h"

namespace seqrt::ops {
namespace {

void CollectUnsupported(const graph::Graph& graph, const OpRegistry& registry,
                        std::vector<std::string>& out) {
  for (const graph::Node& node : graph.nodes) {
    auto schema = registry.Find(node.domain, node.op_type, node.opset);
    if (!schema.ok()) {
      out.push_back(absl::StrCat(node.op_type, " (domain ", DomainName(node.domain), ", opset ",
                                 node.opset, ", node '", node.name, "')"));
    }
    for (const auto& [name, attr] : node.attrs.all())
      if (auto* sub = std::get_if<std::shared_ptr<graph::Graph>>(&attr))
        CollectUnsupported(**sub, registry, out);
  }
}

// Keeps what the model declared when inference knows less (e.g. a symbolic dim it named).
graph::Shape MergeShapes(const graph::Shape& declared, const graph::Shape& inferred) {
  if (!inferred.rank_known) return declared;
  if (!declared.rank_known || declared.rank() != inferred.rank()) return inferred;
  graph::Shape merged = inferred;
  for (int i = 0; i < merged.rank(); ++i)
    if (!merged[i].known() && !merged[i].is_symbol()) merged[i] = declared[i];
  return merged;
}

}  // namespace

std::vector<std::string> FindUnsupportedOps(const graph::Graph& graph, const OpRegistry& registry) {
  std::vector<std::string> out;
  CollectUnsupported(graph, registry, out);
  return out;
}

std::vector<InferContext::InputFacts> GraphInputFacts(const graph::Graph& graph,
                                                      const graph::Node& node) {
  // As everywhere else: node.inputs, then the outer values the node's subgraphs capture.
  std::vector<graph::ValueId> ids = node.inputs;
  ids.insert(ids.end(), node.implicit_inputs.begin(), node.implicit_inputs.end());
  std::vector<InferContext::InputFacts> facts(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    graph::ValueId id = ids[i];
    if (id == graph::kNoValue) continue;
    const graph::Value& v = graph.value(id);
    facts[i].present = true;
    facts[i].kind = v.kind;
    facts[i].dtype = v.dtype;
    facts[i].shape = v.shape;
    facts[i].constant = v.constant.get();
  }
  return facts;
}

absl::Status InferGraphShapes(graph::Graph& graph, const OpRegistry& registry) {
  for (graph::Node& node : graph.nodes) {
    SEQRT_ASSIGN_OR_RETURN(const OpSchema* schema, registry.Find(node.domain, node.op_type, node.opset));
    const int n_in = node.num_inputs();
    if (n_in < schema->min_inputs || n_in > schema->max_inputs) {
      return absl::InvalidArgumentError(absl::StrCat(
          node.Describe(), " has ", n_in, " inputs; ", node.op_type, " takes ", schema->min_inputs,
          schema->max_inputs == schema->min_inputs ? "" : absl::StrCat(" to ", schema->max_inputs)));
    }
    for (int i = 0; i < schema->min_inputs; ++i) {
      if (node.inputs[i] == graph::kNoValue)
        return absl::InvalidArgumentError(absl::StrCat(node.Describe(), ": required input ", i, " is empty"));
    }
    InferContext ctx(node, GraphInputFacts(graph, node), static_cast<int>(node.outputs.size()));
    absl::Status st = RunShapeFunction(*schema, ctx);
    if (!st.ok()) {
      std::string msg(st.message());
      if (msg.find(node.Describe()) == std::string::npos) msg = absl::StrCat(node.Describe(), ": ", msg);
      return absl::Status(st.code(), msg);
    }
    for (size_t o = 0; o < node.outputs.size(); ++o) {
      if (node.outputs[o] == graph::kNoValue) continue;
      graph::Value& v = graph.value(node.outputs[o]);
      const auto& facts = ctx.output(static_cast<int>(o));
      // A sequence/optional kind the model declares wins: a Loop carrying an optional that
      // its body fills yields what the graph declares (a sequence), and the two look alike
      // at run time.
      if (!IsBoxedKind(v.kind)) v.kind = facts.kind;
      if (facts.dtype != DType::kUndefined) v.dtype = facts.dtype;
      v.shape = MergeShapes(v.shape, facts.shape);
    }
  }
  return absl::OkStatus();
}

}  // namespace seqrt::ops
