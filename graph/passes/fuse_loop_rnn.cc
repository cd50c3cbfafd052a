// Recognises tf2onnx's Loop export of a Keras SimpleRNN and rewrites it as one ONNX RNN node.
//
// The rewrite is only sound when the Loop computes exactly what RNN computes, so the matcher is
// strict: every body node must play a known role (cell, time counter, stop condition, identity
// pass-through), the weights must be constants the caller cannot override, and the trip count
// and condition must let the Loop run over the whole time axis of the gathered input (reading
// past it would make the Loop fail, so "at least T steps" means "exactly T steps").
#include "graph/passes/fuse_loop_rnn.h"

#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "graph/passes/passes.h"

namespace seqrt::graph {
namespace {

std::optional<int64_t> ScalarInt(const Tensor* t) {
  if (t == nullptr || t->num_elements() != 1) return std::nullopt;
  if (t->dtype() == DType::kInt64) return t->data_as<int64_t>()[0];
  if (t->dtype() == DType::kInt32) return t->data_as<int32_t>()[0];
  return std::nullopt;
}

// A rank-0 integer zero: a counter's start (a [1] start would add an axis to every step's slice).
bool IsScalarZero(const Tensor* t) { return t != nullptr && t->dims().empty() && ScalarInt(t) == 0; }

// A scalar number of any common type, for comparing loop bounds.
std::optional<double> ScalarNumber(const Tensor* t) {
  if (t == nullptr || t->num_elements() != 1) return std::nullopt;
  if (auto i = ScalarInt(t)) return static_cast<double>(*i);
  if (t->dtype() == DType::kFloat) return t->data_as<float>()[0];
  if (t->dtype() == DType::kDouble) return t->data_as<double>()[0];
  return std::nullopt;
}

const Node* ProducerIn(const Graph& g, const std::vector<int>& producer, ValueId v) {
  if (v == kNoValue || producer[v] < 0) return nullptr;
  return &g.nodes[producer[v]];
}

std::vector<int> Producers(const Graph& g) {
  std::vector<int> p(g.values.size(), -1);
  for (int n = 0; n < static_cast<int>(g.nodes.size()); ++n)
    for (ValueId out : g.nodes[n].outputs)
      if (out != kNoValue) p[out] = n;
  return p;
}

bool IsUnaryGlue(const Node& n) {
  return n.domain.empty() && (n.op_type == "Cast" || n.op_type == "Identity" || n.op_type == "Squeeze" ||
                              n.op_type == "Unsqueeze" || n.op_type == "Reshape");
}

// Facts about the outer graph that the Loop's inputs are checked against.
class OuterView {
 public:
  explicit OuterView(const Graph& g) : g_(g), producer_(Producers(g)) {
    for (ValueId in : g.inputs) overridable_.insert(in);
  }

  const Node* Producer(ValueId v) const { return ProducerIn(g_, producer_, v); }
  const Shape& ShapeOf(ValueId v) const { return g_.value(v).shape; }

  // Data the caller cannot replace at run time (an initializer that is also a graph input can be).
  const Tensor* Constant(ValueId v) const {
    if (v == kNoValue || overridable_.count(v)) return nullptr;
    return g_.value(v).constant.get();
  }

  ValueId StripGlue(ValueId v) const {
    for (const Node* p = Producer(v); p != nullptr && IsUnaryGlue(*p) && !p->inputs.empty(); p = Producer(v))
      v = p->inputs[0];
    return v;
  }

  // True when `v` is x's size along `axis`, read as Shape(x)[axis] (through casts/squeezes), or
  // Shape(src)[perm[axis]] where x = Transpose(src, perm).
  bool IsAxisLength(ValueId v, ValueId x, int axis) const {
    const Node* pick = Producer(StripGlue(v));
    if (pick == nullptr || pick->inputs.empty()) return false;
    std::optional<int64_t> index;
    if (pick->op_type == "Gather" && pick->num_inputs() == 2 && pick->attrs.GetInt("axis", 0) == 0) {
      index = ScalarInt(Constant(pick->inputs[1]));
    } else if (pick->op_type == "Slice" && pick->num_inputs() >= 3) {
      auto start = ScalarInt(Constant(pick->inputs[1]));
      auto end = ScalarInt(Constant(pick->inputs[2]));
      if (pick->HasInput(3) && ScalarInt(Constant(pick->inputs[3])) != 0) return false;
      if (pick->HasInput(4) && ScalarInt(Constant(pick->inputs[4])) != 1) return false;
      if (start && end && *start >= 0 && *end == *start + 1) index = start;
    }
    if (!index) return false;
    const Node* shape = Producer(StripGlue(pick->inputs[0]));
    if (shape == nullptr || shape->op_type != "Shape" || shape->attrs.Has("start") || shape->attrs.Has("end"))
      return false;
    const ValueId src = shape->inputs[0];
    if (src == x) return *index == axis;
    const Node* t = Producer(x);
    if (t == nullptr || t->op_type != "Transpose" || t->inputs[0] != src) return false;
    std::vector<int64_t> perm = t->attrs.GetInts("perm", {});
    return axis < static_cast<int>(perm.size()) && perm[axis] == *index;
  }

  // A statically known length of x along `axis`, if any.
  std::optional<int64_t> StaticLength(ValueId x, int axis) const {
    const Shape& s = g_.value(x).shape;
    if (!s.rank_known || axis >= s.rank() || !s[axis].known()) return std::nullopt;
    return s[axis].value();
  }

  // `v` is at least x's length along `axis` (the Loop may run that many steps).
  bool CoversLength(ValueId v, ValueId x, int axis) const {
    if (IsAxisLength(v, x, axis)) return true;
    auto n = ScalarNumber(Constant(StripGlue(v)));
    auto len = StaticLength(x, axis);
    return n && len && *n >= static_cast<double>(*len);
  }

  // The Loop's initial condition is true whenever x has at least one step.
  bool KnownTrue(ValueId v, ValueId x, int axis) const {
    if (v == kNoValue) return true;
    if (const Tensor* c = Constant(v)) {
      if (c->dtype() != DType::kBool || c->num_elements() != 1) return false;
      return c->data_as<uint8_t>()[0] != 0;
    }
    const Node* p = Producer(v);
    if (p == nullptr) return false;
    if (p->op_type == "Identity") return KnownTrue(p->inputs[0], x, axis);
    if (p->op_type == "And" && p->num_inputs() == 2)
      return KnownTrue(p->inputs[0], x, axis) && KnownTrue(p->inputs[1], x, axis);
    if ((p->op_type == "Less" || p->op_type == "Greater") && p->num_inputs() == 2) {
      ValueId lo = p->op_type == "Less" ? p->inputs[0] : p->inputs[1];
      ValueId hi = p->op_type == "Less" ? p->inputs[1] : p->inputs[0];
      auto a = ScalarNumber(Constant(StripGlue(lo)));
      if (!a) return false;
      if (auto b = ScalarNumber(Constant(StripGlue(hi)))) return *a < *b;
      return *a < 1 && IsAxisLength(hi, x, axis);
    }
    return false;
  }

  bool Used(ValueId v) const {
    if (v == kNoValue) return false;
    for (ValueId o : g_.outputs)
      if (o == v) return true;
    for (const Node& n : g_.nodes) {
      for (ValueId in : n.inputs)
        if (in == v) return true;
      for (ValueId in : n.implicit_inputs)
        if (in == v) return true;
    }
    return false;
  }

 private:
  const Graph& g_;
  std::vector<int> producer_;
  std::set<ValueId> overridable_;
};

// What a matched Loop is, in terms the replacement needs.
struct RnnCell {
  ValueId x = kNoValue;                      // outer tensor the body gathers step t from
  int time_axis = 0;                         // 0: x is [T,N,F]; 1: x is [N,T,F]
  const Tensor* kernel = nullptr;            // [F,H]
  const Tensor* recurrent_kernel = nullptr;  // [H,H]
  const Tensor* bias = nullptr;              // [H] or [1,H]; null when the cell has none
  std::string activation;
  int state_slot = -1;
  std::vector<int> passthrough_slots;
  std::vector<int> counter_slots;
};

class LoopMatcher {
 public:
  LoopMatcher(const OuterView& outer, const Node& loop, const Graph& body)
      : outer_(outer), loop_(loop), body_(body), producer_(Producers(body)) {}

  std::optional<RnnCell> Match() {
    const int k = static_cast<int>(body_.inputs.size()) - 2;
    if (k < 1 || loop_.num_inputs() != k + 2 || !loop_.HasInput(0)) return std::nullopt;
    const int scans = static_cast<int>(body_.outputs.size()) - 1 - k;
    if (scans < 0 || scans > 1 || static_cast<int>(loop_.outputs.size()) != k + scans) return std::nullopt;
    if (!ClassifySlots(k)) return std::nullopt;
    if (!MatchCell()) return std::nullopt;
    if (scans == 1 && StripIdentity(body_.outputs[1 + k]) != h_new_) return std::nullopt;
    for (int slot : cell_.counter_slots)
      if (outer_.Used(loop_.outputs[slot])) return std::nullopt;  // the RNN has no step count to give
    // Trip count and condition must let the Loop cover the whole time axis.
    if (!outer_.CoversLength(loop_.inputs[0], cell_.x, cell_.time_axis)) return std::nullopt;
    if (!outer_.KnownTrue(loop_.inputs[1], cell_.x, cell_.time_axis)) return std::nullopt;
    const ValueId cond_out = body_.outputs[0];
    if (StripIdentity(cond_out) != body_.inputs[1] && !ConditionHoldsForAllSteps(cond_out))
      return std::nullopt;
    if (claimed_.size() != body_.nodes.size()) return std::nullopt;  // some op is not part of the cell
    return cell_;
  }

 private:
  const Node* Producer(ValueId v) const { return ProducerIn(body_, producer_, v); }
  int IndexOf(const Node* n) const { return static_cast<int>(n - body_.nodes.data()); }
  void Claim(const Node* n) { claimed_.insert(IndexOf(n)); }

  ValueId StripIdentity(ValueId v) {
    for (const Node* p = Producer(v); p != nullptr && p->op_type == "Identity" && p->domain.empty();
         p = Producer(v)) {
      Claim(p);
      v = p->inputs[0];
    }
    return v;
  }

  ValueId StripCast(ValueId v) {
    for (const Node* p = Producer(v); p != nullptr && (p->op_type == "Cast" || p->op_type == "Identity");
         p = Producer(v)) {
      Claim(p);
      v = p->inputs[0];
    }
    return v;
  }

  // The outer value a body value stands for: a capture, or a carried value passed through unchanged.
  ValueId OuterOf(ValueId v) const {
    for (size_t i = 0; i < body_.captures.size(); ++i)
      if (body_.captures[i] == v && i < loop_.implicit_inputs.size()) return loop_.implicit_inputs[i];
    for (int slot : cell_.passthrough_slots)
      if (body_.inputs[2 + slot] == v) return loop_.inputs[2 + slot];
    return kNoValue;
  }

  const Tensor* Constant(ValueId v) const {
    if (v == kNoValue) return nullptr;
    if (const Tensor* t = body_.value(v).constant.get()) {
      for (ValueId in : body_.inputs)
        if (in == v) return nullptr;  // a body input with a default can still be fed
      return t;
    }
    return outer_.Constant(OuterOf(v));
  }

  bool ClassifySlots(int k) {
    for (int slot = 0; slot < k; ++slot) {
      const ValueId in = body_.inputs[2 + slot];
      const ValueId out = StripIdentity(body_.outputs[1 + slot]);
      if (out == in) {
        cell_.passthrough_slots.push_back(slot);
        continue;
      }
      const Node* add = Producer(out);
      if (add != nullptr && add->op_type == "Add" && add->num_inputs() == 2 &&
          IsScalarZero(outer_.Constant(loop_.inputs[2 + slot]))) {
        const int other = add->inputs[0] == in ? 1 : add->inputs[1] == in ? 0 : -1;
        if (other >= 0 && ScalarInt(Constant(add->inputs[other])) == 1) {
          Claim(add);
          cell_.counter_slots.push_back(slot);
          counter_outputs_.push_back(out);
          continue;
        }
      }
      if (cell_.state_slot >= 0) return false;  // a second real state: not a SimpleRNN cell
      cell_.state_slot = slot;
    }
    return cell_.state_slot >= 0;
  }

  // Body values equal to the step number t at step t.
  bool IsStepIndex(ValueId v) const {
    if (v == body_.inputs[0]) return true;
    for (int slot : cell_.counter_slots)
      if (v == body_.inputs[2 + slot]) return true;
    return false;
  }

  void FlattenSum(ValueId v, std::vector<ValueId>* terms) {
    const Node* p = Producer(v);
    if (p != nullptr && p->op_type == "Add" && p->domain.empty() && p->num_inputs() == 2 &&
        !claimed_.count(IndexOf(p))) {
      Claim(p);
      FlattenSum(p->inputs[0], terms);
      FlattenSum(p->inputs[1], terms);
    } else {
      terms->push_back(v);
    }
  }

  static bool IsFloatMatrix(const Tensor* t) {
    return t != nullptr && t->dtype() == DType::kFloat && t->dims().size() == 2;
  }

  bool MatchCell() {
    h_new_ = StripIdentity(body_.outputs[1 + cell_.state_slot]);
    const ValueId h_in = body_.inputs[2 + cell_.state_slot];
    const Node* act = Producer(h_new_);
    if (act == nullptr || !act->domain.empty() || act->num_inputs() != 1) return false;
    if (act->op_type != "Tanh" && act->op_type != "Relu" && act->op_type != "Sigmoid") return false;
    Claim(act);
    cell_.activation = act->op_type;
    std::vector<ValueId> terms;
    FlattenSum(act->inputs[0], &terms);
    for (ValueId term : terms) {
      const Node* mm = Producer(term);
      if (mm != nullptr && mm->op_type == "MatMul" && mm->domain.empty() && mm->num_inputs() == 2) {
        const Tensor* w = Constant(mm->inputs[1]);
        if (!IsFloatMatrix(w)) return false;
        Claim(mm);
        if (mm->inputs[0] == h_in) {
          if (cell_.recurrent_kernel != nullptr) return false;
          cell_.recurrent_kernel = w;
          continue;
        }
        const Node* gather = Producer(mm->inputs[0]);
        if (gather == nullptr || gather->op_type != "Gather" || gather->num_inputs() != 2 ||
            cell_.kernel != nullptr)
          return false;
        const int64_t axis = gather->attrs.GetInt("axis", 0);
        if ((axis != 0 && axis != 1) || !IsStepIndex(gather->inputs[1])) return false;
        cell_.x = OuterOf(gather->inputs[0]);
        if (cell_.x == kNoValue) return false;
        const Shape& xs = outer_.ShapeOf(cell_.x);
        if (xs.rank_known && xs.rank() != 3) return false;
        Claim(gather);
        cell_.time_axis = static_cast<int>(axis);
        cell_.kernel = w;
        continue;
      }
      const Tensor* b = Constant(term);
      if (b == nullptr || cell_.bias != nullptr || b->dtype() != DType::kFloat) return false;
      cell_.bias = b;
    }
    if (cell_.kernel == nullptr || cell_.recurrent_kernel == nullptr) return false;
    const int64_t h = cell_.kernel->dims()[1];
    if (cell_.recurrent_kernel->dims() != Dims{h, h}) return false;
    if (cell_.bias != nullptr && cell_.bias->dims() != Dims{h} && cell_.bias->dims() != Dims{1, h})
      return false;
    return true;
  }

  // cond_out is true after every step t < T-1: an And of `step < bound` tests with bound >= T.
  bool ConditionHoldsForAllSteps(ValueId v) {
    const Node* p = Producer(StripIdentity(v));
    if (p == nullptr || p->num_inputs() != 2) return false;
    Claim(p);
    if (p->op_type == "And")
      return ConditionHoldsForAllSteps(p->inputs[0]) && ConditionHoldsForAllSteps(p->inputs[1]);
    if (p->op_type != "Less" && p->op_type != "Greater") return false;
    ValueId step = StripCast(p->op_type == "Less" ? p->inputs[0] : p->inputs[1]);
    ValueId bound = StripCast(p->op_type == "Less" ? p->inputs[1] : p->inputs[0]);
    // The step may be read before (t) or after (t + 1) the counter's increment.
    bool is_step = IsStepIndex(step);
    for (ValueId out : counter_outputs_) is_step = is_step || step == out;
    if (!is_step) return false;
    if (const Tensor* c = body_.value(bound).constant.get()) {
      auto n = ScalarNumber(c);
      auto len = outer_.StaticLength(cell_.x, cell_.time_axis);
      return n && len && *n >= static_cast<double>(*len);
    }
    const ValueId outer_bound = OuterOf(bound);
    return outer_bound != kNoValue && outer_.CoversLength(outer_bound, cell_.x, cell_.time_axis);
  }

  const OuterView& outer_;
  const Node& loop_;
  const Graph& body_;
  std::vector<int> producer_;
  std::set<int> claimed_;
  RnnCell cell_;
  ValueId h_new_ = kNoValue;
  std::vector<ValueId> counter_outputs_;  // the counters' incremented values (t + 1)
};

// Builds the replacement nodes into `graph`'s value table.
class Rewriter {
 public:
  Rewriter(Graph& g, const Node& loop) : g_(g), loop_(loop) {
    base_ = absl::StrCat(loop.name.empty() ? std::string("loop") : loop.name, "/fused_rnn");
  }

  std::vector<Node> Build(const RnnCell& c) {
    const int64_t f = c.kernel->dims()[0], h = c.kernel->dims()[1];
    ValueId x = c.x;
    if (c.time_axis == 1)
      x = Add("Transpose", {x}, "X", [](Node& n) { n.attrs.Set("perm", std::vector<int64_t>{1, 0, 2}); });
    // RNN wants W = kernelᵀ [1,H,F], R = recurrent_kernelᵀ [1,H,H], B = [Wb, Rb] [1,2H].
    Tensor w(DType::kFloat, {1, h, f}), r(DType::kFloat, {1, h, h}), b(DType::kFloat, {1, 2 * h});
    const float* kd = c.kernel->data_as<float>();
    const float* rd = c.recurrent_kernel->data_as<float>();
    for (int64_t i = 0; i < f; ++i)
      for (int64_t j = 0; j < h; ++j) w.data_as<float>()[j * f + i] = kd[i * h + j];
    for (int64_t i = 0; i < h; ++i)
      for (int64_t j = 0; j < h; ++j) r.data_as<float>()[j * h + i] = rd[i * h + j];
    if (c.bias != nullptr) std::memcpy(b.raw_data(), c.bias->raw_data(), h * sizeof(float));
    const ValueId h0 = loop_.inputs[2 + c.state_slot];
    const ValueId initial_h = Add("Unsqueeze", {h0}, "initial_h", Axes(0));
    const ValueId final_h = loop_.outputs[c.state_slot];
    const ValueId seq =
        loop_.outputs.size() > static_cast<size_t>(loop_.num_inputs() - 2) ? loop_.outputs.back() : kNoValue;

    Node rnn = Blank("RNN");
    rnn.inputs = {
        x, Const("W", std::move(w)), Const("R", std::move(r)), Const("B", std::move(b)), kNoValue, initial_h};
    rnn.outputs = {seq != kNoValue ? NewValue("Y") : kNoValue,
                   final_h != kNoValue ? NewValue("Y_h") : kNoValue};
    rnn.attrs.Set("hidden_size", h);
    rnn.attrs.Set("activations", std::vector<std::string>{c.activation});
    const ValueId y = rnn.outputs[0], y_h = rnn.outputs[1];
    nodes_.push_back(std::move(rnn));
    if (seq != kNoValue) AddInto("Squeeze", {y}, seq, Axes(1));
    if (final_h != kNoValue) AddInto("Squeeze", {y_h}, final_h, Axes(0));
    for (int slot : c.passthrough_slots)
      if (loop_.outputs[slot] != kNoValue)
        AddInto("Identity", {loop_.inputs[2 + slot]}, loop_.outputs[slot], nullptr);
    return std::move(nodes_);
  }

 private:
  using Attrs = std::function<void(Node&)>;

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

int FuseLoopRnnCells(Graph& graph) {
  int fused = 0;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const Node& loop = graph.nodes[i];
    if (loop.op_type != "Loop" || !loop.domain.empty() || loop.attrs.all().size() != 1) continue;
    auto body = loop.attrs.GetGraph("body");
    if (!body.ok() || *body == nullptr) continue;
    OuterView outer(graph);
    LoopMatcher matcher(outer, loop, **body);
    std::optional<RnnCell> cell = matcher.Match();
    if (!cell) continue;
    Node old = graph.nodes[i];                       // copy: Build adds values while reading the Loop's ids
    const std::shared_ptr<Graph> keep_body = *body;  // the weights live in the body or outer graph
    std::vector<Node> replacement = Rewriter(graph, old).Build(*cell);
    graph.nodes.erase(graph.nodes.begin() + i);
    graph.nodes.insert(graph.nodes.begin() + i, replacement.begin(), replacement.end());
    i += replacement.size() - 1;
    ++fused;
  }
  if (fused > 0) RelinkProducers(graph);
  return fused;
}

}  // namespace seqrt::graph
