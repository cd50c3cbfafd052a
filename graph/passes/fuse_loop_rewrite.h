// Builds the native recurrent node (RNN / GRU / LSTM) that replaces a matched Loop, plus the glue
// that gives every Loop output the same value: the time-major transpose of a batch-major x,
// Unsqueeze of the initial states, Squeeze of Y / Y_h / Y_c, Identity for carried weights.
#pragma once

#include <string>
#include <vector>

#include "graph/graph.h"
#include "graph/passes/fuse_loop_match.h"

namespace seqrt::graph::fuse {

// A recognised cell, in ONNX's terms, ready to build.
struct FusedCell {
  std::string op_type;  // "RNN", "GRU" or "LSTM"
  int64_t hidden = 0;
  Tensor w, r, b;                           // ONNX layouts: W [1, G*H, F], R [1, G*H, H], B [1, 2*G*H]
  std::vector<CellActivation> activations;  // in ONNX's order for the op (f, g[, h])
  int64_t linear_before_reset = -1;         // GRU only
  int h_slot = -1;                          // the Loop slot carrying the hidden state
  int c_slot = -1;                          // LSTM: the slot carrying the cell state
};

// Returns the nodes that replace `loop` (values they need are added to `g`). `body` is the
// finished match of that Loop.
std::vector<Node> BuildFusedCell(Graph& g, const Node& loop, const LoopBody& body, FusedCell cell);

// Transposes a constant [rows, cols] matrix's columns [lo, hi) into `dst` (row-major
// [*, cols_of_dst]) starting at row `dst_row`: dst[dst_row + j][i] = src[i][lo + j].
void PutTransposedColumns(const Tensor& src, int64_t lo, int64_t hi, Tensor* dst, int64_t dst_row);

}  // namespace seqrt::graph::fuse
