// Plan-time inlining of If nodes whose condition folds to a constant (an exporter's checks
// on shapes, such as silero-vad's rank tests around its LSTM): the taken branch's nodes
// replace the If in a copy of the graph, so they are planned as ordinary static steps
// instead of running as a dynamic step (inference, kernel choice, a body plan and output
// copies) on every call.
#pragma once

#include <memory>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/graph.h"
#include "runtime/prepared_store.h"

namespace seqrt::runtime {

// One If to inline: its node index in the graph and the branch its condition selects.
struct IfChoice {
  int node_index = -1;
  bool take_then = false;
};

// `g` with every If in `choices` replaced by its chosen branch. Value ids of `g` keep their
// meaning (inputs, captures and outputs are unchanged); branch values are appended. The
// result is kept in `store` under (g, choices), so every plan making the same choices shares
// one graph: kernels' prepared state is keyed by node address and stays shared and valid.
absl::StatusOr<std::shared_ptr<const graph::Graph>> InlineIfs(PreparedStateStore& store,
                                                              const std::shared_ptr<const graph::Graph>& g,
                                                              const std::vector<IfChoice>& choices);

}  // namespace seqrt::runtime
