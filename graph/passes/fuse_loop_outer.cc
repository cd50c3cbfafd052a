// OuterView: what the graph around a Loop proves about the Loop's inputs (see fuse_loop_outer.h).
#include "graph/passes/fuse_loop_outer.h"

#include <algorithm>

#include "graph/passes/fuse_loop_ir.h"

namespace seqrt::graph::fuse {

OuterView::OuterView(const Graph& g) : g_(g), producer_(Producers(g)) {
  for (ValueId in : g.inputs) overridable_.insert(in);
  for (ValueId o : g.outputs) used_.insert(o);
  for (const Node& n : g.nodes) {
    for (ValueId in : n.inputs) used_.insert(in);
    for (ValueId in : n.implicit_inputs) used_.insert(in);
  }
}

const Node* OuterView::Producer(ValueId v) const {
  if (v == kNoValue || producer_[v] < 0) return nullptr;
  return &g_.nodes[producer_[v]];
}

const Tensor* OuterView::Constant(ValueId v) const {
  if (v == kNoValue || overridable_.count(v)) return nullptr;
  return g_.value(v).constant.get();
}

ValueId OuterView::StripGlue(ValueId v) const {
  for (const Node* p = Producer(v); p != nullptr && IsUnaryGlue(*p) && !p->inputs.empty(); p = Producer(v))
    v = p->inputs[0];
  return v;
}

bool OuterView::IsAxisLength(ValueId v, ValueId x, int axis) const {
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

OuterView::Length OuterView::LengthOf(ValueId v, int axis, int depth) const {
  Length len;
  const Shape& s = g_.value(v).shape;
  if (s.rank_known && axis < s.rank() && s[axis].known()) {
    len.exact = len.upper = s[axis].value();
    return len;
  }
  const Node* p = Producer(v);
  if (p == nullptr || depth > 16 || p->inputs.empty() || !p->domain.empty()) return len;
  const ValueId in = p->inputs[0];
  if (p->op_type == "Identity" || p->op_type == "Cast") return LengthOf(in, axis, depth + 1);
  if (p->op_type == "Transpose") {
    std::vector<int64_t> perm = p->attrs.GetInts("perm", {});
    if (axis >= static_cast<int>(perm.size())) return len;
    return LengthOf(in, static_cast<int>(perm[axis]), depth + 1);
  }
  if (p->op_type == "Reshape" && p->num_inputs() == 2) {
    auto shape = IntList(Constant(p->inputs[1]));
    if (!shape || axis >= static_cast<int>(shape->size())) return len;
    const int64_t d = (*shape)[axis];
    if (d > 0) len.exact = len.upper = d;
    if (d == 0 && p->attrs.GetInt("allowzero", 0) == 0) return LengthOf(in, axis, depth + 1);
    return len;
  }
  if (p->op_type == "Squeeze" || p->op_type == "Unsqueeze") {
    // Map the output axis to the input's through the (non-negative, constant) axes.
    std::optional<std::vector<int64_t>> axes = p->attrs.GetInts("axes", {});
    if (p->opset >= 13) axes = p->HasInput(1) ? IntList(Constant(p->inputs[1])) : std::nullopt;
    if (!axes || axes->empty()) return len;
    const std::set<int64_t> listed(axes->begin(), axes->end());
    if (*listed.begin() < 0) return len;
    int in_axis = axis;
    if (p->op_type == "Unsqueeze") {
      if (listed.count(axis)) return len;  // an inserted 1, not worth a bound
      for (int64_t a : listed) in_axis -= a < axis;
    } else {
      for (int64_t a : listed) in_axis += a <= in_axis;
    }
    return LengthOf(in, in_axis, depth + 1);
  }
  // A recurrent op's Y [T, D, N, H] (layout 0) runs along X's time axis.
  if ((p->op_type == "RNN" || p->op_type == "GRU" || p->op_type == "LSTM") && axis == 0 &&
      p->outputs[0] == v && p->attrs.GetInt("layout", 0) == 0)
    return LengthOf(in, 0, depth + 1);
  // A Loop's scan outputs stack one slice per iteration: at most the trip count.
  if (p->op_type == "Loop" && axis == 0 && p->inputs.size() >= 2) {
    for (size_t k = p->inputs.size() - 2; k < p->outputs.size(); ++k) {
      auto trips = ScalarNumber(Constant(StripGlue(in)));
      if (p->outputs[k] == v && trips && *trips >= 0) len.upper = static_cast<int64_t>(*trips);
    }
    return len;
  }
  if (p->op_type == "Slice") {
    auto args = ReadSlice(*p, [this](ValueId c) { return Constant(c); });
    if (!args) return len;
    const Length whole = LengthOf(in, axis, depth + 1);
    const Shape& in_shape = g_.value(in).shape;
    for (size_t i = 0; i < args->axes.size(); ++i) {
      int64_t a = args->axes[i];
      if (a < 0) {
        if (!in_shape.rank_known) return len;  // cannot tell which axis a negative one is
        a += in_shape.rank();
      }
      if (a != axis) continue;
      if (args->steps[i] != 1) return len;
      const int64_t start = args->starts[i], end = args->ends[i];
      if (whole.exact) {
        const int64_t n = *whole.exact;
        auto clamp = [n](int64_t e) { return std::clamp<int64_t>(e < 0 ? e + n : e, 0, n); };
        len.exact = len.upper = std::max<int64_t>(0, clamp(end) - clamp(start));
        return len;
      }
      // Without the input's length: [s, e) with both ends on the same side bounds the count.
      if ((start >= 0 && end >= 0) || (start < 0 && end < 0)) len.upper = std::max<int64_t>(0, end - start);
      if (start < 0 && end >= kToEnd) len.upper = -start;
      if (whole.upper && (!len.upper || *whole.upper < *len.upper)) len.upper = whole.upper;
      return len;
    }
    return whole;  // this axis is not sliced
  }
  return len;
}

std::optional<int64_t> OuterView::UpperLength(ValueId x, int axis) const {
  return LengthOf(x, axis, 0).upper;
}
std::optional<int64_t> OuterView::ExactLength(ValueId x, int axis) const {
  return LengthOf(x, axis, 0).exact;
}

bool OuterView::CoversLength(ValueId v, ValueId x, int axis) const {
  if (IsAxisLength(v, x, axis)) return true;
  auto n = ScalarNumber(Constant(StripGlue(v)));
  auto len = UpperLength(x, axis);
  return n && len && *n >= static_cast<double>(*len);
}

bool OuterView::KnownTrue(ValueId v, ValueId x, int axis) const {
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

bool OuterView::Used(ValueId v) const { return v != kNoValue && used_.count(v) > 0; }

}  // namespace seqrt::graph::fuse
