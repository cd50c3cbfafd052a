// Replaces Loops that are exactly a Keras recurrent cell (how tf2onnx exports SimpleRNN, and GRU
// and LSTM in the cases it does not rewrite itself) with one native ONNX RNN / GRU / LSTM node,
// so the fast recurrent kernel runs instead of a dozen tiny ops per time step.
#pragma once

#include "graph/graph.h"

namespace seqrt::graph {

// Fuses every matching Loop in `graph` (not in its subgraphs: their weights are not constants
// there). A Loop is fused only when its body is exactly one of the cells below, with constant
// float weights, a trip count/condition that provably runs x's whole time axis, and a
// state/scan output layout the fused op's outputs reproduce; anything else is left untouched.
//   SimpleRNN: Gather(x, t) -> MatMul(kernel) [+ bias] + MatMul(h, recurrent_kernel) -> Tanh|Relu|Sigmoid
//   GRU (reset_after True or False) -> GRU with linear_before_reset 1 or 0   (fuse_loop_gru.h)
//   LSTM -> LSTM with Keras' i,f,c,o gates reordered to ONNX's i,o,f,c      (fuse_loop_lstm.h)
// Returns how many Loops were fused. Runs before TopologicalSort and dead-node elimination
// (new nodes are placed where the Loop was).
int FuseLoopRnnCells(Graph& graph);

}  // namespace seqrt::graph
