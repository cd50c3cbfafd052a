// The Loop -> recurrent-op fusion pass: tries each cell kind on each top-level Loop and splices
// the replacement in where the Loop was. Matching lives in fuse_loop_match / the per-cell files,
// building in fuse_loop_rewrite.
#include "graph/passes/fuse_loop_rnn.h"

#include <memory>
#include <optional>
#include <vector>

#include "graph/passes/fuse_loop_gru.h"
#include "graph/passes/fuse_loop_lstm.h"
#include "graph/passes/fuse_loop_match.h"
#include "graph/passes/fuse_loop_rewrite.h"
#include "graph/passes/fuse_loop_simple_rnn.h"
#include "graph/passes/passes.h"

namespace seqrt::graph {

int FuseLoopRnnCells(Graph& graph) {
  using CellMatcher = std::optional<fuse::FusedCell> (*)(fuse::LoopBody&);
  static constexpr CellMatcher kCells[] = {fuse::MatchSimpleRnnCell, fuse::MatchGruCell, fuse::MatchLstmCell};
  int fused = 0;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const Node& loop = graph.nodes[i];
    if (loop.op_type != "Loop" || !loop.domain.empty() || loop.attrs.all().size() != 1) continue;
    auto body = loop.attrs.GetGraph("body");
    if (!body.ok() || *body == nullptr) continue;
    const fuse::OuterView outer(graph);
    for (CellMatcher match : kCells) {
      fuse::LoopBody lb(outer, loop, **body);  // fresh per kind: matching claims body nodes
      if (!lb.ClassifySlots()) break;
      std::optional<fuse::FusedCell> cell = match(lb);
      if (!cell || !lb.Finish()) continue;
      Node old = loop;  // copy: building adds values while reading the Loop's ids
      std::vector<Node> replacement = fuse::BuildFusedCell(graph, old, lb, *std::move(cell));
      graph.nodes.erase(graph.nodes.begin() + i);
      graph.nodes.insert(graph.nodes.begin() + i, replacement.begin(), replacement.end());
      i += replacement.size() - 1;
      ++fused;
      break;
    }
  }
  if (fused > 0) RelinkProducers(graph);
  return fused;
}

}  // namespace seqrt::graph
