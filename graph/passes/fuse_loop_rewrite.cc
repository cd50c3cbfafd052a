// The replacement for a fused Loop. The recurrent node reads x time-major and starts from the
// Loop's initial states; Squeeze nodes give its outputs the shapes the Loop's outputs had, so
// every consumer is left as it was.
#include "graph/passes/fuse_loop_rewrite.h"

#include <functional>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"

namespace seqrt::graph::fuse {
namespace {

class Rewriter {
 public:
  Rewriter(Graph& g, const Node& loop) : g_(g), loop_(loop) {}

  std::vector<Node> Build(const LoopBody& body, FusedCell& c) {
    base_ = absl::StrCat(loop_.name.empty() ? std::string("loop") : loop_.name, "/fused_", c.op_type);
    ValueId x = body.x();
    if (body.time_axis() == 1)
      x = Add("Transpose", {x}, "X", [](Node& n) { n.attrs.Set("perm", std::vector<int64_t>{1, 0, 2}); });
    const bool lstm = c.op_type == "LSTM";
    Node cell = Blank(c.op_type);
    cell.inputs = {x,
                   Const("W", std::move(c.w)),
                   Const("R", std::move(c.r)),
                   Const("B", std::move(c.b)),
                   kNoValue,
                   InitialState(body, c.h_slot, "initial_h")};
    if (lstm) cell.inputs.push_back(InitialState(body, c.c_slot, "initial_c"));
    while (cell.inputs.back() == kNoValue) cell.inputs.pop_back();  // trailing absent inputs

    // Outputs nobody reads are not asked for (the op then need not write them).
    auto used = [&body](ValueId v) { return body.outer().Used(v) ? v : kNoValue; };
    const ValueId seq = body.has_scan() ? used(loop_.outputs.back()) : kNoValue;
    const ValueId final_h = used(loop_.outputs[c.h_slot]);
    const ValueId final_c = lstm ? used(loop_.outputs[c.c_slot]) : kNoValue;
    cell.outputs = {seq != kNoValue ? NewValue("Y") : kNoValue,
                    final_h != kNoValue ? NewValue("Y_h") : kNoValue};
    if (lstm) cell.outputs.push_back(final_c != kNoValue ? NewValue("Y_c") : kNoValue);
    for (ValueId v : cell.outputs)
      if (v != kNoValue) g_.value(v).dtype = DType::kFloat;
    const std::vector<ValueId> outs = cell.outputs;
    while (!cell.outputs.empty() && cell.outputs.back() == kNoValue) cell.outputs.pop_back();

    cell.attrs.Set("hidden_size", c.hidden);
    std::vector<std::string> names;
    std::vector<float> alphas, betas;
    for (const CellActivation& a : c.activations) {
      names.push_back(a.op);
      if (a.op == "HardSigmoid") {
        alphas.push_back(a.alpha);
        betas.push_back(a.beta);
      }
    }
    cell.attrs.Set("activations", names);
    if (!alphas.empty()) {
      cell.attrs.Set("activation_alpha", alphas);
      cell.attrs.Set("activation_beta", betas);
    }
    if (c.linear_before_reset >= 0) cell.attrs.Set("linear_before_reset", c.linear_before_reset);
    nodes_.push_back(std::move(cell));

    if (seq != kNoValue) AddInto("Squeeze", {outs[0]}, seq, Axes(1));
    if (final_h != kNoValue) AddInto("Squeeze", {outs[1]}, final_h, Axes(0));
    if (final_c != kNoValue) AddInto("Squeeze", {outs[2]}, final_c, Axes(0));
    for (int slot : body.passthrough_slots())
      if (used(loop_.outputs[slot]) != kNoValue)
        AddInto("Identity", {loop_.inputs[2 + slot]}, loop_.outputs[slot], nullptr);
    return std::move(nodes_);
  }

 private:
  using Attrs = std::function<void(Node&)>;

  // An all-zero constant start is ONNX's default (and fits any batch); anything else becomes
  // [1, N, H].
  ValueId InitialState(const LoopBody& body, int slot, const std::string& what) {
    const ValueId h0 = loop_.inputs[2 + slot];
    if (IsAllFloat(body.outer().Constant(h0), 0.f)) return kNoValue;
    return Add("Unsqueeze", {h0}, what, Axes(0));
  }

  ValueId NewValue(const std::string& what) {
    std::string name = absl::StrCat(base_, "/", what);
    for (int i = 1; g_.FindValue(name); ++i) name = absl::StrCat(base_, "/", what, "_", i);
    return g_.AddValue(name);
  }

  ValueId Const(const std::string& what, Tensor t) {
    ValueId id = NewValue(what);
    g_.value(id).dtype = t.dtype();
    g_.value(id).shape = Shape::FromDims(t.dims());
    g_.value(id).constant = std::make_shared<const Tensor>(std::move(t));
    return id;
  }

  Node Blank(const std::string& op) {
    Node n;
    n.name = absl::StrCat(base_, "/", op, "_", nodes_.size());
    n.op_type = op;
    n.opset = loop_.opset;
    return n;
  }

  // Squeeze/Unsqueeze axes: an input from opset 13, an attribute before.
  Attrs Axes(int64_t axis) {
    return [this, axis](Node& n) {
      if (loop_.opset >= 13) {
        n.inputs.push_back(Const("axes", Tensor::FromVector<int64_t>(DType::kInt64, {1}, {axis})));
      } else {
        n.attrs.Set("axes", std::vector<int64_t>{axis});
      }
    };
  }

  void AddInto(const std::string& op, std::vector<ValueId> inputs, ValueId out, const Attrs& attrs) {
    Node n = Blank(op);
    n.inputs = std::move(inputs);
    n.outputs = {out};
    if (attrs) attrs(n);
    nodes_.push_back(std::move(n));
  }

  ValueId Add(const std::string& op, std::vector<ValueId> inputs, const std::string& what,
              const Attrs& attrs) {
    ValueId out = NewValue(what);
    g_.value(out).dtype = DType::kFloat;
    AddInto(op, std::move(inputs), out, attrs);
    return out;
  }

  Graph& g_;
  const Node& loop_;
  std::string base_;
  std::vector<Node> nodes_;
};

}  // namespace

std::vector<Node> BuildFusedCell(Graph& g, const Node& loop, const LoopBody& body, FusedCell cell) {
  return Rewriter(g, loop).Build(body, cell);
}

void PutTransposedColumns(const Tensor& src, int64_t lo, int64_t hi, Tensor* dst, int64_t dst_row) {
  const int64_t rows = src.dims()[0], cols = src.dims()[1];
  const int64_t dst_cols = dst->dims().back();
  const float* s = src.data_as<float>();
  float* d = dst->data_as<float>();
  for (int64_t j = lo; j < hi; ++j)
    for (int64_t i = 0; i < rows; ++i) d[(dst_row + j - lo) * dst_cols + i] = s[i * cols + j];
}

}  // namespace seqrt::graph::fuse
