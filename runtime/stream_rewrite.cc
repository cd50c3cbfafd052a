// Turns carried recurrent state into graph inputs/outputs (see StreamGraphs): the executor
// and kernels then need nothing stream-specific, and the steady graph's plans are ordinary
// plans shared by every stream.
#include "absl/strings/str_cat.h"
#include "runtime/stream_analysis.h"

namespace seqrt::runtime {
namespace {

// Makes sure output `slot` of node `node_index` exists and is a graph output; returns it.
graph::ValueId ExposeOutput(graph::Graph& g, int node_index, int slot, const std::string& name) {
  graph::Node& n = g.nodes[node_index];
  if (static_cast<int>(n.outputs.size()) <= slot) n.outputs.resize(slot + 1, graph::kNoValue);
  if (n.outputs[slot] == graph::kNoValue) {
    graph::ValueId id = g.AddValue(name);
    g.value(id).producer = node_index;
    g.value(id).dtype = g.value(g.nodes[node_index].inputs[0]).dtype;
    g.nodes[node_index].outputs[slot] = id;
  }
  graph::ValueId id = g.nodes[node_index].outputs[slot];
  g.outputs.push_back(id);
  return id;
}

}  // namespace

StreamGraphs RewriteForStreaming(const graph::Graph& timed, const std::vector<CarriedNode>& carried) {
  StreamGraphs out;
  out.first = std::make_shared<graph::Graph>(timed);
  out.steady = std::make_shared<graph::Graph>(timed);
  for (const CarriedNode& c : carried) {
    for (int s = 0; s < c.num_states; ++s) {
      const std::string tag = absl::StrCat("__seqrt_stream:", c.node_index, ":", s == 0 ? "h" : "c");
      ExposeOutput(*out.first, c.node_index, 1 + s, tag + ":out");
      graph::ValueId y = ExposeOutput(*out.steady, c.node_index, 1 + s, tag + ":out");
      graph::Graph& g = *out.steady;
      graph::ValueId in = g.AddValue(tag);
      g.value(in).dtype = g.value(y).dtype;
      g.value(in).shape = g.value(y).shape;
      g.inputs.push_back(in);
      graph::Node& n = g.nodes[c.node_index];
      if (n.num_inputs() <= 5 + s) n.inputs.resize(6 + s, graph::kNoValue);
      n.inputs[5 + s] = in;
      out.state_inputs.push_back(tag);
    }
  }
  // Values that exported the old initial states are now unread; dead-node elimination
  // (when the session optimises) drops their producers.
  out.first->ReindexNames();
  out.steady->ReindexNames();
  return out;
}

}  // namespace seqrt::runtime
