// The scaffolding every Loop -> recurrent-op fusion shares: the roles of a Loop's carried slots,
// constant weights (folded through Split/Slice/Squeeze...), the step input Gather(x, t), affine
// sums x.K + h.R + b, column blocks of a gate matrix, and the final proof that the Loop runs
// exactly over x's whole time axis. Cell kinds (fuse_loop_simple_rnn/gru/lstm) only describe
// their cell equations on top of it.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "graph/graph.h"
#include "graph/passes/fuse_loop_ir.h"
#include "graph/passes/fuse_loop_outer.h"

namespace seqrt::graph::fuse {

// One product of an affine sum: left . weight, weight a constant [K, M] matrix.
struct AffineProduct {
  ValueId left = kNoValue;
  std::shared_ptr<const Tensor> weight;
};

// v = sum of products + sum of constant biases (each [M] or [1, M]).
struct Affine {
  std::vector<AffineProduct> products;
  std::vector<const Tensor*> biases;
};

// x_t . kernel + h . recurrent + bias, as a cell's gate pre-activations read it.
struct Projection {
  std::shared_ptr<const Tensor> kernel;     // [F, width], or null
  std::shared_ptr<const Tensor> recurrent;  // [H, width], or null
  std::vector<float> bias;                  // [width], zeros when the sum has none
  int64_t width = 0;
};

// Columns [lo, hi) of a rank-2 body value, read through a Split output or a Slice.
struct ColumnBlock {
  ValueId source = kNoValue;
  int64_t lo = 0, hi = 0;
};

// An elementwise activation op of the cell: ONNX name plus HardSigmoid's alpha/beta.
struct CellActivation {
  std::string op;  // "Sigmoid", "Tanh", "Relu", "HardSigmoid"
  float alpha = 0.f, beta = 0.f;
  bool operator==(const CellActivation& o) const { return op == o.op && alpha == o.alpha && beta == o.beta; }
};

// A Loop under examination. Matching claims every body node that plays a known role; the
// Loop is fusable only when Finish() finds the whole body claimed and the iteration provably
// covering x's time axis. Nothing here modifies the graph.
class LoopBody {
 public:
  LoopBody(const OuterView& outer, const Node& loop, const Graph& body);

  // Sorts the carried slots into time counters (start 0, +1 per step), pass-throughs (the body
  // returns its input unchanged: carried weights) and states (everything else). False when the
  // Loop cannot be a recurrent layer (no trip count, more than one scan output, no state).
  bool ClassifySlots();
  const std::vector<int>& state_slots() const { return state_slots_; }
  const std::vector<int>& passthrough_slots() const { return passthrough_slots_; }
  ValueId StateIn(int slot) const { return body_.inputs[2 + slot]; }
  // The slot's next value, through Identity nodes (claimed).
  ValueId StateOut(int slot);
  // The scan output (through Identity), kNoValue when the Loop has none.
  ValueId ScanOut();
  bool has_scan() const { return scans_ == 1; }

  // The producer of `v` when it is the ai.onnx op `op_type` with `num_inputs` inputs (any count
  // when -1). Does not claim it.
  const Node* Op(ValueId v, const char* op_type, int num_inputs = -1) const;
  void Claim(const Node* n);
  ValueId StripIdentity(ValueId v);

  // Constant data the body sees at `v`: a body constant, an outer constant (captured or passed
  // through a slot), or Identity/Split/Slice/Squeeze/Unsqueeze/Gather/Transpose of those
  // (folded here; the folded nodes are claimed). Null when `v` may vary.
  const Tensor* Constant(ValueId v);

  // `v` is Gather(x, t) for an outer x and the step number t; records x and its time axis
  // (one x per Loop) and claims the Gather.
  bool IsStepInput(ValueId v);
  // Flattens `v` into products and biases through Add, MatMul/Gemm with a constant right-hand
  // side, and Squeeze without axes of a product (a no-op once broadcast into the sum). Claims
  // what it walks; false on anything else.
  bool MatchAffine(ValueId v, Affine* out);
  // The value `v` would be a column block of (a Split or Slice's data input), without claiming.
  ValueId BlockSource(ValueId v) const;
  // `v` is a column block of a rank-2 value whose width is `width`; claims the Split/Slice.
  bool MatchColumnBlock(ValueId v, int64_t width, ColumnBlock* out);
  // `v` = x_t . kernel + h . recurrent + bias, each part optional (x_t the step input, h the
  // body value `h_in`), with [*, width] weights and [width] biases summed. False on any other
  // product or shape.
  bool MatchProjection(ValueId v, ValueId h_in, Projection* out);
  // `v` is one of Sigmoid/Tanh/Relu/HardSigmoid applied to something; claims it.
  bool MatchActivation(ValueId v, CellActivation* act, ValueId* arg);

  // The last checks once the cell is matched: counters unused outside, trip count and
  // condition covering x's time axis exactly, every body node claimed.
  bool Finish();

  ValueId x() const { return x_; }
  int time_axis() const { return time_axis_; }
  const Node& loop() const { return loop_; }
  const OuterView& outer() const { return outer_; }

 private:
  const Node* Producer(ValueId v) const;
  int IndexOf(const Node* n) const { return static_cast<int>(n - body_.nodes.data()); }
  ValueId StripCast(ValueId v);
  ValueId OuterOf(ValueId v) const;
  bool IsStepIndex(ValueId v) const;
  bool ConditionHoldsForAllSteps(ValueId v);
  bool FlattenAffine(ValueId v, Affine* out);
  std::shared_ptr<const Tensor> Fold(ValueId v);

  const OuterView& outer_;
  const Node& loop_;
  const Graph& body_;
  std::vector<int> producer_;
  std::set<int> claimed_;
  std::vector<int> state_slots_, passthrough_slots_, counter_slots_;
  std::vector<ValueId> counter_outputs_;  // the counters' incremented values (t + 1)
  std::map<ValueId, std::shared_ptr<const Tensor>> folded_;
  int scans_ = 0;
  ValueId x_ = kNoValue;
  int time_axis_ = 0;
};

}  // namespace seqrt::graph::fuse
