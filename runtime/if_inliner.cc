#include "runtime/if_inliner.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "ops/control_flow_common.h"
#include "seqrt/status.h"

namespace seqrt::runtime {
namespace {

// Appends `branch`'s nodes to `out` in place of `if_node`, mapping branch values into `out`.
absl::Status AppendBranch(const graph::Node& if_node, const ops::BodyRef& branch, graph::Graph& out) {
  const graph::Graph& b = *branch.graph;
  if (!b.inputs.empty())
    return absl::InvalidArgumentError(absl::StrCat(if_node.Describe(), ": If branches take no inputs"));
  std::vector<graph::ValueId> map(b.values.size(), graph::kNoValue);
  for (size_t c = 0; c < b.captures.size(); ++c)
    map[b.captures[c]] = if_node.implicit_inputs[branch.first_capture + c];
  // A branch output produced by one of the branch's own nodes (and yielded once) is written
  // straight into the If's output value; anything else goes through an Identity below.
  std::vector<int> yielded(b.values.size(), 0);
  for (graph::ValueId id : b.outputs) ++yielded[id];
  std::vector<bool> identity(b.outputs.size(), false);
  for (size_t o = 0; o < b.outputs.size(); ++o) {
    const graph::ValueId id = b.outputs[o];
    const bool own = b.value(id).producer >= 0 && !b.value(id).constant && yielded[id] == 1 &&
                     map[id] == graph::kNoValue;
    if (own && if_node.HasOutput(static_cast<int>(o))) map[id] = if_node.outputs[o];
    else identity[o] = true;
  }
  auto mapped = [&](graph::ValueId id) -> graph::ValueId {
    if (id == graph::kNoValue) return id;
    if (map[id] == graph::kNoValue) {
      graph::Value v = b.value(id);
      std::string name = v.name;
      if (name.empty() || out.FindValue(name)) name = absl::StrCat(if_node.name, "/", branch.attr, "/", v.name, "#", id);
      const graph::ValueId fresh = out.AddValue(name);
      v.name = out.value(fresh).name;
      v.producer = -1;
      out.value(fresh) = std::move(v);
      map[id] = fresh;
    }
    return map[id];
  };
  for (const graph::Node& n : b.nodes) {
    graph::Node copy = n;
    for (graph::ValueId& id : copy.inputs) id = mapped(id);
    for (graph::ValueId& id : copy.implicit_inputs) id = mapped(id);
    for (graph::ValueId& id : copy.outputs) id = mapped(id);
    out.nodes.push_back(std::move(copy));
  }
  for (size_t o = 0; o < b.outputs.size(); ++o) {
    if (!identity[o] || !if_node.HasOutput(static_cast<int>(o))) continue;
    graph::Node id_node;
    id_node.name = absl::StrCat(if_node.name, "/", branch.attr, "/output_", o);
    id_node.op_type = "Identity";
    id_node.opset = if_node.opset;
    id_node.inputs = {mapped(b.outputs[o])};
    id_node.outputs = {if_node.outputs[o]};
    out.nodes.push_back(std::move(id_node));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<const graph::Graph>> Rewrite(const graph::Graph& g, std::vector<IfChoice> choices) {
  auto out = std::make_shared<graph::Graph>(g);
  out->nodes.clear();
  std::sort(choices.begin(), choices.end(), [](const IfChoice& a, const IfChoice& b) { return a.node_index < b.node_index; });
  size_t next = 0;
  for (int n = 0; n < static_cast<int>(g.nodes.size()); ++n) {
    const graph::Node& node = g.nodes[n];
    if (next < choices.size() && choices[next].node_index == n) {
      SEQRT_ASSIGN_OR_RETURN(ops::BodyRef branch,
                             ops::FindBody(node, choices[next].take_then ? "then_branch" : "else_branch"));
      SEQRT_RETURN_IF_ERROR(AppendBranch(node, branch, *out));
      ++next;
      continue;
    }
    out->nodes.push_back(node);
  }
  // Node order stays topological (a branch reads only values computed before its If), but
  // indices moved: producers are recomputed.
  for (graph::Value& v : out->values) v.producer = -1;
  for (int n = 0; n < static_cast<int>(out->nodes.size()); ++n)
    for (graph::ValueId id : out->nodes[n].outputs)
      if (id != graph::kNoValue) out->value(id).producer = n;
  return std::shared_ptr<const graph::Graph>(std::move(out));
}

}  // namespace

absl::StatusOr<std::shared_ptr<const graph::Graph>> InlineIfs(PreparedStateStore& store,
                                                              const std::shared_ptr<const graph::Graph>& g,
                                                              const std::vector<IfChoice>& choices) {
  std::string key = absl::StrCat("inline_if|", reinterpret_cast<uintptr_t>(g.get()), "|");
  for (const IfChoice& c : choices) absl::StrAppend(&key, c.node_index, c.take_then ? "t" : "e", ",");
  SEQRT_ASSIGN_OR_RETURN(std::shared_ptr<const void> built,
                         store.GetOrBuild(key, [&]() -> absl::StatusOr<std::shared_ptr<const void>> {
                           SEQRT_ASSIGN_OR_RETURN(std::shared_ptr<const graph::Graph> r, Rewrite(*g, choices));
                           return std::shared_ptr<const void>(std::move(r));
                         }));
  return std::static_pointer_cast<const graph::Graph>(std::move(built));
}

}  // namespace seqrt::runtime
