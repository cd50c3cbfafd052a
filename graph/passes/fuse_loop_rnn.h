// Replaces Loops that are exactly a Keras SimpleRNN cell (how tf2onnx exports SimpleRNN) with
// one native ONNX RNN node, so the fast recurrent kernel runs instead of ~8 tiny ops per step.
#pragma once

#include "graph/graph.h"

namespace seqrt::graph {

// Fuses every matching Loop in `graph` (not in its subgraphs: their weights are not constants
// there). A Loop is fused only when its body is exactly Gather(x, t) -> MatMul(kernel) [+ bias]
// + MatMul(h, recurrent_kernel) -> Tanh|Relu|Sigmoid, with constant float weights, a trip
// count/condition that provably runs x's whole time axis, and a state/scan output layout the
// RNN's outputs reproduce; anything else is left untouched. Returns how many Loops were fused.
// Runs before TopologicalSort and dead-node elimination (new nodes are placed where the Loop was).
int FuseLoopRnnCells(Graph& graph);

}  // namespace seqrt::graph
