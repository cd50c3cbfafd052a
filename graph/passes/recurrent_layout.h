// Runs Keras-style recurrent layers batch-major. Keras exports (tf2onnx, keras2onnx) keep the
// network's tensors batch-major [N, T, F] and wrap every RNN / GRU / LSTM in Transposes to and
// from ONNX's default time-major layout. seqrt's recurrent kernels read and write ONNX
// `layout` = 1 (X [N,T,I], Y [N,T,D,H], states [N,D,H]) natively, so those Transposes are pure
// copies (~7 % of a BiLSTM tagger's run time at batch 64, and half its arena).
#pragma once

#include "graph/graph.h"

namespace seqrt::graph {

// Switches an ai.onnx RNN / GRU / LSTM (opset >= 7, layout 0) to layout 1 when its X is known
// to be a Transpose(perm [1,0,2]) of a batch-major value that nothing else reads: an exporter's
// Transpose (which goes), or the previous layer's output rewritten as below. The node's opset
// is raised to 14, the first with `layout`; from 7 to 14 nothing else in these ops changed.
// Every old value keeps its exact contents for whoever reads it:
//   initial_h / initial_c: turned [N,D,H] in front of the node (with one direction a free
//       Reshape view, else a Transpose, folded at plan time when the state is a constant);
//   Y_h / Y_c: read only by a Transpose(1,0,2), that Transpose's result is the node's output;
//       otherwise turned back to [D,N,H] after it;
//   Y: the exporters' reader chains become one free Reshape of the batch-major Y:
//       Transpose(0,2,1,3) -> Reshape {0,0,-1 | D*H}   -> [T,N,D*H]   (keras2onnx)
//       Squeeze(axis 1), one direction                 -> [T,N,H]     (tf2onnx)
//       Transpose(2,1,0,3) -> Squeeze(axis 1), one dir -> [N,T,H]     (onnxmltools)
//       Transpose(2,0,1,3)                             -> [N,T,D,H]
//     A time-major result is rebuilt by a Transpose(1,0,2) that disappears when its readers are
//     a Transpose(1,0,2), the next recurrent layer (rewritten the same way), or tf2onnx's
//     last-step Slice(axis 0) -> Squeeze(axis 0); any other reader of Y gets it back through
//     one Transpose(1,2,0,3).
// Reshape shapes and Squeeze/Slice axes must be constants of exactly these forms; anything else
// is left alone. Whether a rewrite pays depends on which rebuilding Transposes survive, so
// whole rewrites are scored (elements per batch row and step of whole-sequence Transposes added
// minus removed) and the recurrent nodes whose rewrite does not lower that are left alone (for
// example a layer whose Y feeds an unrecognised reader while D*H >= I). Transposes and Reshapes
// left without readers are removed. Expects a topologically sorted graph and keeps it sorted.
// Returns how many recurrent nodes now run batch-major (0: the graph is unchanged).
int UseBatchMajorRecurrentLayout(Graph& graph);

}  // namespace seqrt::graph
