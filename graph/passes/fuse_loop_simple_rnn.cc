// SimpleRNN cell: one state h, h' = act(x_t.K + h.R + b) with act in Tanh/Relu/Sigmoid (or
// HardSigmoid). ONNX RNN computes act(x_t.Wᵀ + h.Rᵀ + Wb + Rb), so W = Kᵀ, R = Rᵀ, Wb = b.
#include "graph/passes/fuse_loop_simple_rnn.h"

#include <algorithm>

namespace seqrt::graph::fuse {

std::optional<FusedCell> MatchSimpleRnnCell(LoopBody& body) {
  if (body.state_slots().size() != 1) return std::nullopt;
  const int slot = body.state_slots()[0];
  const ValueId h_in = body.StateIn(slot);
  const ValueId h_new = body.StateOut(slot);
  if (body.has_scan() && body.ScanOut() != h_new) return std::nullopt;
  CellActivation act;
  ValueId pre = kNoValue;
  if (!body.MatchActivation(h_new, &act, &pre)) return std::nullopt;
  Projection p;
  if (!body.MatchProjection(pre, h_in, &p) || p.kernel == nullptr || p.recurrent == nullptr)
    return std::nullopt;
  const int64_t h = p.width, f = p.kernel->dims()[0];
  if (p.recurrent->dims() != Dims{h, h}) return std::nullopt;

  FusedCell c;
  c.op_type = "RNN";
  c.hidden = h;
  c.w = Tensor(DType::kFloat, {1, h, f});
  c.r = Tensor(DType::kFloat, {1, h, h});
  c.b = Tensor(DType::kFloat, {1, 2 * h});
  PutTransposedColumns(*p.kernel, 0, h, &c.w, 0);
  PutTransposedColumns(*p.recurrent, 0, h, &c.r, 0);
  std::copy(p.bias.begin(), p.bias.end(), c.b.data_as<float>());
  c.activations = {act};
  c.h_slot = slot;
  return c;
}

}  // namespace seqrt::graph::fuse
