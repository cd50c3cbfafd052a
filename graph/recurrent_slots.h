// The input and output slots of ONNX RNN, GRU and LSTM (the same numbering for all three;
// an absent optional input has no value). They live in graph/ because the layout pass rewrites
// these nodes and graph/ may not depend on ops/; kernels see them through ops/recurrent_spec.h.
#pragma once

namespace seqrt::graph {

enum RecurrentInput { kRecX = 0, kRecW, kRecR, kRecB, kRecSequenceLens, kRecInitialH, kRecInitialC, kRecP };
enum RecurrentOutput { kRecY = 0, kRecYh, kRecYc };

}  // namespace seqrt::graph
