#include <queue>

#include "absl/strings/str_cat.h"
#include "graph/passes/passes.h"

namespace seqrt::graph {

void RelinkProducers(Graph& graph) {
  for (Value& v : graph.values) v.producer = -1;
  for (int n = 0; n < static_cast<int>(graph.nodes.size()); ++n)
    for (ValueId out : graph.nodes[n].outputs)
      if (out != kNoValue) graph.value(out).producer = n;
}

absl::Status TopologicalSort(Graph& graph) {
  RelinkProducers(graph);
  const int n = static_cast<int>(graph.nodes.size());
  std::vector<int> pending(n, 0);
  std::vector<std::vector<int>> consumers(n);
  for (int i = 0; i < n; ++i) {
    const Node& node = graph.nodes[i];
    auto add_edge = [&](ValueId in) {
      if (in == kNoValue) return;
      int p = graph.value(in).producer;
      if (p < 0) return;
      ++pending[i];
      consumers[p].push_back(i);
    };
    for (ValueId in : node.inputs) add_edge(in);
    for (ValueId in : node.implicit_inputs) add_edge(in);
  }
  // A min-heap keeps the file's order among ready nodes, so plans are stable and readable.
  std::priority_queue<int, std::vector<int>, std::greater<int>> ready;
  for (int i = 0; i < n; ++i)
    if (pending[i] == 0) ready.push(i);
  std::vector<int> order;
  order.reserve(n);
  while (!ready.empty()) {
    int i = ready.top();
    ready.pop();
    order.push_back(i);
    for (int c : consumers[i])
      if (--pending[c] == 0) ready.push(c);
  }
  if (static_cast<int>(order.size()) != n) {
    for (int i = 0; i < n; ++i) {
      if (pending[i] > 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("the graph has a cycle through ", graph.nodes[i].Describe()));
      }
    }
  }
  std::vector<Node> sorted;
  sorted.reserve(n);
  for (int i : order) sorted.push_back(std::move(graph.nodes[i]));
  graph.nodes = std::move(sorted);
  RelinkProducers(graph);
  return absl::OkStatus();
}

int EliminateDeadNodes(Graph& graph) {
  RelinkProducers(graph);
  std::vector<bool> live_value(graph.values.size(), false);
  std::vector<bool> live_node(graph.nodes.size(), false);
  std::vector<ValueId> stack(graph.outputs.begin(), graph.outputs.end());
  while (!stack.empty()) {
    ValueId v = stack.back();
    stack.pop_back();
    if (v == kNoValue || live_value[v]) continue;
    live_value[v] = true;
    int p = graph.value(v).producer;
    if (p < 0 || live_node[p]) continue;
    live_node[p] = true;
    for (ValueId in : graph.nodes[p].inputs) stack.push_back(in);
    for (ValueId in : graph.nodes[p].implicit_inputs) stack.push_back(in);
  }
  std::vector<Node> kept;
  int removed = 0;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    if (live_node[i]) kept.push_back(std::move(graph.nodes[i]));
    else ++removed;
  }
  graph.nodes = std::move(kept);
  RelinkProducers(graph);
  return removed;
}

}  // namespace seqrt::graph
