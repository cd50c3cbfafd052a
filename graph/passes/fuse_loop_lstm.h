// Recognises tf2onnx's Loop body for a Keras LSTM cell.
#pragma once

#include <optional>

#include "graph/passes/fuse_loop_match.h"
#include "graph/passes/fuse_loop_rewrite.h"

namespace seqrt::graph::fuse {

// The ONNX LSTM equivalent of the Loop's cell, or nullopt when the body is anything else.
// Leaves the trip-count/coverage checks to body.Finish().
std::optional<FusedCell> MatchLstmCell(LoopBody& body);

}  // namespace seqrt::graph::fuse
