// Load-time size checks: what a model's file already says about its memory needs (its
// initializers, and the outputs whose shapes load-time inference fully knows) is checked
// against SessionOptions::max_memory_bytes before any plan is built.
#pragma once

#include <cstdint>

#include "absl/status/status.h"
#include "graph/graph.h"

namespace seqrt::runtime {

// ResourceExhausted naming the initializer, or the node and value, above `max_bytes` (> 0);
// InvalidArgument for an inferred shape whose size overflows. Subgraph bodies included.
absl::Status CheckModelSizes(const graph::Graph& graph, int64_t max_bytes);

// The cap a session enforces: `requested` (SessionOptions::max_memory_bytes) with -1 meaning
// the default (half of physical memory) and 0 meaning none.
int64_t ResolveMemoryCap(int64_t requested);

}  // namespace seqrt::runtime
