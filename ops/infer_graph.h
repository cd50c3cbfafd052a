// Load-time checks and inference over a whole graph (subgraphs included): every node's op
// is known at its opset and input count, and dtypes/shapes (symbolic dims kept) flow from
// the inputs to the outputs.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "graph/graph.h"
#include "ops/registry.h"

namespace seqrt::ops {

// Every node (in subgraphs too) whose op the registry lacks, as
// "Foo (domain ai.onnx, opset 13, node 'n1')".
std::vector<std::string> FindUnsupportedOps(const graph::Graph& graph, const OpRegistry& registry);

// Runs each op's shape function in topological order and stores the results in the values.
// Errors name the node. Values already typed by the model keep the more precise shape.
absl::Status InferGraphShapes(graph::Graph& graph, const OpRegistry& registry);

// Builds the InferContext inputs for a node from the graph's current facts.
std::vector<InferContext::InputFacts> GraphInputFacts(const graph::Graph& graph, const graph::Node& node);

}  // namespace seqrt::ops
