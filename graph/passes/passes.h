// Graph-level passes that need nothing but the IR.
#pragma once

#include "absl/status/status.h"
#include "graph/graph.h"

namespace seqrt::graph {

// Orders nodes so each comes after the producers of its inputs (implicit ones included).
// A cycle is an InvalidArgument error naming a node on it.
absl::Status TopologicalSort(Graph& graph);

// Removes nodes none of whose outputs reach a graph output. Returns how many were removed.
int EliminateDeadNodes(Graph& graph);

// Recomputes Value::producer after nodes moved.
void RelinkProducers(Graph& graph);

}  // namespace seqrt::graph
