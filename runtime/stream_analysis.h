// What OpenStream decides about a model before anything runs: which inputs/outputs are
// state pairs, which recurrent nodes carry their state implicitly, which input axis is time,
// and whether splitting that axis into chunks leaves every result unchanged. The rewrite
// (runtime/stream_rewrite.cc) then turns the carried states into extra graph inputs/outputs.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/graph.h"
#include "seqrt/stream.h"

namespace seqrt::runtime {

// A recurrent node whose final state the stream feeds back as its initial state.
struct CarriedNode {
  int node_index = -1;
  std::string description;  // "LSTM node 'lstm_1'"
  int num_states = 1;       // 2 for LSTM (h and c)
};

struct StreamAnalysis {
  StreamInfo info;
  std::vector<CarriedNode> carried;
  // The prepared graph with the time dim made symbolic and shapes re-inferred (only when
  // there are carried nodes; otherwise a plain copy).
  std::shared_ptr<graph::Graph> timed_graph;
};

// Pairs state outputs with inputs: the explicit bindings (checked), then the naming rule of
// seqrt/stream.h when `auto_bind` is set. Errors name the offending input or output.
absl::StatusOr<std::vector<std::pair<std::string, std::string>>> BindStatePairs(
    const graph::Graph& g, const std::vector<std::pair<std::string, std::string>>& explicit_pairs,
    bool auto_bind);

// True when `output_name` is `input_name` renamed by the automatic pairing rule.
bool StateNamesPair(const std::string& input_name, const std::string& output_name);

absl::StatusOr<StreamAnalysis> AnalyzeForStreaming(const graph::Graph& prepared, const StreamOptions& options);

// The symbol the time dim gets in timed_graph.
inline constexpr char kStreamTimeSymbol[] = "time~";

}  // namespace seqrt::runtime

namespace seqrt::runtime {

// The graphs a stream runs. Both have the model's outputs first, then one output per
// carried state (h, then c for LSTM, node by node). `steady` also has one extra input per
// carried state (named in `state_inputs`) feeding the node's initial_h/initial_c; `first`
// keeps the model's own initial states (for the first chunk after OpenStream/Reset).
struct StreamGraphs {
  std::shared_ptr<graph::Graph> first, steady;
  std::vector<std::string> state_inputs;
};
StreamGraphs RewriteForStreaming(const graph::Graph& timed, const std::vector<CarriedNode>& carried);

}  // namespace seqrt::runtime
