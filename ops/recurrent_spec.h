// The ONNX facts of RNN / GRU / LSTM every recurrent kernel agrees on: input and output slots,
// the four dims and their validation, output shapes, sequence_lens checks. One home, shared by
// the shape function (ops/recurrent.cc), the reference kernel, the matmul cell and the oneDNN
// kernel. Attributes and activations are parsed in ops/recurrent_attrs.h.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "graph/graph.h"
#include "graph/recurrent_slots.h"
#include "ops/kernel.h"
#include "ops/recurrent_attrs.h"

namespace seqrt::ops {

// The slots (kRecX ... kRecP, kRecY, kRecYh, kRecYc) are defined in graph/, where the layout pass
// needs them; recurrent kernels name them unqualified.
using enum graph::RecurrentInput;
using enum graph::RecurrentOutput;

// The ONNX name of input slot `slot` ("X" ... "P"), "?" past the last one.
std::string_view RecurrentInputName(int slot);

// The four sizes a recurrent node is built from. At load time any may be unknown.
struct RecurrentDims {
  graph::Dim seq_len;      // T
  graph::Dim batch;        // N
  graph::Dim input_size;   // I
  graph::Dim hidden_size;  // H
};

// Checks every present input's rank and known dims against the attributes and each other
// (W [D,G*H,I], R [D,G*H,H], B [D,2*G*H], sequence_lens [N], initial_h/c [D,N,H] or
// [N,D,H] with layout 1, P [D,3*H]) and returns T, N, I, H. `inputs[i]` is null when input
// i is absent. Errors start with `where` and say expected vs got.
absl::StatusOr<RecurrentDims> CheckRecurrentShapes(const RecurrentAttrs& attrs,
                                                   const std::vector<const graph::Shape*>& inputs,
                                                   std::string_view where);

// Output shapes: Y [T,D,N,H] (layout 1: [N,T,D,H]); Y_h and Y_c [D,N,H] (layout 1: [N,D,H]).
graph::Shape RecurrentYShape(const RecurrentAttrs& attrs, const RecurrentDims& d);
graph::Shape RecurrentStateShape(const RecurrentAttrs& attrs, const RecurrentDims& d);

// Concrete sizes for kernels, from a PrepareContext whose dims are all known.
struct RecurrentGeometry {
  int64_t seq_len = 0, batch = 0, input_size = 0, hidden_size = 0;
  int num_directions = 1;
};
absl::StatusOr<RecurrentGeometry> GetRecurrentGeometry(const RecurrentAttrs& attrs,
                                                       const PrepareContext& ctx);

// sequence_lens must lie in [0, seq_len]; the error names the row and value.
absl::Status CheckSequenceLens(const int64_t* lens, int64_t batch, int64_t seq_len,
                               std::string_view where);

}  // namespace seqrt::ops
